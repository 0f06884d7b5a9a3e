"""Several engineers taking the same chat at the same moment: exactly one wins, the others are
told who did, and the ticket records one assignment."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from conftest import make_person
from tierdesk.accounts.choices import Role, Tier
from tierdesk.chat.models import ChatSession
from tierdesk.chat.services import chat_take
from tierdesk.core.errors import Conflict

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_takes_have_exactly_one_winner(waiting_chat):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TIERDESK_TEST_POSTGRES) for real concurrent transactions")
    engineers = [
        make_person(f"engineer{n}", role=Role.AGENT, tier=Tier.FRONT_LINE) for n in range(5)
    ]
    # Each engineer holds their own copy, read while the chat waited, as five waiting pages would.
    copies = {person: ChatSession.objects.get(pk=waiting_chat.pk) for person in engineers}
    all_ready = threading.Barrier(len(engineers), timeout=10)
    won: list[str] = []
    refused: list[str] = []
    failures: list[BaseException] = []

    def take(person):
        try:
            all_ready.wait()
            chat_take(actor=person, chat=copies[person])
            won.append(person.username)
        except Conflict as conflict:
            refused.append(str(conflict))
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(person,)) for person in engineers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert len(won) == 1 and len(refused) == len(engineers) - 1
    chat = ChatSession.objects.select_related("taken_by", "ticket__assignee").get(
        pk=waiting_chat.pk
    )
    assert chat.taken_by.username == won[0]
    assert chat.ticket.assignee == chat.taken_by
    assert set(refused) == {f"{chat.taken_by.display_name} already took this chat."}
    assert chat.ticket.events.filter(kind="changed", field="assignee").count() == 1
