"""Concurrent writers on one ticket: the row lock keeps every change and every event."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_reply, ticket_update

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*actions) -> list[BaseException]:
    barrier = threading.Barrier(len(actions))
    failures: list[BaseException] = []

    def run(action):
        try:
            barrier.wait()
            action()
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return failures


def test_concurrent_changes_to_one_ticket_are_all_kept(ticket, agent, backline):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TIERDESK_TEST_POSTGRES) for real concurrent transactions")

    # Each writer holds its own copy, read before any of them writes, as separate requests would.
    first, second, third = (Ticket.objects.get(pk=ticket.pk) for _ in range(3))

    failures = run_together(
        lambda: ticket_update(actor=agent, ticket=first, changes={"priority": "urgent"}),
        lambda: ticket_update(actor=backline, ticket=second, changes={"tags": ["outage"]}),
        lambda: ticket_reply(actor=agent, ticket=third, body="We are on it", status="open"),
    )

    assert failures == []
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.priority, stored.tags, stored.status) == ("urgent", ["outage"], "open")
    assert stored.first_responded_at is not None
    fields = sorted(stored.events.filter(kind="changed").values_list("field", flat=True))
    assert fields == ["first_responded_at", "priority", "status", "tags"]
