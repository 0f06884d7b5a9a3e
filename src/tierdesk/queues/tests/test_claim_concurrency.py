"""Two engineers claiming the same ticket at the same moment: exactly one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tierdesk.core.errors import Conflict
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_claim

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_simultaneous_claims_have_exactly_one_winner(engineer, teammate, group, open_at):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TIERDESK_TEST_POSTGRES) for real concurrent transactions")
    ticket = open_at("2026-03-01 08:00Z", group)
    # Each engineer holds their own copy, read while nobody held it, as two queue pages would.
    copies = {
        engineer: Ticket.objects.get(pk=ticket.pk),
        teammate: Ticket.objects.get(pk=ticket.pk),
    }
    both_ready = threading.Barrier(2, timeout=10)
    won: list[str] = []
    refused: list[Conflict] = []
    failures: list[BaseException] = []

    def claim(person):
        try:
            # Each thread has its own database connection, so the two transactions overlap.
            both_ready.wait()
            ticket_claim(actor=person, ticket=copies[person])
            won.append(person.username)
        except Conflict as conflict:
            refused.append(conflict)
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(person,)) for person in copies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert len(won) == 1 and len(refused) == 1
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.assignee.username == won[0]
    winner_name = stored.assignee.display_name
    assert str(refused[0]) == f"{winner_name} already holds this ticket."
    # One assignment recorded, not two overwriting each other.
    assert stored.events.filter(kind="changed", field="assignee").count() == 1
