"""Reads of staffing: arrivals per hour of week, measured handle times, engineers needed per hour
against the people on shift, all in one chosen time zone."""

from __future__ import annotations

import math
import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.chat.choices import TAKE_TARGET_PERCENT, TAKE_TARGET_SECONDS, ChatStatus
from tierdesk.chat.models import ChatSession
from tierdesk.core.errors import ValidationFailed
from tierdesk.measures.facts import hour_of_week
from tierdesk.phone.choices import ANSWER_TARGET_SECONDS, ANSWER_TARGET_SHARE, Direction
from tierdesk.phone.models import Call
from tierdesk.routing.models import Shift
from tierdesk.sla.attainment import known_time_zone
from tierdesk.staffing.erlang import ErlangInputError, agents_after_shrinkage, erlang_c
from tierdesk.tickets.choices import Channel
from tierdesk.tickets.models import Ticket

HOURS_OF_WEEK = 168
DEFAULT_WEEKS = 8
MAX_WEEKS = 52
DEFAULT_SHRINKAGE = 0.30
# Email handle time is not measured (nobody clocks the reading and writing of a reply), so the
# plan takes a planner's estimate per ticket; 12 minutes is the desk's working figure.
DEFAULT_EMAIL_MINUTES = 12.0
# Email is answered from a backlog: the first-response target, in hours, that each hour's email
# may wait. Four hours is the desk's working target; three days is the most a plan may take.
DEFAULT_EMAIL_TARGET_HOURS = 4.0
MAX_EMAIL_TARGET_HOURS = 72.0
# Chats an engineer takes at once. Two is the desk's working figure; past six nobody keeps up.
DEFAULT_CHAT_CONCURRENCY = 2
MAX_CHAT_CONCURRENCY = 6
# When the arrivals are beyond what Erlang C searches (a unit mistake, or a flood), the plan
# still answers: the traffic in Erlangs staffed at this occupancy, a common planning ceiling.
FALLBACK_OCCUPANCY = 0.85
# Handle times taken when a queued channel has no measurement yet in the window (a new desk):
# six minutes of talk, ten minutes of chat. The page says when it used them.
FALLBACK_HANDLE_SECONDS = {"phone": 360.0, "chat": 600.0}

# The channels planned, and the ticket channels each one's arrivals are counted from (for chat
# and phone only when the window has no chat sessions or calls). Proactive tickets are the
# desk's own outreach, not demand, and are left out.
CHANNELS: dict[str, tuple[str, ...]] = {
    "chat": (Channel.CHAT,),
    "phone": (Channel.PHONE,),
    "email": (Channel.EMAIL, Channel.PORTAL, Channel.API),
}
QUEUED = ("chat", "phone")

# What a channel's arrivals were counted from, as the plan says it.
FROM_CALLS = "calls"
FROM_CHATS = "chats"
FROM_TICKETS = "tickets"


@dataclass(frozen=True)
class Target:
    """A queued channel's service level: `level` of contacts answered within `seconds`."""

    seconds: int
    level: float


# The desk's own service levels (chat.choices and phone.choices), so the plan staffs for the
# targets the desk reports against.
TARGETS = {
    "chat": Target(seconds=TAKE_TARGET_SECONDS, level=TAKE_TARGET_PERCENT / 100),
    "phone": Target(seconds=ANSWER_TARGET_SECONDS, level=ANSWER_TARGET_SHARE),
}


@dataclass(frozen=True)
class PlanQuery:
    """A validated question: the last `weeks` weeks before `end`, bucketed in `time_zone`."""

    weeks: int
    time_zone: str
    shrinkage: float
    email_minutes: float
    end: datetime
    email_target_hours: float = DEFAULT_EMAIL_TARGET_HOURS
    chat_concurrency: int = DEFAULT_CHAT_CONCURRENCY

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def start(self) -> datetime:
        return self.end - timedelta(weeks=self.weeks)

    @property
    def email_window_hours(self) -> int:
        """The first-response target in whole hours of the plan's grid, at least 1: rounded to
        the nearest hour, a half up (4.5 hours is 5)."""
        return max(1, math.floor(self.email_target_hours + 0.5))


def _number(value: str | float | None, default: float) -> float | None:
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def plan_query(
    *,
    weeks: str | int | None = None,
    tz: str | None = None,
    default_tz: str = "UTC",
    shrinkage_percent: str | float | None = None,
    email_minutes: str | float | None = None,
    email_target_hours: str | float | None = None,
    chat_concurrency: str | int | None = None,
    now: datetime | None = None,
) -> PlanQuery:
    """The plan's question checked: ValidationFailed naming each refused field (`weeks` 1 to 52,
    `tz` an IANA name, `shrinkage` a percentage from 0 up to 100 excluded, `email_minutes` more
    than 0, `email_target_hours` more than 0 and at most 72, `chat_concurrency` a whole number
    from 1 to 6). The window ends at the start of the current hour, so each hour of the week is
    counted exactly `weeks` times."""
    errors: dict[str, str] = {}
    weeks_number = _number(weeks, DEFAULT_WEEKS)
    if (
        weeks_number is None
        or weeks_number != int(weeks_number)
        or not 1 <= weeks_number <= MAX_WEEKS
    ):
        errors["weeks"] = _("Give a whole number of weeks from 1 to %(max)s.") % {"max": MAX_WEEKS}
    zone_name = (tz or "").strip() or default_tz
    if not known_time_zone(zone_name):
        errors["tz"] = _("Unknown time zone; give an IANA name such as Europe/Berlin.")
    shrinkage = _number(shrinkage_percent, DEFAULT_SHRINKAGE * 100)
    if shrinkage is None or not 0 <= shrinkage < 100:
        errors["shrinkage"] = _("Give a percentage from 0 up to but excluding 100.")
    minutes = _number(email_minutes, DEFAULT_EMAIL_MINUTES)
    if minutes is None or not 0 < minutes <= 24 * 60:
        errors["email_minutes"] = _("Give the minutes an email ticket takes, more than 0.")
    target_hours = _number(email_target_hours, DEFAULT_EMAIL_TARGET_HOURS)
    if target_hours is None or not 0 < target_hours <= MAX_EMAIL_TARGET_HOURS:
        errors["email_target_hours"] = _(
            "Give the email first-response target in hours, more than 0 and at most %(max)s."
        ) % {"max": f"{MAX_EMAIL_TARGET_HOURS:g}"}
    concurrency = _number(chat_concurrency, DEFAULT_CHAT_CONCURRENCY)
    if (
        concurrency is None
        or concurrency != int(concurrency)
        or not 1 <= concurrency <= MAX_CHAT_CONCURRENCY
    ):
        errors["chat_concurrency"] = _(
            "Give the chats an engineer takes at once, a whole number from 1 to %(max)s."
        ) % {"max": MAX_CHAT_CONCURRENCY}
    if errors:
        raise ValidationFailed(errors)
    assert weeks_number is not None and shrinkage is not None and minutes is not None
    assert target_hours is not None and concurrency is not None
    moment = now or timezone.now()
    return PlanQuery(
        weeks=int(weeks_number),
        time_zone=zone_name,
        shrinkage=shrinkage / 100,
        email_minutes=minutes,
        end=moment.replace(minute=0, second=0, microsecond=0),
        email_target_hours=target_hours,
        chat_concurrency=int(concurrency),
    )


slot_of = hour_of_week  # the hour of the week of a moment in a zone, as the team KPIs count it


def _per_hour_of_week(
    rows: QuerySet[Any], moment: str, query: PlanQuery, *group: str
) -> list[dict[str, Any]]:
    """Rows of `rows` whose `moment` falls in the query's window, counted per `group` fields,
    ISO weekday and hour in the query's zone: one grouped query, the database buckets."""
    return list(
        rows.filter(**{f"{moment}__gte": query.start, f"{moment}__lt": query.end})
        .annotate(
            weekday=ExtractIsoWeekDay(moment, tzinfo=query.zone),
            hour=ExtractHour(moment, tzinfo=query.zone),
        )
        .values(*group, "weekday", "hour")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _averaged(rows: list[dict[str, Any]], weeks: int) -> list[float]:
    """The 168 hours of the week from grouped rows: the count in each hour / weeks."""
    series = [0.0] * HOURS_OF_WEEK
    for row in rows:
        series[(row["weekday"] - 1) * 24 + row["hour"]] += row["n"] / weeks
    return series


def ticket_arrivals_per_hour_of_week(query: PlanQuery) -> dict[str, list[float]]:
    """Per planned channel, the average tickets created in each of the 168 hours of the week
    (in the query's zone) over the query's weeks: count in that hour / weeks."""
    to_plan = {ticket_channel: name for name, group in CHANNELS.items() for ticket_channel in group}
    rows = _per_hour_of_week(
        Ticket.objects.filter(channel__in=list(to_plan)), "created_at", query, "channel"
    )
    return {
        name: _averaged([row for row in rows if to_plan[row["channel"]] == name], query.weeks)
        for name in CHANNELS
    }


@dataclass(frozen=True)
class Arrivals:
    """Average contacts per hour of week per planned channel, and what each channel's were
    counted from: FROM_CALLS, FROM_CHATS or FROM_TICKETS."""

    per_hour: dict[str, list[float]]
    source: dict[str, str]


def arrivals_per_hour_of_week(query: PlanQuery) -> Arrivals:
    """Per planned channel, the average contacts arriving in each of the 168 hours of the week
    (in the query's zone) over the query's weeks: count in that hour / weeks. Phone counts the
    inbound calls offered, answered or not, since Erlang C needs the offered load, not the
    load that got through; chat counts the chat sessions requested (started), taken or not;
    email counts email, portal and API tickets. A window with no calls at all (or no chat
    sessions at all) counts that channel's tickets instead, and `source` says so. Three
    grouped queries."""
    tickets = ticket_arrivals_per_hour_of_week(query)
    calls = _averaged(
        _per_hour_of_week(Call.objects.filter(direction=Direction.INBOUND), "offered_at", query),
        query.weeks,
    )
    chats = _averaged(
        _per_hour_of_week(ChatSession.objects.all(), "started_at", query), query.weeks
    )
    per_hour = dict(tickets)
    source = dict.fromkeys(CHANNELS, FROM_TICKETS)
    # A desk whose telephony or chat is not connected has tickets of that channel but no calls
    # or sessions; zero demand would be a wrong answer, so its tickets stand in.
    for name, counted, label in (("phone", calls, FROM_CALLS), ("chat", chats, FROM_CHATS)):
        if any(counted):
            per_hour[name] = counted
            source[name] = label
    return Arrivals(per_hour=per_hour, source=source)


@dataclass(frozen=True)
class HandleTime:
    """A channel's handle time per contact, and whether it was measured (and from how many)."""

    channel: str
    seconds: float
    samples: int
    measured: bool


def handle_times(query: PlanQuery) -> dict[str, HandleTime]:
    """Handle time per planned channel over the query's window. Phone: the mean talk time of
    answered inbound calls offered in it. Chat: the mean time from taken to ended of ended chats
    taken in it. Email: not measured; the query's minutes per ticket. A queued channel with
    nothing measured takes FALLBACK_HANDLE_SECONDS."""
    talks: list[float] = [
        float(seconds or 0)
        for seconds in Call.objects.filter(
            direction=Direction.INBOUND,
            offered_at__gte=query.start,
            offered_at__lt=query.end,
            answered_at__isnull=False,
            talk_seconds__isnull=False,
        ).values_list("talk_seconds", flat=True)
    ]
    chats = [
        (ended - taken).total_seconds() if ended and taken else 0.0
        for taken, ended in ChatSession.objects.filter(
            status=ChatStatus.ENDED,
            taken_at__gte=query.start,
            taken_at__lt=query.end,
            ended_at__isnull=False,
        ).values_list("taken_at", "ended_at")
    ]
    found: dict[str, list[float]] = {
        "phone": talks,
        "chat": [max(0.0, seconds) for seconds in chats],
    }
    times = {
        name: HandleTime(name, sum(values) / len(values), len(values), True)
        if values
        else HandleTime(name, FALLBACK_HANDLE_SECONDS[name], 0, False)
        for name, values in found.items()
    }
    times["email"] = HandleTime("email", query.email_minutes * 60, 0, False)
    return times


def on_shift_per_hour_of_week(zone: zoneinfo.ZoneInfo, reference: date) -> list[float]:
    """People on shift in each hour of the week in `zone`, from routing's weekly shifts of
    active people. Each shift is in its person's own time zone and is placed on the week of
    `reference` (a Monday) to find its hours in `zone`; a person covering part of an hour counts
    as that share of a person (09:30-17:00 is half a person at 9). A shift running past Sunday
    midnight wraps to Monday."""
    covered = [0.0] * HOURS_OF_WEEK
    shifts = Shift.objects.filter(person__is_active=True).values_list(
        "weekday", "start", "end", "person__time_zone"
    )
    for weekday, start, end, person_zone in shifts:
        own = zoneinfo.ZoneInfo(person_zone if known_time_zone(person_zone) else "UTC")
        day = reference + timedelta(days=weekday)
        begins = datetime.combine(day, start, tzinfo=own)
        ends = datetime.combine(day, end, tzinfo=own)
        if ends <= begins:
            ends += timedelta(days=1)
        local = begins.astimezone(zone)
        # Hours from the zone's Monday 00:00 of the shift's week, as a float.
        position = local.weekday() * 24 + local.hour + local.minute / 60 + local.second / 3600
        remaining = (ends - begins).total_seconds() / 3600
        while remaining > 1e-9:
            slot_start = math.floor(position)
            piece = min(remaining, slot_start + 1 - position)
            covered[slot_start % HOURS_OF_WEEK] += piece
            position += piece
            remaining -= piece
    return [round(value, 4) for value in covered]


@dataclass(frozen=True)
class HourPlan:
    """One hour of the week: arrivals and engineers needed per channel, the total to schedule
    after shrinkage, the people on shift, the gap (on shift - to schedule), and the channels
    whose need is an estimate because their arrivals are beyond the calculator."""

    slot: int
    arrivals: dict[str, float]
    needed: dict[str, int]
    needed_total: int
    needed_scheduled: int
    on_shift: float
    beyond_calculator: tuple[str, ...] = ()

    @property
    def weekday(self) -> int:
        return self.slot // 24

    @property
    def hour(self) -> int:
        return self.slot % 24

    @property
    def gap(self) -> float:
        return round(self.on_shift - self.needed_scheduled, 4)

    @property
    def short(self) -> bool:
        return self.gap < 0


@dataclass(frozen=True)
class StaffingPlan:
    """The plan of a query: per hour of week needed against on shift, with what it assumed and
    what each channel's arrivals were counted from (`arrivals_from`: channel -> FROM_CALLS,
    FROM_CHATS or FROM_TICKETS)."""

    query: PlanQuery
    handle_times: dict[str, HandleTime]
    targets: dict[str, Target]
    hours: list[HourPlan]
    has_shifts: bool
    arrivals_from: dict[str, str] = field(default_factory=dict)
    totals: dict[str, float] = field(default_factory=dict)


def email_engineers(arrivals: float, handle_seconds: float) -> int:
    """Engineers that do `arrivals` email-like tickets' work within one hour:
    ceil(arrivals * handle time / 3600)."""
    # Rounded to 9 places first so float noise (3 * 1200 / 3600 = 1.0000000000000002) does not
    # cost a whole engineer.
    return math.ceil(round(arrivals * handle_seconds / 3600, 9))


def email_workload(arrivals: Sequence[float], window_hours: int) -> list[float]:
    """Per hour of week, the email tickets' worth of work to do in that hour when each hour's
    arrivals are spread evenly over the `window_hours` hours from their arrival (the first-
    response target): sum(arrivals[h - k] for k in 0..window_hours-1) / window_hours. Hours of
    the week are cyclic, so Sunday night's email is worked into Monday morning. With a window of
    1 it is the arrivals themselves."""
    size = len(arrivals)
    return [
        sum(arrivals[(slot - k) % size] for k in range(window_hours)) / window_hours
        for slot in range(size)
    ]


@dataclass(frozen=True)
class Need:
    """Engineers one channel needs in one hour; `beyond_calculator` when Erlang C refused the
    arrivals and the number is the traffic rule's estimate instead."""

    engineers: int
    beyond_calculator: bool = False


def traffic_rule(arrivals: float, aht_seconds: float) -> int:
    """Engineers estimated without Erlang C: the traffic in Erlangs at FALLBACK_OCCUPANCY,
    ceil(arrivals * AHT / 3600 / 0.85)."""
    return math.ceil(round(arrivals * aht_seconds / 3600 / FALLBACK_OCCUPANCY, 9))


def needed_for(channel: str, arrivals: float, handle: HandleTime, *, concurrency: int = 1) -> Need:
    """Engineers a channel needs in one hour; 0 with no arrivals. Chat and phone: Erlang C at
    the channel's target for `arrivals` contacts, each engineer serving `concurrency` at once.
    That is an approximation: an engineer with c chats is taken as c servers' worth of
    throughput, i.e. Erlang C runs on the handle time / c, which ignores that the c chats
    share one person's attention. Arrivals Erlang C refuses (more than its MAX_AGENTS, a unit
    mistake or a flood) get traffic_rule() on that handle time, marked beyond_calculator.
    Email: `arrivals` is the hour's workload (email_workload()) and the engineers that do it
    within the hour (email_engineers())."""
    if arrivals <= 0:
        return Need(0)
    if channel not in TARGETS:
        return Need(email_engineers(arrivals, handle.seconds))
    target = TARGETS[channel]
    aht_seconds = handle.seconds / concurrency
    try:
        result = erlang_c(
            arrivals=arrivals,
            interval_seconds=3600,
            aht_seconds=aht_seconds,
            target_seconds=target.seconds,
            target_level=target.level,
        )
    except ErlangInputError:
        return Need(traffic_rule(arrivals, aht_seconds), beyond_calculator=True)
    return Need(result.agents)


def _workloads(arrivals: dict[str, list[float]], query: PlanQuery) -> dict[str, list[float]]:
    """What each channel's need is computed from per hour: the arrivals for chat and phone,
    the backlog's workload for email."""
    return {
        name: email_workload(series, query.email_window_hours) if name not in TARGETS else series
        for name, series in arrivals.items()
    }


def _totals(hours: list[HourPlan]) -> dict[str, float]:
    by_total: dict[str, float] = defaultdict(float)
    for hour in hours:
        by_total["needed_hours"] += hour.needed_scheduled
        by_total["on_shift_hours"] += hour.on_shift
        by_total["short_hours"] += 1 if hour.short else 0
        by_total["missing_hours"] += -hour.gap if hour.short else 0
        by_total["beyond_calculator_hours"] += 1 if hour.beyond_calculator else 0
    return {key: round(value, 2) for key, value in by_total.items()}


def staffing_plan(query: PlanQuery) -> StaffingPlan:
    """Engineers needed per hour of week from the arrivals and handle times of the query's
    window, each channel staffed on its own (an engineer works one channel in an hour) and the
    sum scaled for shrinkage (ceil(sum / (1 - shrinkage))), against the people on shift in the
    same hour of the zone's current week. Chat and phone by needed_for() on the hour's arrivals
    (chat at the query's concurrency); email by the backlog rule: the work arriving in an hour
    may wait up to the first-response target T (whole hours, at least 1), so hour h needs
    ceil(sum(arrivals[h - k] for k in 0..T-1) * handle time / (3600 * T)), wrapping around the
    week; T = 1 clears each hour's email within the hour."""
    arrivals = arrivals_per_hour_of_week(query)
    times = handle_times(query)
    local_now = query.end.astimezone(query.zone)
    monday = local_now.date() - timedelta(days=local_now.weekday())
    on_shift = on_shift_per_hour_of_week(query.zone, monday)
    # Rounded as shown, so the page's arrivals are the ones the needs were computed from.
    shown = {
        name: [round(value, 4) for value in series] for name, series in arrivals.per_hour.items()
    }
    workloads = _workloads(shown, query)
    concurrency = {name: query.chat_concurrency if name == "chat" else 1 for name in CHANNELS}
    # The same average arrivals recur in many hours; Erlang C is asked once per value.
    cache: dict[tuple[str, float], Need] = {}
    hours = []
    for slot in range(HOURS_OF_WEEK):
        needs = {}
        for name in CHANNELS:
            key = (name, workloads[name][slot])
            if key not in cache:
                cache[key] = needed_for(name, key[1], times[name], concurrency=concurrency[name])
            needs[name] = cache[key]
        total = sum(need.engineers for need in needs.values())
        hours.append(
            HourPlan(
                slot=slot,
                arrivals={name: shown[name][slot] for name in CHANNELS},
                needed={name: need.engineers for name, need in needs.items()},
                needed_total=total,
                needed_scheduled=agents_after_shrinkage(total, query.shrinkage),
                on_shift=on_shift[slot],
                beyond_calculator=tuple(n for n, need in needs.items() if need.beyond_calculator),
            )
        )
    return StaffingPlan(
        query=query,
        handle_times=times,
        targets=TARGETS,
        hours=hours,
        has_shifts=any(on_shift),
        arrivals_from=arrivals.source,
        totals=_totals(hours),
    )
