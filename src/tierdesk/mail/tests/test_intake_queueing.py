"""Storing mail queues a drain only when none is waiting to start: under load, thousands of
messages queue a handful of tasks, and none is left unprocessed."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import timezone
from huey.constants import EmptyData
from huey.contrib.djhuey import HUEY
from huey.storage import MemoryStorage

from tierdesk.mail import intake_tasks
from tierdesk.mail.choices import InboundStatus
from tierdesk.mail.intake import inbound_store
from tierdesk.mail.models import InboundMail

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(monkeypatch):
    """The drains queued, by the id they were queued for, and whether the mark was set first;
    the queue's storage is the process's memory."""
    monkeypatch.setattr(HUEY, "storage", MemoryStorage("mail-test"))
    queued: list[tuple[int, bool]] = []

    def record(inbound_id):
        marked = HUEY.storage.peek_data(intake_tasks.QUEUED_KEY) is not EmptyData
        queued.append((inbound_id, marked))

    monkeypatch.setattr(intake_tasks, "process_inbound", record)
    return queued


def start_drain():
    """What a queued drain does first when it starts."""
    HUEY.storage.pop_data(intake_tasks.QUEUED_KEY)


def test_mail_stored_while_a_drain_waits_queues_nothing_more(queue):
    assert intake_tasks.queue_processing(1) is True
    assert intake_tasks.queue_processing(2) is False
    assert intake_tasks.queue_processing(3) is False

    assert queue == [(1, True)]  # marked before it was queued


def test_mail_stored_once_the_drain_started_queues_another(queue):
    intake_tasks.queue_processing(1)
    start_drain()

    assert intake_tasks.queue_processing(2) is True
    assert [inbound_id for inbound_id, _marked in queue] == [1, 2]


def test_a_drain_lost_on_the_way_is_queued_again_once_its_mark_is_stale(queue):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        intake_tasks.queue_processing(1)
    with time_machine.travel(start.timestamp() + intake_tasks.QUEUED_FRESH_SECONDS - 1):
        assert intake_tasks.queue_processing(2) is False
    with time_machine.travel(start.timestamp() + intake_tasks.QUEUED_FRESH_SECONDS + 1):
        assert intake_tasks.queue_processing(3) is True


def test_a_queue_that_fails_leaves_no_mark_behind(monkeypatch, queue):
    def broken(inbound_id):
        raise ConnectionError("queue unavailable")

    monkeypatch.setattr(intake_tasks, "process_inbound", broken)
    with pytest.raises(ConnectionError):
        intake_tasks.queue_processing(1)
    monkeypatch.setattr(intake_tasks, "process_inbound", lambda inbound_id: None)

    assert intake_tasks.queue_processing(2) is True


def test_the_one_drain_processes_every_message_stored_while_it_waited(
    immediate_queue, django_capture_on_commit_callbacks, make_mail, support_address, alice
):
    # The first message's drain is queued but has not started when the others arrive.
    HUEY.storage.put_data(intake_tasks.QUEUED_KEY, repr(timezone.now().timestamp()).encode())
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            inbound_store(make_mail(sender=alice.email, subject=f"S{n}"), source="smtp")
    assert set(InboundMail.objects.values_list("status", flat=True)) == {InboundStatus.RECEIVED}

    intake_tasks.process_inbound(0)  # the drain starts

    assert set(InboundMail.objects.values_list("status", flat=True)) == {InboundStatus.PROCESSED}
    assert HUEY.storage.peek_data(intake_tasks.QUEUED_KEY) is EmptyData
