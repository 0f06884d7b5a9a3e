"""Automatic assignment within a group: round-robin and least-loaded among engineers on shift,
not away and under capacity, on a controlled clock."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
import time_machine

from conftest import make_person
from tierdesk.accounts.choices import Role, Tier
from tierdesk.accounts.models import SkillGroup
from tierdesk.routing import services
from tierdesk.routing.assignment import on_shift
from tierdesk.routing.models import GroupAssignment, Shift
from tierdesk.routing.services import ShiftIn
from tierdesk.tickets.choices import EventKind
from tierdesk.tickets.models import Ticket, TicketEvent
from tierdesk.tickets.services import ticket_open, ticket_update

pytestmark = pytest.mark.django_db

# Wednesday 2024-06-05 10:00 UTC: 10:00 in London (BST is UTC+1, so 11:00), 19:00 in Tokyo.
WEDNESDAY_10_UTC = datetime(2024, 6, 5, 10, 0, tzinfo=UTC)
WEEKDAYS = [ShiftIn(weekday=d, start=time(8), end=time(17)) for d in range(5)]


@pytest.fixture
def team(db):
    return SkillGroup.objects.create(name="Tier 1 / English", language="en")


def engineer(name, team, *, time_zone="Europe/London", role=Role.AGENT):
    person = make_person(name, role=role, tier=Tier.FRONT_LINE, time_zone=time_zone)
    person.skill_groups.add(team)
    return person


def on_duty(manager, person, shifts=WEEKDAYS, capacity=20, away=False):
    services.availability_set(
        actor=manager, person=person, max_open_tickets=capacity, away=away, shifts=shifts
    )


@pytest.fixture
def routed_to_team(make_rule, team):
    make_rule("English team", {"language": ["en"]}, group=team.pk)


def open_ticket(alice):
    return ticket_open(actor=alice, subject="Export fails", body="The CSV export stops at 10%.")


def mode(admin_user, team, value):
    services.group_assignment_set(actor=admin_user, group=team, mode=value)


@time_machine.travel(WEDNESDAY_10_UTC, tick=False)
def test_round_robin_takes_turns_among_those_on_shift(
    alice, admin_user, manager, team, routed_to_team
):
    emma, liam = engineer("emma", team), engineer("liam", team)
    on_duty(manager, emma)
    on_duty(manager, liam)
    mode(admin_user, team, "round_robin")

    assignees = [open_ticket(alice).assignee for _ in range(4)]

    assert assignees == [emma, liam, emma, liam]
    assert GroupAssignment.objects.get(group=team).last_assigned == liam


@time_machine.travel(WEDNESDAY_10_UTC, tick=False)
def test_the_assignment_is_a_routed_event(alice, admin_user, manager, team, routed_to_team):
    emma = engineer("emma", team)
    on_duty(manager, emma)
    mode(admin_user, team, "round_robin")

    ticket = open_ticket(alice)

    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ROUTED, field="assignee")
    assert event.to_value == str(emma.pk)
    assert event.data["assignment"] == "round_robin"
    assert event.data["to_label"] == emma.display_name
    assert event.data["group"] == "Tier 1 / English"


@time_machine.travel(WEDNESDAY_10_UTC, tick=False)
def test_least_loaded_takes_who_holds_fewest_unsolved(
    alice, admin_user, manager, team, routed_to_team
):
    emma, liam = engineer("emma", team), engineer("liam", team)
    on_duty(manager, emma)
    on_duty(manager, liam)
    for _ in range(2):
        held = open_ticket(alice)
        ticket_update(actor=admin_user, ticket=held, changes={"assignee": emma})
    solved = open_ticket(alice)
    ticket_update(actor=admin_user, ticket=solved, changes={"assignee": liam, "status": "solved"})
    mode(admin_user, team, "least_loaded")

    # liam holds none unsolved, emma two: liam gets the next two, then turns alternate.
    assignees = [open_ticket(alice).assignee for _ in range(4)]

    assert assignees[:2] == [liam, liam]
    assert sorted(p.username for p in assignees[2:]) == ["emma", "liam"]


@time_machine.travel(WEDNESDAY_10_UTC, tick=False)
def test_nobody_on_shift_leaves_the_ticket_in_the_queue(
    alice, admin_user, manager, team, routed_to_team
):
    tokyo = engineer("kenta", team, time_zone="Asia/Tokyo")  # 19:00 there: off shift
    on_duty(manager, tokyo)
    mode(admin_user, team, "round_robin")

    ticket = open_ticket(alice)

    assert ticket.group == team
    assert ticket.assignee is None
    assert not TicketEvent.objects.filter(ticket=ticket, field="assignee").exists()


@time_machine.travel(WEDNESDAY_10_UTC, tick=False)
def test_away_full_and_unscheduled_people_are_passed_over(
    alice, admin_user, manager, team, routed_to_team
):
    away, full, free = engineer("away", team), engineer("full", team), engineer("free", team)
    engineer("noshifts", team)
    on_duty(manager, away, away=True)
    on_duty(manager, full, capacity=1)
    on_duty(manager, free, capacity=1)
    held = open_ticket(alice)  # the group assigns nobody yet
    ticket_update(actor=admin_user, ticket=held, changes={"assignee": full})
    mode(admin_user, team, "round_robin")

    first, second = open_ticket(alice), open_ticket(alice)

    assert first.assignee == free
    assert second.assignee is None  # free is now at capacity too


@time_machine.travel(WEDNESDAY_10_UTC, tick=False)
def test_reviewers_and_other_groups_members_are_not_assigned(
    alice, admin_user, manager, team, routed_to_team
):
    reviewer = engineer("quality", team, role=Role.REVIEWER)
    Shift.objects.create(person=reviewer, weekday=2, start=time(0), end=time(23, 59))
    other = SkillGroup.objects.create(name="Other")
    outsider = engineer("outsider", other)
    on_duty(manager, outsider)
    mode(admin_user, team, "round_robin")

    assert open_ticket(alice).assignee is None


@time_machine.travel(WEDNESDAY_10_UTC, tick=False)
def test_mode_none_and_held_or_restricted_tickets_are_left_alone(
    alice, agent, admin_user, manager, team, make_rule
):
    emma = engineer("emma", team)
    on_duty(manager, emma)
    make_rule("Team", {}, group=team.pk)

    assert open_ticket(alice).assignee is None  # no assignment set: mode none
    mode(admin_user, team, "round_robin")
    restricted = ticket_open(actor=agent, subject="Secret", body="Keep it quiet.", restricted=True)
    assert restricted.assignee is None


def test_shift_is_read_in_the_persons_time_zone_across_daylight_saving():
    shift = Shift(weekday=0, start=time(9), end=time(17))
    # Monday 08:30 UTC is 09:30 in London in summer (BST), 08:30 in winter (GMT).
    assert on_shift([shift], "Europe/London", datetime(2024, 6, 3, 8, 30, tzinfo=UTC))
    assert not on_shift([shift], "Europe/London", datetime(2024, 1, 8, 8, 30, tzinfo=UTC))


def test_a_night_shift_runs_past_midnight():
    night = Shift(weekday=4, start=time(22), end=time(6))  # Friday 22:00 - Saturday 06:00
    assert on_shift([night], "UTC", datetime(2024, 6, 7, 23, 0, tzinfo=UTC))  # Friday night
    assert on_shift([night], "UTC", datetime(2024, 6, 8, 5, 59, tzinfo=UTC))  # Saturday dawn
    assert not on_shift([night], "UTC", datetime(2024, 6, 8, 6, 0, tzinfo=UTC))
    assert not on_shift([night], "UTC", datetime(2024, 6, 7, 5, 0, tzinfo=UTC))  # Friday dawn


@time_machine.travel(WEDNESDAY_10_UTC, tick=False)
def test_batch_routing_spreads_tickets_like_one_at_a_time(
    alice, admin_user, manager, team, make_rule
):
    emma, liam = engineer("emma", team), engineer("liam", team)
    on_duty(manager, emma, capacity=2)
    on_duty(manager, liam, capacity=1)
    tickets = [open_ticket(alice) for _ in range(4)]  # no rules yet: left ungrouped
    make_rule("Team", {}, group=team.pk)
    mode(admin_user, team, "round_robin")

    services.tickets_route(
        list(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).order_by("pk"))
    )

    assignees = list(
        Ticket.objects.filter(pk__in=[t.pk for t in tickets])
        .order_by("pk")
        .values_list("assignee__username", flat=True)
    )
    assert assignees == ["emma", "liam", "emma", None]
