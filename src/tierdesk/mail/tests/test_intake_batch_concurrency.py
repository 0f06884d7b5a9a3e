"""Two workers draining the same waiting mail at once (worker processes, or machines, sharing a
PostgreSQL desk): each message is processed once, by one of them."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tierdesk.accounts.models import User
from tierdesk.mail.choices import InboundStatus
from tierdesk.mail.intake import inbound_process_pending, inbound_store
from tierdesk.mail.models import InboundMail, SupportAddress
from tierdesk.mail.tests.conftest import build_mail
from tierdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_workers_draining_at_once_process_each_message_once(acme, alice):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TIERDESK_TEST_POSTGRES) for real concurrent transactions")
    SupportAddress.objects.create(address="support@tierdesk.test", is_default=True)
    for n in range(40):
        sender = alice.email if n % 4 else f"new{n % 8}@acme.test"
        inbound_store(
            build_mail(sender=sender, subject=f"Request {n}", message_id=f"<r{n}@acme.test>"),
            source="smtp",
            recipients=["support@tierdesk.test"],
        )
    taken: list[int] = []
    failures: list[BaseException] = []
    barrier = threading.Barrier(2)

    def drain():
        try:
            barrier.wait()
            while done := inbound_process_pending(limit=15):
                taken.append(done)
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=drain) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert failures == []
    rows = InboundMail.objects.all()
    assert {(r.status, r.attempts) for r in rows} == {(InboundStatus.PROCESSED, 1)}
    assert sum(taken) == 40
    assert Ticket.objects.count() == 40
    assert User.objects.filter(email__startswith="new").count() == 2
