"""The SLA sweep against the default policies: warnings and breaches recorded once each, who is
told, the breach rules, and what the sweep leaves alone."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, connections

from conftest import make_person
from tierdesk.accounts.choices import Plan, Region, Role, Tier
from tierdesk.accounts.models import Organization
from tierdesk.macros.models import Notification
from tierdesk.sla import setup, sweep
from tierdesk.sla.models import BusinessCalendar, SlaClock, SlaPolicy, SlaSetupVersion, SlaStale
from tierdesk.sla.services import clocks_refresh_stale
from tierdesk.sla.sweep import sla_sweep
from tierdesk.tickets.models import Ticket, TicketEvent
from tierdesk.tickets.services import ticket_open, ticket_reply, ticket_update

# A Wednesday, 10:00 in New York: every calendar involved is open.
T0 = datetime(2024, 6, 5, 14, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@contextmanager
def at(moment: datetime):
    with time_machine.travel(moment, tick=False):
        yield


def open_ticket(customer, moment: datetime = T0, **fields) -> Ticket:
    with at(moment):
        ticket = ticket_open(
            actor=customer, subject="Dashboards time out", body="Since 4.2", **fields
        )
        clocks_refresh_stale(now=moment)
    return ticket


def change(ticket: Ticket, actor, moment: datetime = T0, **changes) -> Ticket:
    with at(moment):
        ticket = ticket_update(actor=actor, ticket=ticket, changes=changes)
        clocks_refresh_stale(now=moment)
    return ticket


def reply(ticket: Ticket, actor, moment: datetime, **extra) -> None:
    with at(moment):
        ticket_reply(actor=actor, ticket=ticket, body="Looking at it now", **extra)
        clocks_refresh_stale(now=moment)


def sla_events(ticket: Ticket, value: str | None = None) -> list[TicketEvent]:
    events = TicketEvent.objects.filter(ticket=ticket, kind="sla").order_by("id")
    if value is not None:
        events = events.filter(to_value=value)
    return list(events)


def clock(ticket: Ticket, metric: str, cycle: int = 1) -> SlaClock:
    return SlaClock.objects.get(ticket=ticket, metric=metric, cycle=cycle)


@pytest.fixture
def team(group, agent, backline, manager, reviewer):
    """The group's members: two agents, a manager, a quality reviewer and a departed agent."""
    gone = make_person("gone", role=Role.AGENT, tier=Tier.FRONT_LINE, is_active=False)
    for person in (agent, backline, manager, reviewer, gone):
        person.skill_groups.add(group)
    return group


# --- warnings ------------------------------------------------------------------------------------


def test_a_warning_is_recorded_once(alice, manager, agent):
    # Given an enterprise ticket held by an agent: first response within 1 h, warned 15 min before
    ticket = open_ticket(alice)
    change(ticket, manager, assignee=agent)

    # When the sweep runs 50 minutes in, and again a minute later
    first = sla_sweep(now=T0 + 50 * MINUTE)
    second = sla_sweep(now=T0 + 51 * MINUTE)

    # Then the first response warned once, as one event by nobody
    assert (first.warned, first.breached, first.notified) == (1, 0, 1)
    assert (second.warned, second.breached, second.notified) == (0, 0, 0)
    [event] = sla_events(ticket)
    assert (event.field, event.to_value, event.actor_id) == ("first_response", "warning", None)
    assert event.created_at == T0 + 50 * MINUTE
    assert event.data == {
        "cycle": 1,
        "due_at": (T0 + HOUR).isoformat(),
        "policy": "Premium and enterprise",
        "target_seconds": 3600,
        "business_hours": False,
    }
    assert clock(ticket, "first_response").warned_at == T0 + 50 * MINUTE


def test_the_assignee_alone_is_told_while_someone_holds_the_ticket(alice, manager, agent, team):
    ticket = open_ticket(alice)
    change(ticket, manager, assignee=agent, group=team)

    sla_sweep(now=T0 + 50 * MINUTE)

    [note] = Notification.objects.filter(ticket=ticket)
    assert (note.person_id, note.kind, note.actor_id, note.message_id) == (
        agent.pk,
        "sla_warning",
        None,
        None,
    )
    assert note.created_at == T0 + 50 * MINUTE


def test_without_an_assignee_the_groups_working_members_are_told(
    alice, manager, agent, backline, team
):
    ticket = open_ticket(alice)
    change(ticket, manager, group=team)

    report = sla_sweep(now=T0 + 50 * MINUTE)

    # Not the quality reviewer, not the departed agent
    people = set(Notification.objects.filter(ticket=ticket).values_list("person_id", flat=True))
    assert people == {agent.pk, backline.pk, manager.pk}
    assert report.notified == 3


def test_a_departed_assignee_hands_the_notification_to_the_group(
    alice, manager, agent, backline, team
):
    ticket = open_ticket(alice)
    change(ticket, manager, assignee=agent, group=team)
    agent.is_active = False
    agent.save()

    sla_sweep(now=T0 + 50 * MINUTE)

    people = set(Notification.objects.filter(ticket=ticket).values_list("person_id", flat=True))
    assert people == {backline.pk, manager.pk}


def test_a_restricted_ticket_tells_only_the_people_named_on_it(
    alice, manager, agent, backline, team
):
    ticket = open_ticket(alice)
    change(ticket, manager, group=team, restricted=True)

    sla_sweep(now=T0 + 50 * MINUTE)

    people = set(Notification.objects.filter(ticket=ticket).values_list("person_id", flat=True))
    assert people == {manager.pk}


def test_a_clock_with_no_target_left_still_notifies(alice, manager, agent):
    ticket = open_ticket(alice)
    change(ticket, manager, assignee=agent)
    SlaClock.objects.filter(ticket=ticket).update(target=None)

    report = sla_sweep(now=T0 + 50 * MINUTE)

    assert (report.warned, report.notified) == (1, 1)


def test_a_paused_clock_does_not_warn(alice, agent):
    # Given a ticket waiting on the customer: resolution (48 h, warned 4 h before) is paused
    ticket = open_ticket(alice)
    reply(ticket, agent, T0 + 10 * MINUTE, status="pending")
    assert clock(ticket, "resolution").state == "paused"

    report = sla_sweep(now=T0 + 47 * HOUR)

    assert (report.warned, report.breached) == (0, 0)
    assert sla_events(ticket) == []


# --- breaches ------------------------------------------------------------------------------------


def test_a_breach_is_recorded_once_and_raises_the_priority(alice, manager, agent):
    # Given an enterprise ticket nobody answered within the hour
    ticket = open_ticket(alice)
    change(ticket, manager, assignee=agent)

    # When the sweep runs a minute after the first response was due, and again later
    report = sla_sweep(now=T0 + 61 * MINUTE)
    again = sla_sweep(now=T0 + 62 * MINUTE)

    # Then the breach is one event, the priority rose to urgent by the target's rule
    assert (report.warned, report.breached, report.priority_raised) == (0, 1, 1)
    assert (again.warned, again.breached, again.priority_raised) == (0, 0, 0)
    [event] = sla_events(ticket)
    assert (event.field, event.to_value) == ("first_response", "breached")
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"
    assert ticket.updated_at == T0 + 61 * MINUTE
    raised = TicketEvent.objects.get(ticket=ticket, kind="changed", field="priority")
    assert (raised.from_value, raised.to_value, raised.actor_id) == ("normal", "urgent", None)
    # And the clocks were computed again against the urgent policy, keeping the breach
    first = clock(ticket, "first_response")
    assert (first.policy_name, first.target_seconds) == ("Premium and enterprise, urgent", 1800)
    assert (first.outcome, first.breach_recorded_at) == ("breached", T0 + 61 * MINUTE)
    assert first.warned_at is not None
    assert clock(ticket, "resolution").policy_name == "Premium and enterprise, urgent"
    assert not SlaStale.objects.filter(ticket=ticket).exists()
    assert Notification.objects.filter(ticket=ticket, kind="sla_breach").count() == 1
    # A later recomputation keeps what the sweep recorded
    clocks_refresh_stale(now=T0 + 2 * HOUR)
    with at(T0 + 2 * HOUR):
        ticket_update(actor=manager, ticket=ticket, changes={"tags": ["outage"]})
    clocks_refresh_stale(now=T0 + 2 * HOUR)
    assert clock(ticket, "first_response").breach_recorded_at == T0 + 61 * MINUTE
    assert sla_sweep(now=T0 + 2 * HOUR).breached == 0


def test_a_clock_warned_then_breached_has_both_events(alice, manager, agent):
    ticket = open_ticket(alice)
    change(ticket, manager, assignee=agent)

    sla_sweep(now=T0 + 50 * MINUTE)
    sla_sweep(now=T0 + 61 * MINUTE)

    assert [e.to_value for e in sla_events(ticket)] == ["warning", "breached"]
    kinds = list(Notification.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert sorted(kinds) == ["sla_breach", "sla_warning"]


def test_a_stricter_policy_after_a_raise_records_what_it_breached_long_ago(alice, manager, agent):
    # Given a ticket nobody answered, waiting on the customer since hour 20 (resolution paused)
    ticket = open_ticket(alice)
    change(ticket, manager, assignee=agent)
    change(ticket, agent, T0 + 20 * HOUR, status="pending")
    assert clock(ticket, "resolution").state == "paused"

    # When the sweep finds the first response breached and raises the ticket to urgent
    report = sla_sweep(now=T0 + 24 * HOUR)

    # Then the urgent policy's 8 hours of resolution, passed at hour 8, is recorded too
    assert (report.breached, report.priority_raised) == (2, 1)
    assert sorted(e.field for e in sla_events(ticket, "breached")) == [
        "first_response",
        "resolution",
    ]
    resolution = clock(ticket, "resolution")
    assert (resolution.state, resolution.decided_at) == ("paused", T0 + 8 * HOUR)
    assert sla_sweep(now=T0 + 25 * HOUR).breached == 0


def tighten_first_response(admin, moment: datetime, seconds: int) -> None:
    """An administrator shortens the enterprise first response at `moment`."""
    policy = SlaPolicy.objects.get(name="Premium and enterprise")
    targets = [
        {name: getattr(target, name) for name in setup.TARGET_FIELDS}
        for target in policy.targets.order_by("pk")
    ]
    for target in targets:
        if target["metric"] == "first_response":
            target["seconds"], target["warn_before_seconds"] = seconds, 0
    with at(moment):
        setup.policy_update(actor=admin, policy=policy, changes={"targets": targets})


def test_a_target_tightened_afterwards_breaches_without_telling_anyone(
    alice, manager, agent, admin_user
):
    # Given an enterprise ticket held by an agent, its first response due at hour 1
    ticket = open_ticket(alice)
    change(ticket, manager, assignee=agent)

    # When at 40 minutes an administrator cuts the first response to 30 minutes
    tighten_first_response(admin_user, T0 + 40 * MINUTE, 30 * 60)
    assert SlaSetupVersion.objects.get(pk=1).changed_at == T0 + 40 * MINUTE
    later = open_ticket(alice, T0 + 45 * MINUTE)
    change(later, manager, T0 + 45 * MINUTE, assignee=agent)
    report = sla_sweep(now=T0 + 41 * MINUTE)

    # Then the breach the change made is recorded, for the timeline and the attainment, but
    # nobody is told and the priority stays
    assert (report.breached, report.notified, report.priority_raised) == (1, 0, 0)
    [event] = sla_events(ticket, "breached")
    assert event.data["after_setup_change"] is True
    assert event.data["due_at"] == (T0 + 30 * MINUTE).isoformat()
    first = clock(ticket, "first_response")
    assert (first.outcome, first.breach_recorded_at) == ("breached", T0 + 41 * MINUTE)
    ticket.refresh_from_db()
    assert ticket.priority == "normal"
    assert not Notification.objects.exists()
    # A clock that falls due after the change breaches as any other
    report = sla_sweep(now=T0 + 76 * MINUTE)
    assert (report.breached, report.notified, report.priority_raised) == (1, 1, 1)
    [event] = sla_events(later, "breached")
    assert "after_setup_change" not in event.data
    assert Notification.objects.get(kind="sla_breach").ticket_id == later.pk


def test_a_breach_the_sweep_had_yet_to_reach_when_the_setup_changed_is_acted_on(
    alice, manager, agent, admin_user
):
    # Given a ticket whose first response fell due at hour 1
    ticket = open_ticket(alice)
    change(ticket, manager, assignee=agent)

    # When a change elsewhere in the setup comes half a minute later, before the sweep
    with at(T0 + HOUR + timedelta(seconds=30)):
        setup.calendar_date_set(
            actor=admin_user,
            calendar=BusinessCalendar.objects.get(name="Tokyo"),
            date="2024-12-31",
            name="New Year's Eve",
            hours=[],
        )
    report = sla_sweep(now=T0 + 61 * MINUTE)

    # Then the clock, computed again but not moved, breaches as it would have
    assert (report.breached, report.notified, report.priority_raised) == (1, 1, 1)


def test_a_breach_tells_the_groups_managers_when_the_target_asks(
    alice, manager, agent, backline, team
):
    # Given a ticket answered in time, held by an agent, in a group that also names a manager
    # outside it: resolution (48 h) asks for the managers
    boss = make_person("boss", role=Role.MANAGER)
    team.manager = boss
    team.save()
    ticket = open_ticket(alice)
    change(ticket, manager, assignee=agent, group=team)
    reply(ticket, agent, T0 + 10 * MINUTE)

    report = sla_sweep(now=T0 + 48 * HOUR + MINUTE)

    assert (report.breached, report.priority_raised) == (1, 0)
    [event] = sla_events(ticket)
    assert event.field == "resolution"
    people = set(Notification.objects.filter(ticket=ticket).values_list("person_id", flat=True))
    assert people == {agent.pk, manager.pk, boss.pk}


def test_a_reply_in_time_means_no_breach(alice, agent):
    ticket = open_ticket(alice)
    reply(ticket, agent, T0 + 30 * MINUTE)

    report = sla_sweep(now=T0 + 2 * HOUR)

    assert (report.warned, report.breached) == (0, 0)
    assert clock(ticket, "first_response").outcome == "met"
    assert sla_events(ticket) == []


def test_a_late_reply_between_sweeps_is_recorded_without_telling_anyone(alice, manager, agent):
    # Given a first response that came after its due time, before any sweep saw it running
    ticket = open_ticket(alice)
    change(ticket, manager, assignee=agent)
    reply(ticket, agent, T0 + 70 * MINUTE)
    assert clock(ticket, "first_response").state == "stopped"

    report = sla_sweep(now=T0 + 71 * MINUTE)

    # Then the history says so once; nobody is told and the priority stays
    assert (report.breached, report.notified, report.priority_raised) == (1, 0, 0)
    [event] = sla_events(ticket)
    assert (event.field, event.to_value) == ("first_response", "breached")
    ticket.refresh_from_db()
    assert ticket.priority == "normal"
    assert sla_sweep(now=T0 + 72 * MINUTE).breached == 0


def test_a_clock_already_past_due_is_not_warned(alice):
    ticket = open_ticket(alice)

    report = sla_sweep(now=T0 + 3 * HOUR)

    assert (report.warned, report.breached) == (0, 1)
    assert [e.to_value for e in sla_events(ticket)] == ["breached"]


def test_the_sweep_computes_stale_tickets_first(alice):
    # Given a ticket whose clocks were never computed after it opened (the mark is left)
    with at(T0):
        ticket = ticket_open(actor=alice, subject="Exports fail", body="CSV export is empty")
    assert SlaStale.objects.filter(ticket=ticket).exists()

    report = sla_sweep(now=T0 + 50 * MINUTE)

    assert report.stale_recomputed >= 1
    assert report.warned == 1
    assert not SlaStale.objects.filter(ticket=ticket).exists()


def test_a_stale_ticket_is_judged_on_its_new_history(alice, agent, monkeypatch):
    # Given a reply whose recomputation never ran, with the clock still stored as running
    ticket = open_ticket(alice)
    with at(T0 + 30 * MINUTE):
        ticket_reply(actor=agent, ticket=ticket, body="On it")
    assert clock(ticket, "first_response").state == "running"

    # When the sweep's first step does not reach the mark (many others before it)
    monkeypatch.setattr(sweep, "clocks_refresh_stale", lambda **kwargs: 0)
    report = sweep.sla_sweep(now=T0 + 2 * HOUR)

    # Then it computes the ticket before judging: the first response was met
    assert (report.stale_recomputed, report.breached) == (1, 0)
    assert clock(ticket, "first_response").outcome == "met"


def test_business_hours_carry_a_warning_over_the_weekend(db, agent):
    # Given a standard-plan customer in the Americas: 1 business hour in New York, 9 to 18
    org = Organization.objects.create(
        name="Initech", email_domains=["initech.test"], plan=Plan.STANDARD, region=Region.AMERICAS
    )
    peter = make_person("peter", organization=org)
    friday = datetime(2024, 6, 7, 21, 30, tzinfo=UTC)  # 17:30 in New York
    ticket = open_ticket(peter, friday)
    monday = datetime(2024, 6, 10, 13, 30, tzinfo=UTC)  # 09:30: the half hour left
    first = clock(ticket, "first_response")
    assert (first.policy_name, first.due_at) == ("Email, portal and API", monday)

    assert sla_sweep(now=friday + 2 * HOUR).warned == 0
    assert sla_sweep(now=monday - 10 * MINUTE).warned == 1
    report = sla_sweep(now=monday + MINUTE)

    # The catch-all raises an unanswered ticket to high
    assert (report.breached, report.priority_raised) == (1, 1)
    ticket.refresh_from_db()
    assert ticket.priority == "high"


# --- the worker ----------------------------------------------------------------------------------
def test_the_periodic_task_runs_one_sweep(alice, manager, agent):
    from tierdesk.sla.tasks import sla_sweep_task

    ticket = open_ticket(alice)
    change(ticket, manager, assignee=agent)

    with at(T0 + 50 * MINUTE):
        report = sla_sweep_task.call_local()

    assert (report["warned"], report["notified"]) == (1, 1)


# --- two workers ---------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_record_each_breach_once(alice, manager, agent):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TIERDESK_TEST_POSTGRES) for real concurrent transactions")
    tickets = [open_ticket(alice) for _ in range(30)]
    for ticket in tickets:
        change(ticket, manager, assignee=agent)
    barrier = threading.Barrier(2)
    reports, failures = [], []

    def sweep():
        try:
            barrier.wait()
            reports.append(sla_sweep(now=T0 + 61 * MINUTE))
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert sum(r.breached for r in reports) == 30
    assert TicketEvent.objects.filter(kind="sla", to_value="breached").count() == 30
    assert Notification.objects.filter(kind="sla_breach").count() == 30
    assert Ticket.objects.filter(priority="urgent").count() == 30
