"""The clock replay checked against an independent, deliberately naive computation: a few hundred
seeded random ticket histories are walked minute by minute, each minute's local wall-clock time
checked against the opening hours and holidays directly, and every clock's due time, state,
outcome, elapsed time, warning time and the priority it is counted under compared. A smaller sample is played through the real services to check
that the history read from the events is the one the tickets lived."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
import time_machine

from conftest import make_person
from tierdesk.accounts.choices import Plan, Region
from tierdesk.accounts.models import Organization, User
from tierdesk.sla.calendar import AROUND_THE_CLOCK, BusinessHours, Span
from tierdesk.sla.clocks import (
    ANSWERED,
    ATTRIBUTES,
    CUSTOMER,
    OPENED,
    REPLY,
    STATUS,
    Attributes,
    ClockResult,
    Fact,
    TargetSpec,
    TicketHistory,
    replay,
)
from tierdesk.sla.history import histories
from tierdesk.tickets.choices import Channel
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_open, ticket_reply, ticket_update

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIRST, NEXT, PERIODIC, RESOLUTION = (
    "first_response",
    "next_response",
    "periodic_update",
    "resolution",
)
PAUSABLE = {PERIODIC, RESOLUTION}
SOLVED = {"solved", "closed"}
# Where a ticket may go from each status, as the desk allows it.
MOVES = {
    "new": ["open", "pending", "on_hold", "solved"],
    "open": ["pending", "on_hold", "solved"],
    "pending": ["open", "on_hold", "solved"],
    "on_hold": ["open", "pending", "solved"],
    "solved": ["open", "closed"],
    "closed": [],
}


def minute_of(at: datetime) -> int:
    return int((at - EPOCH).total_seconds()) // 60


def instant(minute: int) -> datetime:
    return EPOCH + timedelta(minutes=minute)


# --- calendars, defined once as data ------------------------------------------------------------


@dataclass(frozen=True)
class CalendarDefinition:
    """Opening hours as plain data: weekday -> [(start minute, end minute)] (end <= start runs
    overnight into the next day), a holiday country, closed dates and special dates."""

    name: str
    zone: str
    weekly: dict[int, list[tuple[int, int]]]
    country: str = ""
    closed: frozenset[date] = frozenset()
    special: dict[date, list[tuple[int, int]]] = field(default_factory=dict)
    around_the_clock: bool = False

    def __hash__(self) -> int:
        return hash(self.name)


def hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


TOKYO = CalendarDefinition(
    "tokyo",
    "Asia/Tokyo",
    {day: [(hm("09:00"), hm("18:00"))] for day in range(5)},
    country="JP",
    # A Golden Week Saturday worked in the morning, though it is Constitution Day.
    special={date(2025, 5, 3): [(hm("10:00"), hm("15:00"))]},
)
NEW_YORK = CalendarDefinition(
    "new_york",
    "America/New_York",
    {
        **{day: [(hm("09:00"), hm("12:00")), (hm("13:00"), hm("18:00"))] for day in range(5)},
        5: [(hm("10:00"), hm("14:00"))],
    },
    country="US",
    closed=frozenset({date(2025, 3, 12), date(2025, 11, 5)}),
)
MOSCOW = CalendarDefinition(
    "moscow",
    "Europe/Moscow",
    {
        **{day: [(hm("09:00"), hm("18:00"))] for day in range(4)},
        # Friday's late shift runs past midnight into Saturday.
        4: [(hm("09:00"), hm("18:00")), (hm("22:00"), hm("03:00"))],
    },
    country="RU",
)
ALWAYS = CalendarDefinition("always", "UTC", {}, around_the_clock=True)


def business_hours(definition: CalendarDefinition) -> BusinessHours:
    if definition.around_the_clock:
        return AROUND_THE_CLOCK
    return BusinessHours(
        time_zone=definition.zone,
        weekly={
            day: [Span(start, end % 1440 or 1440) for start, end in spans]
            for day, spans in definition.weekly.items()
        },
        closed_dates=definition.closed,
        special_dates={
            day: [Span(start, end) for start, end in spans]
            for day, spans in definition.special.items()
        },
        holiday_country=definition.country,
    )


@cache
def _holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year))


@cache
def _weekend_workdays(country: str, year: int) -> frozenset[date]:
    found = holidays.country_holidays(country, years=year)
    return frozenset(getattr(found, "weekend_workdays", ()))


def _spans_on(definition: CalendarDefinition, day: date) -> list[tuple[int, int]]:
    if day in definition.special:
        return definition.special[day]
    if day in definition.closed:
        return []
    if definition.country and day in _holidays(definition.country, day.year):
        return []
    if definition.country and day in _weekend_workdays(definition.country, day.year):
        # A weekend day the country made a working day takes the first weekday's hours.
        return next((definition.weekly[d] for d in range(5) if definition.weekly.get(d)), [])
    return definition.weekly.get(day.weekday(), [])


_open: dict[tuple[str, int], bool] = {}


def is_open(definition: CalendarDefinition, minute: int) -> bool:
    """Whether the minute starting at `minute` is business time: its local wall-clock time read
    from the zone, checked against the spans of its local date and the previous date's overnight
    span. All three zones keep whole-hour offsets, so a minute is wholly open or wholly closed."""
    if definition.around_the_clock:
        return True
    key = (definition.name, minute)
    found = _open.get(key)
    if found is None:
        wall = instant(minute).astimezone(ZoneInfo(definition.zone))
        day, of_day = wall.date(), wall.hour * 60 + wall.minute
        found = any(
            start <= of_day < (end if end > start else end + 1440)
            for start, end in _spans_on(definition, day)
        ) or any(
            end <= start and of_day < end
            for start, end in _spans_on(definition, day - timedelta(days=1))
        )
        _open[key] = found
    return found


# --- the policies: who gets which targets -------------------------------------------------------


@dataclass(frozen=True)
class PolicyDefinition:
    name: str
    calendar: CalendarDefinition
    minutes: dict[str, int]
    pause_on_hold: bool = False
    warn_before: int = 0


VIP = PolicyDefinition(
    "vip",
    ALWAYS,
    {FIRST: 20, NEXT: 45, PERIODIC: 90, RESOLUTION: 240},
    warn_before=10 * 60,
)
URGENT = PolicyDefinition(
    "urgent",
    NEW_YORK,
    {FIRST: 30, NEXT: 60, PERIODIC: 120, RESOLUTION: 300},
    pause_on_hold=True,
    warn_before=15 * 60,
)
HIGH = PolicyDefinition("high", MOSCOW, {FIRST: 60, NEXT: 120, RESOLUTION: 600})
NORMAL = PolicyDefinition("normal", TOKYO, {FIRST: 60, NEXT: 240, RESOLUTION: 1080})


def policy_for(attributes: Attributes) -> PolicyDefinition | None:
    """Tagged vip first, then by priority; low priority has no policy at all."""
    if "vip" in attributes.tags:
        return VIP
    return {"urgent": URGENT, "high": HIGH, "normal": NORMAL}.get(attributes.priority)


_HOURS = {c.name: business_hours(c) for c in (TOKYO, NEW_YORK, MOSCOW, ALWAYS)}


def resolver(attributes: Attributes) -> dict[str, TargetSpec]:
    """The policy book the replay is given, built from the same definitions."""
    policy = policy_for(attributes)
    if policy is None:
        return {}
    return {
        metric: TargetSpec(
            policy_id=None,
            policy_name=policy.name,
            target_id=None,
            metric=metric,
            seconds=minutes * 60,
            hours=_HOURS[policy.calendar.name],
            business_hours=not policy.calendar.around_the_clock,
            warn_before=policy.warn_before,
            pause_on_hold=policy.pause_on_hold,
        )
        for metric, minutes in policy.minutes.items()
    }


# --- the reference: the contract, minute by minute ----------------------------------------------


@dataclass
class _Clock:
    metric: str
    start: int
    policy: PolicyDefinition | None
    stop: int | None = None
    running: list[int] = field(default_factory=list)
    stopped_with: Attributes | None = None


@dataclass(frozen=True)
class Expected:
    metric: str
    cycle: int
    policy: str
    started_at: datetime
    stopped_at: datetime | None
    due_at: datetime | None
    warn_at: datetime | None
    state: str
    outcome: str
    decided_at: datetime | None
    elapsed_seconds: float
    remaining_seconds: float
    priority: str
    channel: str


def reference(history: TicketHistory, now: datetime) -> list[Expected]:
    """Every clock of the history as of `now`, walking the minutes from the first wait to now.

    A minute counts toward a clock when the clock is running in it (started, not stopped, not
    paused by the status after the facts of the minute's start) and the minute is open on the
    calendar of the clock's last policy."""
    end = minute_of(now)
    first_from = (
        None if history.first_response_from is None else minute_of(history.first_response_from)
    )
    opened = minute_of(history.created_at)
    # Facts in time order (the answer of a call can come before the ticket was written).
    facts = sorted((f for f in history.facts if f.at <= now), key=lambda f: minute_of(f.at))
    attributes = history.attributes
    policy = policy_for(attributes)
    status = "new"
    first_over = first_from is None
    clocks: list[_Clock] = []
    active: dict[str, _Clock] = {}

    def stop(metric: str, minute: int) -> None:
        nonlocal first_over
        clock = active.pop(metric, None)
        if clock is not None:
            clock.stop = minute
            clock.stopped_with = attributes
            if metric == FIRST:
                first_over = True

    def start(metric: str, minute: int) -> None:
        stop(metric, minute)
        clock = _Clock(metric, minute, policy)
        clocks.append(clock)
        active[metric] = clock

    def paused(clock: _Clock) -> bool:
        if clock.metric not in PAUSABLE:
            return False
        if status == "pending":
            return True
        return status == "on_hold" and clock.policy is not None and clock.policy.pause_on_hold

    index = 0
    begin = opened if first_from is None else min(first_from, opened)
    for minute in range(begin, end + 1):
        if minute == first_from:
            start(FIRST, minute)
        while index < len(facts) and minute_of(facts[index].at) == minute:
            fact = facts[index]
            index += 1
            if fact.kind == OPENED:
                start(RESOLUTION, minute)
            elif fact.kind == CUSTOMER:
                if first_over and NEXT not in active:
                    start(NEXT, minute)
            elif fact.kind == REPLY:
                stop(FIRST, minute)
                stop(NEXT, minute)
                if status not in SOLVED:
                    start(PERIODIC, minute)
            elif fact.kind == ANSWERED:
                stop(FIRST, minute)
            elif fact.kind == STATUS:
                previous, status = status, fact.status
                if status in SOLVED:
                    for metric in list(active):
                        stop(metric, minute)
                elif previous in SOLVED:
                    start(RESOLUTION, minute)
            elif fact.kind == ATTRIBUTES:
                assert fact.attributes is not None
                attributes = fact.attributes
                policy = policy_for(attributes)
                for clock in active.values():
                    clock.policy = policy
        if minute < end:
            for clock in active.values():
                if not paused(clock):
                    clock.running.append(minute)

    results = []
    cycles: dict[str, int] = {}
    for clock in clocks:
        if clock.stop == clock.start:
            continue
        cycles[clock.metric] = cycles.get(clock.metric, 0) + 1
        if clock.policy is None or clock.metric not in clock.policy.minutes:
            continue
        running = clock in active.values() and not paused(clock)
        decided_with = clock.stopped_with or attributes
        results.append(_judge(clock, cycles[clock.metric], running, end, decided_with))
    return results


def _reach(clock: _Clock, counted: list[int], budget: int, now: int) -> int | None:
    """The minute by whose end `budget` open minutes have run: among those counted, or running
    on from the stop or from now; None for a paused clock short of it."""
    if budget <= 0:
        return clock.start
    if len(counted) >= budget:
        return counted[budget - 1] + 1
    assert clock.policy is not None
    minute, left = (clock.stop if clock.stop is not None else now), budget - len(counted)
    while True:
        if is_open(clock.policy.calendar, minute):
            left -= 1
            if left == 0:
                return minute + 1
        minute += 1


def _judge(
    clock: _Clock, cycle: int, running: bool, now: int, decided_with: Attributes
) -> Expected:
    assert clock.policy is not None
    calendar = clock.policy.calendar
    target = clock.policy.minutes[clock.metric]
    counted = [m for m in clock.running if is_open(calendar, m)]
    elapsed = len(counted)
    reached = counted[target - 1] + 1 if elapsed >= target else None
    due = reached
    if due is None and (clock.stop is not None or running):
        # When it would be due, running on from the stop or from now.
        due = _reach(clock, counted, target, now)
    if clock.stop is not None:
        state = "stopped"
        met = reached is None or clock.stop <= reached
        outcome = "met" if met else "breached"
        decided = clock.stop if met else reached
    else:
        state = "running" if running else "paused"
        breached = reached is not None and reached < now
        outcome = "breached" if breached else ""
        decided = reached if breached else None
        if state == "paused" and not breached:
            due = None
    # Warned when the business time left is the lead time: the target less the lead has run.
    lead = clock.policy.warn_before // 60
    warn = None
    if state == "running" and due is not None and lead:
        warn = _reach(clock, counted, target - lead, now)
    return Expected(
        metric=clock.metric,
        cycle=cycle,
        policy=clock.policy.name,
        started_at=instant(clock.start),
        stopped_at=None if clock.stop is None else instant(clock.stop),
        due_at=None if due is None else instant(due),
        warn_at=None if warn is None else instant(warn),
        state=state,
        outcome=outcome,
        decided_at=None if decided is None else instant(decided),
        elapsed_seconds=elapsed * 60,
        remaining_seconds=max(0, target - elapsed) * 60,
        priority=decided_with.priority,
        channel=decided_with.channel,
    )


def as_expected(result: ClockResult) -> Expected:
    return Expected(
        metric=result.metric,
        cycle=result.cycle,
        policy=result.spec.policy_name,
        started_at=result.started_at,
        stopped_at=result.stopped_at,
        due_at=result.due_at,
        warn_at=result.warn_at,
        state=str(result.state),
        outcome=str(result.outcome),
        decided_at=result.decided_at,
        elapsed_seconds=result.elapsed_seconds,
        remaining_seconds=result.remaining_seconds,
        priority=result.priority,
        channel=result.channel,
    )


# --- random tickets -----------------------------------------------------------------------------

# Starts around New York's spring forward, Golden Week and Russia's May holidays, and the fall
# back with Japan's Culture Day and Russia's Unity Day.
WINDOWS = [
    datetime(2025, 3, 5, tzinfo=UTC),
    datetime(2025, 4, 26, tzinfo=UTC),
    datetime(2025, 10, 29, tzinfo=UTC),
]


@dataclass(frozen=True)
class Action:
    """One thing done to a ticket through the services, minute-aligned."""

    at: datetime
    kind: str  # customer, reply, status, priority, tags
    value: Any = None


@dataclass
class Scenario:
    opened_at: datetime
    by_staff: bool
    priority: str
    tags: tuple[str, ...]
    actions: list[Action]
    now: datetime


def scenario(rng: random.Random, *, staff_may_open: bool = True) -> Scenario:
    """A ticket's life of up to three days, valid for the desk's status rules, with several
    changes often at the same minute."""
    # Half the tickets keep to whole hours, so targets often run out exactly at closing time
    # and changes land on the hour the desk opens or closes.
    hourly = rng.random() < 0.5
    opened = rng.choice(WINDOWS) + timedelta(minutes=rng.randrange(0, 12 * 1440))
    if hourly:
        opened = opened.replace(minute=0)
    by_staff = staff_may_open and rng.random() < 0.25
    # Customers choose up to high; the desk may open urgent tickets.
    opening_priority = rng.choice(["low", "normal", "normal", "high", *(["urgent"] * by_staff)])
    opening_tags: tuple[str, ...] = ("vip",) if rng.random() < 0.15 else ()
    priority, tags, status = opening_priority, opening_tags, "new"
    at = opened
    actions: list[Action] = []
    for _ in range(rng.randrange(1, 12)):
        gap = rng.choice(
            [0, 0, rng.randrange(1, 60), rng.randrange(60, 600), rng.randrange(600, 2000)]
        )
        if hourly:
            gap -= gap % 60
        at += timedelta(minutes=gap)
        if at - opened > timedelta(days=3) or status == "closed":
            break
        roll = rng.random()
        if roll < 0.3:
            # The customer writes; it reopens a pending, on-hold or solved ticket.
            actions.append(Action(at, "customer"))
            if status in {"pending", "on_hold", "solved"}:
                status = "open"
        elif roll < 0.6:
            requested = rng.choice([None, None, status, *MOVES[status]])
            if requested == "closed" or (status == "solved" and requested == "open"):
                requested = None
            actions.append(Action(at, "reply", requested))
            if requested is None and status == "new":
                requested = "open"
            status = requested or status
        elif roll < 0.8 and MOVES[status]:
            status = rng.choice(MOVES[status])
            actions.append(Action(at, "status", status))
        elif roll < 0.92:
            priority = rng.choice([p for p in ("low", "normal", "high", "urgent") if p != priority])
            actions.append(Action(at, "priority", priority))
        else:
            tags = () if tags else ("vip",)
            actions.append(Action(at, "tags", tags))
    last = actions[-1].at if actions else opened
    now = last + timedelta(minutes=rng.choice([0, rng.randrange(1, 3000)]))
    if actions and rng.random() < 0.2:
        # Now falls amid the history: the later facts have not happened yet.
        now = instant(minute_of(opened + (now - opened) * rng.random()))
    if hourly:
        now = now.replace(minute=0)
    return Scenario(opened, by_staff, opening_priority, opening_tags, actions, now)


def opening_attributes(life: Scenario, **organization: Any) -> Attributes:
    return Attributes(
        channel=Channel.PORTAL if not life.by_staff else Channel.EMAIL,
        priority=life.priority,
        tags=life.tags,
        **organization,
    )


def facts_of(plan: Scenario, attributes: Attributes) -> list[Fact]:
    """The facts the services' events of this life must read as: what history.py should build,
    written here from the actions, not from the events."""
    facts = [Fact(plan.opened_at, OPENED)]
    status = "new"

    def move(at: datetime, to: str) -> None:
        nonlocal status
        if to != status:
            facts.append(Fact(at, STATUS, status=to))
            status = to

    for action in plan.actions:
        if action.kind == "customer":
            facts.append(Fact(action.at, CUSTOMER))
            if status in {"pending", "on_hold", "solved"}:
                move(action.at, "open")
        elif action.kind == "reply":
            facts.append(Fact(action.at, REPLY))
            move(action.at, action.value or ("open" if status == "new" else status))
        elif action.kind == "status":
            move(action.at, action.value)
        elif action.kind == "priority":
            attributes = Attributes(**{**attributes.__dict__, "priority": action.value})
            label = f"priority: {action.value}"
            facts.append(
                Fact(
                    action.at,
                    ATTRIBUTES,
                    attributes=attributes,
                    label=label,
                    field="priority",
                    value=action.value,
                )
            )
        elif action.kind == "tags":
            attributes = Attributes(**{**attributes.__dict__, "tags": action.value})
            label = "tags: " + ", ".join(action.value)
            facts.append(
                Fact(
                    action.at,
                    ATTRIBUTES,
                    attributes=attributes,
                    label=label,
                    field="tags",
                    value=tuple(action.value),
                )
            )
    return facts


def pure_history(rng: random.Random, plan: Scenario) -> TicketHistory:
    """The plan's history as the replay takes it, with a customer, the desk or a phone call
    (ringing before the ticket was written, maybe answered before it too) opening it."""
    attributes = opening_attributes(plan)
    facts = facts_of(plan, attributes)
    first_from: datetime | None = None if plan.by_staff else plan.opened_at
    if not plan.by_staff and rng.random() < 0.25:
        first_from = plan.opened_at - timedelta(minutes=rng.randrange(0, 6))
        if rng.random() < 0.7:
            answered = first_from + timedelta(minutes=rng.randrange(0, 90))
            # Where history.py puts it: right after the facts up to its time.
            position = next(
                (i for i, f in enumerate(facts) if i > 0 and f.at > answered), len(facts)
            )
            facts.insert(position, Fact(answered, ANSWERED))
    return TicketHistory(
        created_at=plan.opened_at,
        attributes=attributes,
        facts=facts,
        first_response_from=first_from,
    )


def describe(history: TicketHistory, now: datetime) -> str:
    lines = [
        f"opened {history.created_at:%a %Y-%m-%d %H:%M} UTC, first response from "
        f"{history.first_response_from}, {history.attributes.priority} "
        f"{history.attributes.tags}, now {now:%a %Y-%m-%d %H:%M}"
    ]
    for fact in history.facts:
        detail = fact.status or (fact.label if fact.attributes else "")
        lines.append(f"  {fact.at:%a %m-%d %H:%M} {fact.kind} {detail}")
    return "\n".join(lines)


def compare(history: TicketHistory, now: datetime) -> list[str]:
    """Differences between the replay and the reference, empty when they agree."""
    got = sorted(
        (as_expected(r) for r in replay(history, resolver, now)),
        key=lambda e: (e.metric, e.cycle),
    )
    want = sorted(reference(history, now), key=lambda e: (e.metric, e.cycle))
    if got == want:
        return []
    problems = [describe(history, now)]
    got_by = {(e.metric, e.cycle): e for e in got}
    want_by = {(e.metric, e.cycle): e for e in want}
    for key in sorted(set(got_by) | set(want_by)):
        if got_by.get(key) != want_by.get(key):
            problems.append(
                f"  {key}:\n    replay    {got_by.get(key)}\n    reference {want_by.get(key)}"
            )
    return problems


# --- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_replay_agrees_with_the_minute_by_minute_reference(seed):
    rng = random.Random(seed)
    problems: list[str] = []
    for _ in range(50):
        plan = scenario(rng)
        history = pure_history(rng, plan)
        problems += compare(history, plan.now)
    assert not problems, "\n".join(problems[:20])


def test_the_reference_sees_what_it_should():
    """The reference's own calendar reading, against facts a person can check."""
    tokyo_morning = minute_of(datetime(2025, 5, 7, 0, 0, tzinfo=UTC))  # 09:00 JST, Wednesday
    assert is_open(TOKYO, tokyo_morning) and not is_open(TOKYO, tokyo_morning - 1)
    # Golden Week: Tuesday 6 May is a substitute holiday; Saturday 3 May opens specially.
    assert not is_open(TOKYO, tokyo_morning - 1440 + 60)
    assert is_open(TOKYO, minute_of(datetime(2025, 5, 3, 1, 0, tzinfo=UTC)))  # 10:00 JST
    # New York's 09:00 is 14:00 UTC before the spring forward and 13:00 UTC after it.
    assert is_open(NEW_YORK, minute_of(datetime(2025, 3, 7, 14, 0, tzinfo=UTC)))
    assert not is_open(NEW_YORK, minute_of(datetime(2025, 3, 7, 13, 59, tzinfo=UTC)))
    assert is_open(NEW_YORK, minute_of(datetime(2025, 3, 10, 13, 0, tzinfo=UTC)))
    assert not is_open(NEW_YORK, minute_of(datetime(2025, 3, 12, 15, 0, tzinfo=UTC)))  # closed
    # Moscow's Friday late shift runs to 03:00 on Saturday; Victory Day (Friday 9 May) is off.
    assert is_open(MOSCOW, minute_of(datetime(2025, 3, 7, 23, 59, tzinfo=UTC)))  # 02:59 MSK
    assert not is_open(MOSCOW, minute_of(datetime(2025, 3, 8, 0, 0, tzinfo=UTC)))
    assert not is_open(MOSCOW, minute_of(datetime(2025, 5, 9, 20, 0, tzinfo=UTC)))


# --- the same lives through the real services -----------------------------------------------------


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with time_machine.travel(moment, tick=False):
        yield


def live(plan: Scenario, customer: User, agent: User) -> Ticket:
    """Plays the plan through the services, each step at its own frozen time."""
    with at(plan.opened_at):
        if plan.by_staff:
            ticket = ticket_open(
                actor=agent,
                requester=customer,
                subject="Licence renewal",
                body="Your licence expires soon.",
                channel=Channel.EMAIL,
                priority=plan.priority,
                tags=list(plan.tags),
            )
        else:
            ticket = ticket_open(
                actor=customer,
                subject="Dashboards time out",
                body="Since 4.2",
                priority=plan.priority,
                tags=list(plan.tags),
            )
    steps: dict[str, Callable[[Action], object]] = {
        "customer": lambda a: ticket_reply(actor=customer, ticket=ticket, body="More detail"),
        "reply": lambda a: ticket_reply(
            actor=agent, ticket=ticket, body="We are on it", status=a.value
        ),
        "status": lambda a: ticket_update(actor=agent, ticket=ticket, changes={"status": a.value}),
        "priority": lambda a: ticket_update(
            actor=agent, ticket=ticket, changes={"priority": a.value}
        ),
        "tags": lambda a: ticket_update(
            actor=agent, ticket=ticket, changes={"tags": list(a.value)}
        ),
    }
    for action in plan.actions:
        with at(action.at):
            steps[action.kind](action)
    return Ticket.objects.select_related("organization", "requester").get(pk=ticket.pk)


def test_histories_read_from_the_events_are_the_lives_the_tickets_lived(agent):
    organization = Organization.objects.create(
        name="Globex KK", email_domains=["globex.test"], plan=Plan.STANDARD, region=Region.JAPAN
    )
    customer = make_person("hanako", organization=organization)
    rng = random.Random(2025)
    plans = [scenario(rng) for _ in range(30)]
    tickets = [live(plan, customer, agent) for plan in plans]

    found = histories(tickets)

    problems = []
    for plan, ticket in zip(plans, tickets, strict=True):
        attributes = opening_attributes(
            plan, plan=Plan.STANDARD, organization_id=organization.pk, region=Region.JAPAN
        )
        expected = TicketHistory(
            created_at=plan.opened_at,
            attributes=attributes,
            facts=facts_of(plan, attributes),
            first_response_from=None if plan.by_staff else plan.opened_at,
        )
        history = found[ticket.pk]
        if history != expected:
            problems.append(
                f"#{ticket.pk}:\n{describe(expected, plan.now)}\nread as\n{describe(history, plan.now)}"
            )
        else:
            problems += compare(history, plan.now)
    assert not problems, "\n".join(problems[:5])
