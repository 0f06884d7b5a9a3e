"""SLA urgency in the work lists: within a queue state the next deadline comes first, and the
queue and portfolio rows show how far it is."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from conftest import make_person
from tierdesk.accounts.choices import Role, Tier
from tierdesk.queues.selectors import (
    NO_DEADLINE,
    portfolio_tickets,
    queue_order,
    queue_tickets,
)
from tierdesk.sla.models import SlaClock
from tierdesk.sla.services import clocks_refresh_stale
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_claim, ticket_open

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def engineer(group):
    """A tier-1 engineer of the group whose queue the tests read."""
    person = make_person("emma", role=Role.AGENT, tier=Tier.FRONT_LINE)
    person.skill_groups.add(group)
    return person


@pytest.fixture
def open_at(alice, agent):
    """Opens a ticket for alice (enterprise: the "Premium and enterprise" policies) in a group at
    a given time; the desk opened it, so only its resolution clock runs."""

    def opener(at: str, group, subject: str = "Dashboard is slow", **fields):
        with time_machine.travel(at, tick=False):
            return ticket_open(
                actor=agent,
                requester=alice,
                subject=subject,
                body="Since Monday",
                group=group,
                **fields,
            )

    return opener


def claim_at(at: str, person, ticket) -> None:
    with time_machine.travel(at, tick=False):
        ticket_claim(actor=person, ticket=ticket)


def numbers(page) -> list[int]:
    return [t.number for t in page.items]


def test_new_tickets_in_the_same_state_are_served_by_due_time_not_age(engineer, group, open_at):
    # Given two new tickets of the same enterprise customer: the older one normal (resolution
    # due in 48 h), the younger one urgent (8 h)
    older = open_at("2026-03-02 08:00Z", group)
    younger = open_at("2026-03-02 09:00Z", group, priority="urgent")
    clocks_refresh_stale(now=NOW)
    # When the engineer reads the queue
    with time_machine.travel(NOW, tick=False):
        page = queue_tickets(engineer, group)
    # Then the urgent one comes first, and each row carries its next due time
    assert numbers(page) == [younger.number, older.number]
    assert page.items[0].sla_due == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    assert page.items[1].sla_due == datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


def test_an_overdue_ticket_comes_first_and_one_without_a_running_clock_last(
    engineer, group, open_at
):
    # Given an old ticket whose clocks no longer run, a young urgent one already overdue, and a
    # normal one in between
    no_clock = open_at("2026-03-01 07:00Z", group)
    normal = open_at("2026-03-01 08:00Z", group)
    overdue = open_at("2026-03-01 09:00Z", group, priority="urgent")
    clocks_refresh_stale(now=NOW)
    SlaClock.objects.filter(ticket=no_clock).update(state="stopped")

    with time_machine.travel(NOW, tick=False):
        page = queue_tickets(engineer, group)

    assert numbers(page) == [overdue.number, normal.number, no_clock.number]
    assert page.items[2].sla_due is None
    assert page.items[2].queue_due == NO_DEADLINE


def test_pages_follow_the_due_order_without_gaps_or_repeats(engineer, group, open_at):
    opened = [
        open_at("2026-03-01 08:00Z", group),
        open_at("2026-03-01 08:00Z", group, priority="urgent"),
        open_at("2026-03-01 09:00Z", group, priority="urgent"),
        open_at("2026-03-01 07:00Z", group),
        open_at("2026-03-01 06:00Z", group),
    ]
    clocks_refresh_stale(now=NOW)
    SlaClock.objects.filter(ticket=opened[4]).delete()
    expected = numbers(queue_tickets(engineer, group, limit=50))

    seen, cursor = [], None
    while True:
        page = queue_tickets(engineer, group, cursor=cursor, limit=2)
        seen += numbers(page)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert seen == expected
    assert expected[:2] == [opened[1].number, opened[2].number]
    assert expected[-1] == opened[4].number


def test_portfolio_rows_carry_their_next_due_time_in_the_same_query(
    engineer, group, open_at, django_assert_num_queries
):
    ticket = open_at("2026-03-02 09:00Z", group, priority="urgent")
    claim_at("2026-03-02 09:05Z", engineer, ticket)
    clocks_refresh_stale(now=NOW)

    with django_assert_num_queries(1):
        page = portfolio_tickets(engineer)

    assert page.items[0].sla_due == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def test_queue_and_portfolio_rows_show_the_due_badge(client, engineer, group, open_at):
    queued = open_at("2026-03-02 09:00Z", group, priority="urgent", subject="Queued")
    held = open_at("2026-03-01 09:00Z", group, priority="urgent", subject="Held")
    claim_at("2026-03-01 09:05Z", engineer, held)
    clocks_refresh_stale(now=NOW)
    client.force_login(engineer)

    with time_machine.travel(NOW, tick=False):
        queue = client.get(reverse("queues:queue")).content.decode()
        portfolio = client.get(reverse("queues:portfolio")).content.decode()

    assert f'data-number="{queued.number}"' in queue and "due in 5 h" in queue
    assert "overdue by 19 h" in portfolio


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan")
def test_the_due_key_looks_up_each_tickets_clocks_by_index(engineer, group, open_at):
    open_at("2026-03-02 08:00Z", group)
    clocks_refresh_stale(now=NOW)
    due = next(k for k in queue_order() if k.alias == "queue_due")
    sql, params = Ticket.objects.annotate(due=due.expression).values("due").query.sql_with_params()
    with connection.cursor() as cursor:
        plan = " ".join(str(row[-1]) for row in cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "sla_slaclock" in plan and "USING INDEX" in plan
