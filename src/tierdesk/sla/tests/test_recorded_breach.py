"""A breach the sweep recorded stays a breach, counted where it happened, and each clock warns
once: later changes to the ticket do not rewrite what the desk was told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tierdesk.sla.choices import Metric, Outcome
from tierdesk.sla.models import SlaClock
from tierdesk.sla.services import clocks_refresh_stale
from tierdesk.sla.sweep import sla_sweep
from tierdesk.tickets.choices import EventKind
from tierdesk.tickets.models import TicketEvent
from tierdesk.tickets.services import ticket_open, ticket_reply, ticket_update

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def at(minutes: float):
    return time_machine.travel(WEDNESDAY + timedelta(minutes=minutes), tick=False)


def refresh(minutes: float) -> None:
    """The after-commit recompute, which the test's transaction never reaches on its own."""
    with at(minutes):
        clocks_refresh_stale()


def sweep(minutes: float):
    with at(minutes):
        return sla_sweep()


def first_response(ticket) -> SlaClock:
    return SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)


def test_lowering_the_priority_after_a_recorded_breach_keeps_it_breached(alice, agent):
    # Given an enterprise ticket made urgent (first response within 30 min, around the clock)
    with at(0):
        ticket = ticket_open(
            actor=alice, subject="Down", body="All dashboards fail", priority="high"
        )
    with at(1):
        ticket_update(actor=agent, ticket=ticket, changes={"priority": "urgent"})
    refresh(1)
    # and the sweep recorded its breach at 45 min
    assert sweep(45).breached >= 1

    # When the agent lowers it to high (1 h) and replies within the hour
    with at(50):
        ticket_update(actor=agent, ticket=ticket, changes={"priority": "high"})
    with at(55):
        ticket_reply(actor=agent, ticket=ticket, body="On it")
    refresh(55)

    # Then the first response stays breached, at its urgent due time, counted as urgent
    clock = first_response(ticket)
    assert clock.outcome == Outcome.BREACHED
    assert clock.decided_at == WEDNESDAY + timedelta(minutes=30)
    assert clock.priority == "urgent"
    assert clock.state == "stopped"


def test_a_raise_by_the_sweep_leaves_the_breach_under_the_priority_it_breached_at(carol, agent):
    # Given a normal-priority enterprise ticket (first response within 1 h; a breach raises
    # the priority to urgent)
    with at(0):
        ticket = ticket_open(actor=carol, subject="Export slow", body="Takes an hour")
    refresh(0)

    # When the sweep finds it breached and raises it
    report = sweep(61)
    refresh(61)

    # Then the breach still counts for normal priority, where it happened
    ticket.refresh_from_db()
    clock = first_response(ticket)
    assert report.priority_raised == 1 and ticket.priority == "urgent"
    assert (clock.outcome, clock.priority) == (Outcome.BREACHED, "normal")


def test_a_clock_warns_once_even_after_a_pause_moves_its_due_time(alice, agent):
    # Given an enterprise ticket whose resolution (48 h around the clock, warned 4 h before)
    # was warned at 45 h
    with at(0):
        ticket = ticket_open(actor=alice, subject="Nightly load", body="Fails at 02:00")
    with at(5):
        ticket_reply(actor=agent, ticket=ticket, body="Looking")
    refresh(5)
    sweep(45 * 60)
    warnings = TicketEvent.objects.filter(
        ticket=ticket, kind=EventKind.SLA, field=Metric.RESOLUTION, to_value="warning"
    )
    assert warnings.count() == 1

    # When it waits on the customer for a day and they answer
    with at(46 * 60):
        ticket_update(actor=agent, ticket=ticket, changes={"status": "pending"})
    refresh(46 * 60)
    with at(70 * 60):
        ticket_reply(actor=alice, ticket=ticket, body="Still failing")
    refresh(70 * 60)

    # Then the resumed clock, due a day later, is not warned again
    sweep(70 * 60 + 2)
    sweep(72 * 60)
    assert warnings.count() == 1


def test_a_recorded_breach_reads_overdue_after_the_target_moved_out(alice, agent):
    from tierdesk.sla.selectors import ticket_clocks

    # Given an urgent enterprise ticket whose first response (30 min) breach was recorded
    with at(0):
        ticket = ticket_open(actor=alice, subject="Down", body="All dashboards fail")
    with at(1):
        ticket_update(actor=agent, ticket=ticket, changes={"priority": "urgent"})
    refresh(1)
    sweep(45)

    # When the priority goes back to normal (1 h) before that hour is up
    with at(46):
        ticket_update(actor=agent, ticket=ticket, changes={"priority": "normal"})
        views = {v.clock.metric: v for v in ticket_clocks(ticket)}

    # Then the card and the API still read it overdue since its urgent due time
    first = views[Metric.FIRST_RESPONSE]
    assert first.breached
    assert first.clock.due_at == WEDNESDAY + timedelta(minutes=30)
    assert first.remaining_seconds == -16 * 60


def test_a_breach_after_a_setup_change_is_told_when_someone_changed_the_ticket(
    alice, agent, admin_user
):
    from tierdesk.macros.models import Notification
    from tierdesk.sla.models import BusinessCalendar
    from tierdesk.sla.setup import calendar_date_set

    # Given an enterprise ticket an agent holds
    with at(0):
        ticket = ticket_open(actor=alice, subject="Slow", body="Queries take minutes")
        ticket_update(actor=agent, ticket=ticket, changes={"assignee": agent})
    refresh(0)
    # and an unrelated change of the setup at 40 min
    with at(40):
        calendar_date_set(
            actor=admin_user,
            calendar=BusinessCalendar.objects.get(name="Tokyo"),
            date="2026-12-31",
            name="Company holiday",
        )
    # When the agent raises it to urgent at 45 min, so its first response was due at 30 min,
    # before the setup change
    with at(45):
        ticket_update(actor=agent, ticket=ticket, changes={"priority": "urgent"})
    refresh(45)
    sweep(46)

    # Then the breach is the agent's to hear of, not put down to the setup change
    assert Notification.objects.filter(person=agent, ticket=ticket, kind="sla_breach").exists()
