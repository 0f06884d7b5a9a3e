"""Database errors while processing mail: the message waits in "received" and the sweep runs
it again; it is quarantined only after TRANSIENT_ATTEMPTS. A quarantine decided late never
overturns what another worker did with the message meanwhile."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError

from tierdesk.mail import intake
from tierdesk.mail.choices import InboundReason, InboundStatus
from tierdesk.mail.intake import (
    inbound_process,
    inbound_process_pending,
    inbound_process_stale,
    inbound_store,
)
from tierdesk.mail.models import InboundMail
from tierdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(make_mail, support_address, alice) -> InboundMail:
    return inbound_store(make_mail(sender=alice.email), source="smtp")


@pytest.fixture
def locked_database(monkeypatch):
    def fail(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(intake, "_execute", fail)
    return monkeypatch


def test_a_database_error_leaves_the_message_waiting_with_one_attempt_more(stored, locked_database):
    row = inbound_process(stored.pk)

    stored.refresh_from_db()
    assert (row.status, stored.status) == (InboundStatus.RECEIVED, InboundStatus.RECEIVED)
    assert stored.attempts == 1 and stored.reason_code == ""
    # Not taken again at once by the draining worker: the sweep's, a minute later.
    assert inbound_process_pending() == 0
    assert inbound_process_stale() == 1
    stored.refresh_from_db()
    assert (stored.status, stored.attempts) == (InboundStatus.RECEIVED, 2)


def test_the_sweep_processes_the_message_once_the_database_recovers(stored, locked_database):
    inbound_process(stored.pk)
    locked_database.undo()

    assert inbound_process_stale() == 1

    stored.refresh_from_db()
    assert stored.status == InboundStatus.PROCESSED and stored.ticket_id is not None
    assert Ticket.objects.count() == 1


def test_after_so_many_database_errors_the_message_is_quarantined(stored, locked_database):
    inbound_process(stored.pk)
    for _attempt in range(intake.TRANSIENT_ATTEMPTS - 2):
        assert inbound_process_stale() == 1
    stored.refresh_from_db()
    assert stored.status == InboundStatus.RECEIVED

    inbound_process_stale()

    stored.refresh_from_db()
    assert stored.status == InboundStatus.QUARANTINED
    assert stored.reason_code == InboundReason.ERROR
    assert "database is locked" in stored.reason
    assert f"{intake.TRANSIENT_ATTEMPTS} attempts" in stored.reason
    assert stored.attempts == intake.TRANSIENT_ATTEMPTS
    assert inbound_process_stale() == 0


def test_a_database_error_in_a_batch_leaves_the_message_waiting(
    make_mail, support_address, alice, monkeypatch
):
    ok = inbound_store(make_mail(sender=alice.email, subject="Fine"), source="smtp")
    bad = inbound_store(make_mail(sender=alice.email, subject="Unlucky"), source="smtp")
    execute = intake._execute

    def flaky(inbound, *args, **kwargs):
        if inbound.pk == bad.pk:
            raise InterfaceError("connection already closed")
        return execute(inbound, *args, **kwargs)

    monkeypatch.setattr(intake, "_execute", flaky)

    assert inbound_process_pending() == 1

    ok.refresh_from_db()
    bad.refresh_from_db()
    assert ok.status == InboundStatus.PROCESSED
    assert (bad.status, bad.attempts, bad.reason) == (InboundStatus.RECEIVED, 1, "")


def test_a_late_quarantine_leaves_a_message_another_worker_processed(stored, monkeypatch):
    plan = intake._plan

    def raced(inbound, *args, **kwargs):
        # Another worker processes the message while this one is still deciding; then this
        # one fails.
        result = plan(inbound, *args, **kwargs)
        InboundMail.objects.filter(pk=inbound.pk).update(status=InboundStatus.PROCESSED)
        del result
        raise RuntimeError("parser bug")

    monkeypatch.setattr(intake, "_plan", raced)

    inbound_process(stored.pk)

    stored.refresh_from_db()
    assert stored.status == InboundStatus.PROCESSED
    assert stored.reason_code == ""
