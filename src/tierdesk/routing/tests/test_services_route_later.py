"""Tickets opened without routing and routed later together, as intake routes a batch of mail:
ticket_open(route=False), tickets_route storing triage suggestions, tickets_assign in order, and
engineers' loads read without counting every ticket they ever held."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_person
from tierdesk.accounts.choices import Role, Tier
from tierdesk.accounts.models import SkillGroup
from tierdesk.routing import effects, services
from tierdesk.routing.services import ShiftIn
from tierdesk.tickets.choices import EventKind
from tierdesk.tickets.models import TicketEvent
from tierdesk.tickets.services import ticket_open

pytestmark = pytest.mark.django_db

WEDNESDAY_10_UTC = datetime(2024, 6, 5, 10, 0, tzinfo=UTC)
WEEKDAYS = [ShiftIn(weekday=d, start=time(8), end=time(17)) for d in range(5)]


@pytest.fixture
def team(db, admin_user, manager):
    """A round-robin team of two on shift, and a rule sending everything to it."""
    team = SkillGroup.objects.create(name="Front desk")
    for name in ("emma", "liam"):
        person = make_person(name, role=Role.AGENT, tier=Tier.FRONT_LINE, time_zone="UTC")
        person.skill_groups.add(team)
        services.availability_set(
            actor=manager, person=person, max_open_tickets=20, away=False, shifts=WEEKDAYS
        )
    services.group_assignment_set(actor=admin_user, group=team, mode="round_robin")
    return team


def routed(ticket):
    return list(
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ROUTED)
        .order_by("id")
        .values_list("field", flat=True)
    )


def test_a_ticket_opened_without_routing_is_left_for_the_caller(alice, make_rule, team):
    make_rule("Everything to the front desk", {}, group=team.pk)

    ticket = ticket_open(actor=alice, subject="Export fails", body="At 10%.", route=False)

    ticket.refresh_from_db()
    assert (ticket.group, ticket.assignee, routed(ticket)) == (None, None, [])


@time_machine.travel(WEDNESDAY_10_UTC, tick=False)
def test_rules_first_then_turns_handed_out_in_the_order_given(alice, make_rule, team):
    make_rule("Everything to the front desk", {}, group=team.pk)
    tickets = [
        ticket_open(actor=alice, subject=f"Request {n}", body="Please help.", route=False)
        for n in range(3)
    ]

    services.tickets_route(tickets, assign=False)
    assert [t.assignee for t in tickets] == [None] * 3
    assert services.tickets_assign(list(reversed(tickets))) == 3

    assignees = [t.assignee.username for t in reversed(tickets)]
    assert assignees == ["emma", "liam", "emma"]
    for ticket in tickets:
        ticket.refresh_from_db()
        assert routed(ticket) == ["group", "assignee"]


def test_routing_new_tickets_together_stores_their_triage_suggestions(monkeypatch, alice):
    stored = []

    def triage_suggest_many(tickets, texts):
        stored.append((list(tickets), list(texts)))
        return [
            SimpleNamespace(
                type="incident",
                type_confidence=0.9,
                product_area="billing",
                product_area_confidence=0.9,
            )
            for _ in tickets
        ]

    fake = SimpleNamespace(
        triage_suggest_many=triage_suggest_many,
        ticket_triage_text=lambda subject, body: f"{subject}|{body}",
    )
    monkeypatch.setattr(effects, "triage", lambda: fake)
    tickets = [
        ticket_open(actor=alice, subject=f"Invoice {n}", body="Charged twice.", route=False)
        for n in range(2)
    ]

    services.tickets_route(tickets, suggest=True)
    services.tickets_route(tickets)  # re-routing keeps the suggestions it has

    assert stored == [(tickets, ["Invoice 0|Charged twice.", "Invoice 1|Charged twice."])]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plans")
def test_loads_are_counted_over_the_open_work_not_each_persons_history(alice, team):
    from tierdesk.routing.assignment import group_members

    with CaptureQueriesContext(connection) as queries:
        members = group_members([team.pk], WEDNESDAY_10_UTC)

    assert sorted(c.person.username for c in members[team.pk]) == ["emma", "liam"]
    [loads] = [q["sql"] for q in queries.captured_queries if 'FROM "tickets_ticket"' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {loads}")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    # An index led by status (either of the tickets' two), not a walk over every ticket.
    assert re.search(r"USING (COVERING )?INDEX ticket_status_\w+ \(status=\?", plan), plan
