"""Housekeeping: autoclose of solved tickets, and files left behind by rolled-back writes."""

import datetime as dt
import os
import time

import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tierdesk.tickets.housekeeping import attachment_files_prune, tickets_autoclose
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_open, ticket_reply, ticket_update
from tierdesk.tickets.tests.test_services_conversation import upload


def test_autoclose_closes_tickets_solved_long_enough_ago(alice, agent, settings):
    settings.TIERDESK_AUTOCLOSE_DAYS = 4
    with time_machine.travel("2026-05-01 12:00Z", tick=False):
        old = ticket_open(actor=alice, subject="old", body="x")
        ticket_update(actor=agent, ticket=old, changes={"status": "solved"})
    with time_machine.travel("2026-05-04 12:00Z", tick=False):
        recent = ticket_open(actor=alice, subject="recent", body="x")
        ticket_update(actor=agent, ticket=recent, changes={"status": "solved"})

    closed = tickets_autoclose(now=dt.datetime(2026, 5, 6, 12, tzinfo=dt.UTC))
    again = tickets_autoclose(now=dt.datetime(2026, 5, 6, 12, tzinfo=dt.UTC))

    assert (closed, again) == (1, 0)
    assert Ticket.objects.get(pk=old.pk).status == "closed"
    assert Ticket.objects.get(pk=recent.pk).status == "solved"
    event = old.events.get(field="status", to_value="closed")
    assert event.actor is None


def age(path: str, days: int) -> None:
    moment = time.time() - days * 86400
    os.utime(default_storage.path(path), (moment, moment))


def test_prune_removes_only_old_files_no_attachment_names(ticket, agent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    kept = ticket_reply(actor=agent, ticket=ticket, body="log", attachments=[upload("app.log")])
    kept_path = kept.attachments.get().file.name
    orphan = default_storage.save(f"tickets/{ticket.number}/abc/left.log", ContentFile(b"x"))
    fresh = default_storage.save(f"tickets/{ticket.number}/def/in-flight.log", ContentFile(b"y"))
    for path in (kept_path, orphan):
        age(path, 3)

    removed = attachment_files_prune()

    assert removed == 1
    assert not default_storage.exists(orphan)
    assert default_storage.exists(kept_path)
    assert default_storage.exists(fresh)
