"""SLA clocks end to end: tickets opened, answered and changed through the real services under a
frozen clock, measured against the default policies on the Tokyo, Moscow and New York calendars
(weekends, holidays, daylight saving), calendar-time premium targets, phone calls and chats,
warnings in business time and the priority a clock is counted under."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from conftest import make_person
from tierdesk.accounts.choices import Plan, Region, Role
from tierdesk.accounts.models import Organization, User
from tierdesk.chat.services import chat_start_visitor, chat_take
from tierdesk.phone.services import call_report
from tierdesk.routing.services import routing_rule_create
from tierdesk.sla.book import current_book, setup_changed
from tierdesk.sla.choices import ClockState, Metric, Outcome
from tierdesk.sla.clocks import replay
from tierdesk.sla.history import histories
from tierdesk.sla.models import SlaClock, SlaPolicy
from tierdesk.sla.selectors import ticket_clocks
from tierdesk.sla.services import clocks_refresh, clocks_refresh_stale
from tierdesk.tickets.choices import Channel, Priority, Status
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_open, ticket_reply, ticket_update

HOUR = 3600
TOKYO = ZoneInfo("Asia/Tokyo")
MOSCOW = ZoneInfo("Europe/Moscow")
NEW_YORK = ZoneInfo("America/New_York")

FIRST = Metric.FIRST_RESPONSE
NEXT = Metric.NEXT_RESPONSE
PERIODIC = Metric.PERIODIC_UPDATE
RESOLUTION = Metric.RESOLUTION


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with time_machine.travel(moment, tick=False):
        yield


def clocks(ticket: Ticket, now: datetime) -> dict[tuple[str, int], SlaClock]:
    """The ticket's clocks computed as of `now`, by metric and cycle."""
    clocks_refresh([ticket.pk], now=now)
    return {(c.metric, c.cycle): c for c in SlaClock.objects.filter(ticket=ticket)}


def customer_of(name: str, plan: str, region: str) -> User:
    organization = Organization.objects.create(
        name=f"{name} Inc", email_domains=[f"{name}.test"], plan=plan, region=region
    )
    return make_person(name, organization=organization)


@pytest.fixture
def tokyo_customer(db) -> User:
    return customer_of("hanako", Plan.STANDARD, Region.JAPAN)


@pytest.fixture
def moscow_customer(db) -> User:
    return customer_of("ivan", Plan.BASIC, Region.RUSSIA)


@pytest.fixture
def new_york_customer(db) -> User:
    return customer_of("nora", Plan.STANDARD, Region.AMERICAS)


def open_ticket(customer: User, when: datetime, **extra) -> Ticket:
    with at(when):
        return ticket_open(actor=customer, subject="Dashboards time out", body="Since 4.2", **extra)


def reply(actor: User, ticket: Ticket, when: datetime, **extra) -> None:
    with at(when):
        ticket_reply(actor=actor, ticket=ticket, body="Looking into it", **extra)


def update(actor: User, ticket: Ticket, when: datetime, **changes) -> None:
    with at(when):
        ticket_update(actor=actor, ticket=ticket, changes=changes)


# --- business hours: weekends, holidays, daylight saving --------------------------------------


def test_a_tokyo_ticket_opened_on_a_golden_week_saturday_night_waits_for_the_next_working_day(
    tokyo_customer, agent
):
    # Saturday 3 May 2025 is Constitution Day; Sunday, Monday and the Tuesday substitute holiday
    # follow, so the desk opens again on Wednesday 7 May at 09:00 JST.
    ticket = open_ticket(tokyo_customer, local(TOKYO, 2025, 5, 3, 22, 0))

    found = clocks(ticket, local(TOKYO, 2025, 5, 6, 12, 0))

    first, resolution = found[FIRST, 1], found[RESOLUTION, 1]
    assert (first.policy_name, first.business_hours, first.calendar.name) == (
        "Email, portal and API",
        True,
        "Tokyo",
    )
    assert first.due_at == local(TOKYO, 2025, 5, 7, 10, 0)
    assert first.warn_at == local(TOKYO, 2025, 5, 7, 9, 45)
    assert (first.state, first.outcome, first.elapsed_seconds) == (ClockState.RUNNING, "", 0)
    # 27 business hours are three working days of nine.
    assert resolution.due_at == local(TOKYO, 2025, 5, 9, 18, 0)

    reply(agent, ticket, local(TOKYO, 2025, 5, 7, 9, 40))
    first = clocks(ticket, local(TOKYO, 2025, 5, 7, 9, 40))[FIRST, 1]

    assert (first.state, first.outcome) == (ClockState.STOPPED, Outcome.MET)
    assert first.elapsed_seconds == 40 * 60
    assert first.decided_at == local(TOKYO, 2025, 5, 7, 9, 40)


def test_moscow_victory_day_holidays_and_the_weekend_are_not_counted(moscow_customer, agent):
    # Thursday 8 May (a transferred day off) and Friday 9 May 2025 (Victory Day) are holidays.
    ticket = open_ticket(moscow_customer, local(MOSCOW, 2025, 5, 7, 17, 30))

    first = clocks(ticket, local(MOSCOW, 2025, 5, 7, 17, 31))[FIRST, 1]
    assert first.calendar.name == "Moscow"
    assert first.due_at == local(MOSCOW, 2025, 5, 12, 9, 30)

    late = local(MOSCOW, 2025, 5, 12, 11, 0)
    first = clocks(ticket, late)[FIRST, 1]
    assert (first.state, first.outcome) == (ClockState.RUNNING, Outcome.BREACHED)
    assert first.decided_at == local(MOSCOW, 2025, 5, 12, 9, 30)
    assert first.elapsed_seconds == 2.5 * HOUR

    reply(agent, ticket, late)
    first = clocks(ticket, late)[FIRST, 1]
    assert (first.state, first.outcome, first.elapsed_seconds) == (
        ClockState.STOPPED,
        Outcome.BREACHED,
        2.5 * HOUR,
    )
    assert first.decided_at == local(MOSCOW, 2025, 5, 12, 9, 30)


@pytest.mark.parametrize(
    ("opened", "first_due", "resolution_due"),
    [
        # Spring forward: Friday in EST (UTC-5), Monday in EDT (UTC-4).
        (
            local(NEW_YORK, 2025, 3, 7, 17, 30),
            utc(2025, 3, 10, 13, 30),
            local(NEW_YORK, 2025, 3, 12, 17, 30),
        ),
        # Fall back: Friday in EDT, Monday in EST.
        (
            local(NEW_YORK, 2025, 10, 31, 17, 30),
            utc(2025, 11, 3, 14, 30),
            local(NEW_YORK, 2025, 11, 5, 17, 30),
        ),
        # Independence Day on the Friday: the desk is back on Monday.
        (
            local(NEW_YORK, 2025, 7, 3, 17, 30),
            local(NEW_YORK, 2025, 7, 7, 9, 30),
            local(NEW_YORK, 2025, 7, 9, 17, 30),
        ),
    ],
    ids=["spring-forward", "fall-back", "independence-day"],
)
def test_new_york_due_times_follow_the_wall_clock_across_daylight_saving_and_holidays(
    new_york_customer, opened, first_due, resolution_due
):
    ticket = open_ticket(new_york_customer, opened)

    found = clocks(ticket, opened + timedelta(minutes=1))

    assert found[FIRST, 1].calendar.name == "New York"
    assert found[FIRST, 1].due_at == first_due
    # Half an hour on the first day, then 9 + 9 + 8.5 hours.
    assert found[RESOLUTION, 1].due_at == resolution_due


def test_a_clock_that_ran_out_at_closing_time_is_breached_by_an_evening_reply(
    new_york_customer, agent
):
    # Opened at 17:00 with an hour's first response: due at 18:00, when the desk closes. A
    # reply at 19:00 adds no business time, but it came after the due time the desk was warned
    # of and the breach was recorded at.
    ticket = open_ticket(new_york_customer, local(NEW_YORK, 2025, 6, 2, 17, 0))
    reply(agent, ticket, local(NEW_YORK, 2025, 6, 2, 19, 0))

    first = clocks(ticket, local(NEW_YORK, 2025, 6, 2, 19, 0))[FIRST, 1]

    assert first.elapsed_seconds == HOUR
    assert (first.state, first.outcome) == (ClockState.STOPPED, Outcome.BREACHED)
    assert first.due_at == first.decided_at == local(NEW_YORK, 2025, 6, 2, 18, 0)


def test_a_reply_at_the_due_instant_is_in_time(new_york_customer, agent):
    ticket = open_ticket(new_york_customer, local(NEW_YORK, 2025, 6, 2, 10, 0))
    reply(agent, ticket, local(NEW_YORK, 2025, 6, 2, 11, 0))

    first = clocks(ticket, local(NEW_YORK, 2025, 6, 2, 12, 0))[FIRST, 1]

    assert (first.outcome, first.elapsed_seconds) == (Outcome.MET, HOUR)


# --- warnings ----------------------------------------------------------------------------------


def test_a_business_hours_warning_comes_while_the_desk_is_open(new_york_customer, agent):
    # Urgent: resolution within 9 business hours, warned 2 hours before; first response within
    # one, warned 15 minutes before.
    tuesday = local(NEW_YORK, 2025, 6, 3, 10, 0)
    ticket = open_ticket(new_york_customer, tuesday)
    update(agent, ticket, tuesday, priority=Priority.URGENT)

    found = clocks(ticket, tuesday + timedelta(minutes=1))

    resolution = found[RESOLUTION, 1]
    assert resolution.due_at == local(NEW_YORK, 2025, 6, 4, 10, 0)
    # Two business hours before Wednesday 10:00 is Tuesday 17:00, not 08:00 with the desk shut.
    assert resolution.warn_at == local(NEW_YORK, 2025, 6, 3, 17, 0)
    assert found[FIRST, 1].warn_at == local(NEW_YORK, 2025, 6, 3, 10, 45)


def test_a_warning_whose_lead_ran_out_before_a_pause_is_when_it_did(alice, agent):
    # Enterprise: resolution within 48 hours around the clock, warned 4 hours before.
    opened = utc(2025, 3, 3, 10, 0)
    ticket = open_ticket(alice, opened)
    reply(agent, ticket, opened + timedelta(hours=45), status=Status.PENDING)
    resumed = opened + timedelta(days=3)
    reply(alice, ticket, resumed)

    resolution = clocks(ticket, resumed + timedelta(minutes=30))[RESOLUTION, 1]

    assert resolution.state == ClockState.RUNNING
    assert resolution.due_at == resumed + timedelta(hours=3)
    assert resolution.warn_at == opened + timedelta(hours=44)


# --- pause, resume, reopen --------------------------------------------------------------------


def test_pending_pauses_resolution_and_the_customer_reply_resumes_it(alice, agent):
    # Acme is enterprise: "Premium and enterprise", counted in calendar time.
    opened = utc(2025, 3, 3, 10, 0)
    ticket = open_ticket(alice, opened)
    reply(agent, ticket, utc(2025, 3, 3, 10, 30), status=Status.PENDING)

    found = clocks(ticket, utc(2025, 3, 4, 9, 0))
    resolution = found[RESOLUTION, 1]
    assert resolution.policy_name == "Premium and enterprise"
    assert (resolution.business_hours, resolution.calendar_id) == (False, None)
    assert (resolution.state, resolution.outcome) == (ClockState.PAUSED, "")
    assert resolution.due_at is None
    assert resolution.elapsed_seconds == 30 * 60
    assert resolution.remaining_seconds == 47.5 * HOUR
    assert found[FIRST, 1].outcome == Outcome.MET
    assert (NEXT, 1) not in found
    [view] = [v for v in ticket_clocks(ticket, now=utc(2025, 3, 4, 9, 0)) if v.clock == resolution]
    assert (view.remaining_seconds, view.elapsed_seconds, view.breached) == (
        47.5 * HOUR,
        30 * 60,
        False,
    )

    resumed = utc(2025, 3, 4, 10, 30)
    reply(alice, ticket, resumed)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN

    found = clocks(ticket, resumed + timedelta(hours=1))
    resolution = found[RESOLUTION, 1]
    assert (resolution.state, resolution.outcome) == (ClockState.RUNNING, "")
    assert resolution.due_at == resumed + timedelta(hours=47.5)
    assert resolution.elapsed_seconds == 1.5 * HOUR
    assert [m["move"] for m in resolution.history] == [
        "started",
        "target",
        "paused",
        "resumed",
    ]
    following = found[NEXT, 1]
    assert (following.started_at, following.due_at) == (resumed, resumed + timedelta(hours=4))


def test_on_hold_pauses_only_where_the_policy_says_so(new_york_customer, agent):
    SlaPolicy.objects.filter(name="Urgent").update(pause_on_hold=True)
    setup_changed()
    monday = local(NEW_YORK, 2025, 6, 2, 9, 0)
    urgent = open_ticket(new_york_customer, monday)
    normal = open_ticket(new_york_customer, monday)
    update(agent, urgent, monday, priority=Priority.URGENT)
    for ticket in (urgent, normal):
        update(agent, ticket, local(NEW_YORK, 2025, 6, 2, 10, 0), status=Status.ON_HOLD)

    later = local(NEW_YORK, 2025, 6, 2, 15, 0)
    held = clocks(urgent, later)[RESOLUTION, 1]
    running = clocks(normal, later)[RESOLUTION, 1]

    assert (held.policy_name, held.state, held.elapsed_seconds) == (
        "Urgent",
        ClockState.PAUSED,
        HOUR,
    )
    assert (running.policy_name, running.state, running.elapsed_seconds) == (
        "Email, portal and API",
        ClockState.RUNNING,
        6 * HOUR,
    )


def test_solving_then_reopening_starts_a_second_resolution_cycle(alice, agent):
    opened = utc(2025, 3, 3, 10, 0)
    ticket = open_ticket(alice, opened)
    reply(agent, ticket, utc(2025, 3, 3, 12, 0), status=Status.SOLVED)
    reopened = utc(2025, 3, 4, 9, 0)
    reply(alice, ticket, reopened)

    found = clocks(ticket, reopened + timedelta(minutes=5))

    first_cycle, second_cycle = found[RESOLUTION, 1], found[RESOLUTION, 2]
    assert (first_cycle.state, first_cycle.outcome, first_cycle.elapsed_seconds) == (
        ClockState.STOPPED,
        Outcome.MET,
        2 * HOUR,
    )
    assert (second_cycle.started_at, second_cycle.state) == (reopened, ClockState.RUNNING)
    assert second_cycle.due_at == reopened + timedelta(hours=48)
    assert found[NEXT, 1].started_at == reopened

    update(agent, ticket, utc(2025, 3, 4, 12, 0), status=Status.SOLVED)
    clocks_refresh_stale(now=utc(2025, 3, 4, 12, 0))
    second_cycle.refresh_from_db()
    assert (second_cycle.state, second_cycle.outcome, second_cycle.elapsed_seconds) == (
        ClockState.STOPPED,
        Outcome.MET,
        3 * HOUR,
    )
    assert set(found) | {(NEXT, 1)} == {(c.metric, c.cycle) for c in ticket.sla_clocks.all()}


def test_a_reply_that_solves_leaves_no_periodic_update_and_no_gap_in_the_cycles(
    new_york_customer, agent
):
    monday = local(NEW_YORK, 2025, 6, 2, 9, 0)
    ticket = open_ticket(new_york_customer, monday)
    update(agent, ticket, monday, priority=Priority.URGENT)
    reply(agent, ticket, local(NEW_YORK, 2025, 6, 2, 9, 30), status=Status.SOLVED)
    reply(new_york_customer, ticket, local(NEW_YORK, 2025, 6, 2, 10, 0))
    reply(agent, ticket, local(NEW_YORK, 2025, 6, 2, 10, 30))

    found = clocks(ticket, local(NEW_YORK, 2025, 6, 2, 11, 0))

    periodic = [key for key in found if key[0] == PERIODIC]
    assert periodic == [(PERIODIC, 1)]
    assert found[PERIODIC, 1].started_at == local(NEW_YORK, 2025, 6, 2, 10, 30)
    assert found[PERIODIC, 1].due_at == local(NEW_YORK, 2025, 6, 2, 14, 30)
    assert found[RESOLUTION, 2].started_at == local(NEW_YORK, 2025, 6, 2, 10, 0)


# --- priority changes mid-flight --------------------------------------------------------------


def test_raising_priority_to_urgent_moves_the_due_times_to_the_urgent_targets(
    tokyo_customer, agent
):
    monday = local(TOKYO, 2025, 6, 2, 9, 0)
    ticket = open_ticket(tokyo_customer, monday)
    reply(agent, ticket, local(TOKYO, 2025, 6, 2, 9, 30))
    before = clocks(ticket, local(TOKYO, 2025, 6, 2, 10, 0))
    assert before[RESOLUTION, 1].due_at == local(TOKYO, 2025, 6, 4, 18, 0)
    assert (PERIODIC, 1) not in before  # the catch-all policy promises no periodic updates

    update(agent, ticket, local(TOKYO, 2025, 6, 2, 11, 0), priority=Priority.URGENT)
    after = clocks(ticket, local(TOKYO, 2025, 6, 2, 11, 0))

    resolution = after[RESOLUTION, 1]
    assert (resolution.policy_name, resolution.target_seconds) == ("Urgent", 9 * HOUR)
    assert resolution.started_at == monday
    assert resolution.due_at == local(TOKYO, 2025, 6, 2, 18, 0)
    assert resolution.history[-1]["move"] == "target"
    assert resolution.history[-1]["label"] == "priority: urgent"
    assert (resolution.history[-1]["field"], resolution.history[-1]["value"]) == (
        "priority",
        Priority.URGENT,
    )
    # The reply at 09:30 started a periodic update the urgent policy now measures.
    periodic = after[PERIODIC, 1]
    assert (periodic.started_at, periodic.due_at) == (
        local(TOKYO, 2025, 6, 2, 9, 30),
        local(TOKYO, 2025, 6, 2, 13, 30),
    )
    # A first response already given stays as it was decided.
    assert (after[FIRST, 1].policy_name, after[FIRST, 1].outcome) == (
        "Email, portal and API",
        Outcome.MET,
    )


def test_a_new_target_already_passed_is_breached_at_the_instant_it_passed(alice, agent):
    opened = utc(2025, 3, 3, 10, 0)
    ticket = open_ticket(alice, opened)
    reply(agent, ticket, utc(2025, 3, 3, 10, 20))
    raised = utc(2025, 3, 3, 20, 0)
    update(agent, ticket, raised, priority=Priority.URGENT)

    found = clocks(ticket, raised)

    resolution = found[RESOLUTION, 1]
    assert (resolution.policy_name, resolution.target_seconds) == (
        "Premium and enterprise, urgent",
        8 * HOUR,
    )
    assert (resolution.state, resolution.outcome) == (ClockState.RUNNING, Outcome.BREACHED)
    assert resolution.due_at == resolution.decided_at == opened + timedelta(hours=8)
    assert resolution.elapsed_seconds == 10 * HOUR
    periodic = found[PERIODIC, 1]
    assert periodic.decided_at == utc(2025, 3, 3, 12, 20)
    assert periodic.outcome == Outcome.BREACHED

    views = {(v.clock.metric, v.clock.cycle): v for v in ticket_clocks(ticket, now=raised)}
    assert views[RESOLUTION, 1].breached
    assert views[RESOLUTION, 1].remaining_seconds == -2 * HOUR


def test_a_routing_rule_that_raises_priority_at_open_sets_the_policy_from_the_start(
    new_york_customer, admin_user
):
    routing_rule_create(
        actor=admin_user,
        name="Outages are urgent",
        conditions={"keywords": ["outage"]},
        actions={"priority": "urgent"},
    )
    opened = local(NEW_YORK, 2025, 6, 2, 9, 0)
    with at(opened):
        ticket = ticket_open(
            actor=new_york_customer, subject="Outage in production", body="Nothing loads"
        )
    assert ticket.priority == Priority.URGENT

    views = ticket_clocks(ticket, now=opened + timedelta(minutes=1))

    by_metric = {v.clock.metric: v.clock for v in views}
    assert {m: c.policy_name for m, c in by_metric.items()} == {
        FIRST: "Urgent",
        RESOLUTION: "Urgent",
    }
    assert by_metric[RESOLUTION].due_at == local(NEW_YORK, 2025, 6, 2, 18, 0)
    assert by_metric[FIRST].started_at == opened


# --- who opened it, and what counts as a response ---------------------------------------------


def test_a_ticket_the_desk_opened_has_no_first_response_clock(new_york_customer, agent):
    opened = local(NEW_YORK, 2025, 6, 2, 9, 0)
    with at(opened):
        ticket = ticket_open(
            actor=agent,
            requester=new_york_customer,
            subject="Your licence renewal",
            body="We noticed your licence expires next week.",
            channel=Channel.EMAIL,
            priority=Priority.URGENT,
        )

    found = clocks(ticket, opened + timedelta(hours=2))

    # The desk's opening message is not a reply: no periodic update either.
    assert set(found) == {(RESOLUTION, 1)}

    reply(new_york_customer, ticket, local(NEW_YORK, 2025, 6, 2, 12, 0))
    found = clocks(ticket, local(NEW_YORK, 2025, 6, 2, 12, 0))
    assert found[NEXT, 1].due_at == local(NEW_YORK, 2025, 6, 2, 14, 0)


def test_the_customers_opening_message_is_not_their_follow_up(new_york_customer):
    opened = local(NEW_YORK, 2025, 6, 2, 9, 0)
    ticket = open_ticket(new_york_customer, opened)
    reply(new_york_customer, ticket, local(NEW_YORK, 2025, 6, 2, 9, 10))

    found = clocks(ticket, local(NEW_YORK, 2025, 6, 2, 9, 20))

    # Still waiting for the first response: the follow-up starts no next response yet.
    assert set(found) == {(FIRST, 1), (RESOLUTION, 1)}
    assert found[FIRST, 1].state == ClockState.RUNNING


def test_an_internal_note_is_not_a_response(new_york_customer, agent):
    from tierdesk.tickets.services import ticket_add_note

    opened = local(NEW_YORK, 2025, 6, 2, 9, 0)
    ticket = open_ticket(new_york_customer, opened)
    with at(local(NEW_YORK, 2025, 6, 2, 9, 5)):
        ticket_add_note(actor=agent, ticket=ticket, body="Checking the logs")

    first = clocks(ticket, local(NEW_YORK, 2025, 6, 2, 9, 30))[FIRST, 1]

    assert first.state == ClockState.RUNNING


# --- phone and chat ---------------------------------------------------------------------------


@pytest.fixture
def pbx(db) -> User:
    return make_person("pbx", role=Role.AGENT)


@pytest.fixture
def caller(acme) -> User:
    return make_person("dana", organization=acme, phone="+1 555 010 2030")


def test_a_phone_ticket_is_measured_from_the_ringing_to_the_answer(pbx, caller):
    offered = utc(2025, 3, 3, 15, 0, 0)
    with at(offered + timedelta(seconds=5)):
        call = call_report(
            actor=pbx,
            source="pbx",
            external_id="c-1",
            fields={"caller_number": "+15550102030", "offered_at": offered},
        ).call
    ticket = call.ticket

    first = clocks(ticket, offered + timedelta(seconds=8))[FIRST, 1]
    assert (first.policy_name, first.target_seconds, first.business_hours) == ("Phone", 20, False)
    assert (first.started_at, first.due_at) == (offered, offered + timedelta(seconds=20))
    assert first.state == ClockState.RUNNING
    assert ticket.created_at == offered + timedelta(seconds=5)

    answered = offered + timedelta(seconds=12)
    with at(answered + timedelta(seconds=1)):
        call_report(
            actor=pbx,
            source="pbx",
            external_id="c-1",
            fields={"answered_at": answered, "agent": "pbx"},
        )
    views = ticket_clocks(ticket, now=answered + timedelta(minutes=1))

    first = next(v.clock for v in views if v.clock.metric == FIRST)
    assert (first.state, first.outcome, first.elapsed_seconds) == (
        ClockState.STOPPED,
        Outcome.MET,
        12,
    )
    assert first.stopped_at == first.decided_at == answered


def test_a_call_answered_late_and_written_up_afterwards_is_breached(pbx, caller):
    offered = utc(2025, 3, 3, 15, 0, 0)
    with at(offered + timedelta(minutes=6)):
        call = call_report(
            actor=pbx,
            source="pbx",
            external_id="c-2",
            fields={
                "caller_number": "+15550102030",
                "offered_at": offered,
                "answered_at": offered + timedelta(seconds=30),
                "ended_at": offered + timedelta(minutes=5),
            },
        ).call

    first = clocks(call.ticket, offered + timedelta(minutes=7))[FIRST, 1]

    assert (first.state, first.outcome, first.elapsed_seconds) == (
        ClockState.STOPPED,
        Outcome.BREACHED,
        30,
    )
    assert first.decided_at == offered + timedelta(seconds=20)


def test_a_call_the_desk_made_has_no_first_response(pbx, caller):
    offered = utc(2025, 3, 3, 15, 0, 0)
    with at(offered + timedelta(minutes=3)):
        call = call_report(
            actor=pbx,
            source="pbx",
            external_id="c-3",
            fields={
                "caller_number": "+15550102030",
                "direction": "outbound",
                "offered_at": offered,
                "answered_at": offered + timedelta(seconds=40),
            },
        ).call

    found = clocks(call.ticket, offered + timedelta(minutes=4))

    # Still resolved within the promise of Dana's enterprise plan.
    assert set(found) == {(RESOLUTION, 1)}
    assert found[RESOLUTION, 1].policy_name == "Premium and enterprise"


@pytest.mark.parametrize(("wait", "outcome"), [(25, Outcome.MET), (45, Outcome.BREACHED)])
def test_a_chat_is_measured_from_its_start_to_its_take(acme, agent, wait, outcome):
    started = utc(2025, 3, 3, 15, 0, 0)
    with at(started):
        chat = chat_start_visitor(
            name="Dana Reyes", email="dana@acme.test", message="The dashboard is empty"
        ).chat
    taken = started + timedelta(seconds=wait)
    with at(taken):
        chat_take(actor=agent, chat=chat)

    first = clocks(chat.ticket, taken + timedelta(seconds=5))[FIRST, 1]

    assert (first.policy_name, first.target_seconds) == ("Live chat", 30)
    assert (first.started_at, first.stopped_at) == (started, taken)
    # The chat policy promises responses only: the resolution is the enterprise plan's.
    resolution = clocks(chat.ticket, taken + timedelta(seconds=5))[RESOLUTION, 1]
    assert (resolution.policy_name, resolution.target_seconds, resolution.business_hours) == (
        "Premium and enterprise",
        48 * HOUR,
        False,
    )
    assert (first.outcome, first.elapsed_seconds) == (outcome, wait)
    assert first.decided_at == (
        taken if outcome == Outcome.MET else started + timedelta(seconds=30)
    )


def test_taking_a_chat_recomputes_the_clocks_it_stops(acme, agent):
    started = utc(2025, 3, 3, 15, 0, 0)
    with at(started):
        chat = chat_start_visitor(
            name="Dana Reyes", email="dana@acme.test", message="The dashboard is empty"
        ).chat
    assert ticket_clocks(chat.ticket, now=started + timedelta(seconds=5))
    with at(started + timedelta(seconds=10)):
        chat_take(actor=agent, chat=chat)

    views = ticket_clocks(chat.ticket, now=started + timedelta(seconds=15))

    first = next(v.clock for v in views if v.clock.metric == FIRST)
    assert (first.state, first.outcome) == (ClockState.STOPPED, Outcome.MET)


def test_a_callback_answered_on_an_email_ticket_is_its_first_response(new_york_customer, pbx):
    opened = local(NEW_YORK, 2025, 6, 4, 10, 0)
    ticket = open_ticket(new_york_customer, opened, channel=Channel.EMAIL)
    answered = opened + timedelta(minutes=20)
    with at(answered + timedelta(seconds=30)):
        call_report(
            actor=pbx,
            source="pbx",
            external_id="cb-1",
            fields={
                "caller_number": "+15550001",
                "direction": "outbound",
                "offered_at": answered - timedelta(minutes=1),
                "answered_at": answered,
                "ticket": ticket.pk,
                "agent": "pbx",
            },
        )
    ticket.refresh_from_db()
    assert ticket.first_responded_at == answered

    views = ticket_clocks(ticket, now=opened + timedelta(hours=2))

    first = next(v.clock for v in views if v.clock.metric == FIRST)
    assert (first.policy_name, first.state, first.outcome) == (
        "Email, portal and API",
        ClockState.STOPPED,
        Outcome.MET,
    )
    assert (first.stopped_at, first.elapsed_seconds) == (answered, 20 * 60)
    assert not any(v.breached for v in views)


# --- where a clock is counted -------------------------------------------------------------------


def test_each_clock_carries_the_priority_it_was_decided_under(new_york_customer, agent):
    opened = local(NEW_YORK, 2025, 6, 2, 10, 0)
    ticket = open_ticket(new_york_customer, opened)
    reply(agent, ticket, local(NEW_YORK, 2025, 6, 2, 10, 30))
    update(agent, ticket, local(NEW_YORK, 2025, 6, 2, 11, 0), priority=Priority.URGENT)
    update(agent, ticket, local(NEW_YORK, 2025, 6, 2, 12, 0), status=Status.SOLVED)
    update(agent, ticket, local(NEW_YORK, 2025, 6, 2, 13, 0), priority=Priority.LOW)
    reply(new_york_customer, ticket, local(NEW_YORK, 2025, 6, 2, 14, 0))

    loaded = Ticket.objects.select_related("organization", "requester").get(pk=ticket.pk)
    history = histories([loaded])[ticket.pk]
    found = {
        (r.metric, r.cycle): r
        for r in replay(history, current_book(), local(NEW_YORK, 2025, 6, 2, 15, 0))
    }

    # Answered while normal, solved while urgent, running now that it is low.
    assert found[FIRST, 1].priority == Priority.NORMAL
    assert found[RESOLUTION, 1].priority == Priority.URGENT
    assert found[RESOLUTION, 2].priority == Priority.LOW
    assert {r.channel for r in found.values()} == {Channel.PORTAL}
