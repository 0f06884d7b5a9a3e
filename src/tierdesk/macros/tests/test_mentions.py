"""@mentions in internal notes: only staff who can read the ticket are notified, never
customers, never from a public reply; the email goes out once; marking read."""

from __future__ import annotations

import pytest
from django.core import mail

from tierdesk.core.errors import PermissionDenied
from tierdesk.macros.mentions import (
    mention_email_send,
    mentioned_usernames,
    notification_read,
    notifications_read_all,
)
from tierdesk.macros.models import Notification
from tierdesk.macros.selectors import notifications_for, unread_notification_count
from tierdesk.tickets.services import ticket_add_note, ticket_reply, ticket_update

pytestmark = pytest.mark.django_db


def test_usernames_are_read_from_mentions_not_from_email_addresses():
    text = "Ask @m.orlov. and @Liam, cc alice@acme.test; @liam again; (@backline)"

    assert mentioned_usernames(text) == ["m.orlov", "liam", "backline"]


def test_a_note_notifies_the_staff_it_mentions(engineer, teammate, backline, ticket):
    note = ticket_add_note(actor=engineer, ticket=ticket, body="@liam @BackLine can you look?")

    notified = Notification.objects.filter(message=note).order_by("person__username")
    assert [(n.person, n.actor, n.ticket_id, n.kind) for n in notified] == [
        (backline, engineer, ticket.pk, "mention"),
        (teammate, engineer, ticket.pk, "mention"),
    ]


def test_customers_the_author_and_unknown_names_are_never_notified(engineer, alice, ticket):
    ticket_add_note(actor=engineer, ticket=ticket, body="@alice @emma @nobody see above")

    assert not Notification.objects.exists()


def test_public_replies_notify_no_one(engineer, teammate, ticket):
    ticket_reply(actor=engineer, ticket=ticket, body="My colleague @liam will follow up.")

    assert not Notification.objects.exists()


def test_on_a_restricted_ticket_only_its_readers_are_notified_and_the_note_saves(
    engineer, teammate, backline, ticket
):
    ticket_update(actor=engineer, ticket=ticket, changes={"restricted": True})

    note = ticket_add_note(actor=engineer, ticket=ticket, body="@liam @backline thoughts?")

    assert note.pk is not None
    assert not Notification.objects.exists()
    ticket.restricted_to.add(teammate)
    ticket_add_note(actor=engineer, ticket=ticket, body="@liam @backline now?")
    assert [n.person for n in Notification.objects.all()] == [teammate]


def test_the_email_is_sent_once_in_the_persons_language(engineer, teammate, ticket, settings):
    settings.TIERDESK_PUBLIC_URL = "https://help.acme.test/"
    teammate.language = "en"
    teammate.save()
    ticket_add_note(actor=engineer, ticket=ticket, body="@liam the customer is waiting")
    notification = Notification.objects.get()

    assert mention_email_send(notification.pk) is True
    assert mention_email_send(notification.pk) is False

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["liam@example.test"]
    assert f"#{ticket.pk}" in sent.subject
    assert "the customer is waiting" in sent.body
    assert f"https://help.acme.test/tickets/{ticket.pk}/" in sent.body


def test_the_email_is_queued_after_commit(
    engineer, teammate, ticket, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr("tierdesk.macros.mentions._queue_emails", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        ticket_add_note(actor=engineer, ticket=ticket, body="@liam look")

    assert queued == [[Notification.objects.get().pk]]


def test_notifications_list_unread_first_and_are_marked_read(engineer, teammate, ticket):
    first = ticket_add_note(actor=engineer, ticket=ticket, body="@liam one")
    ticket_add_note(actor=engineer, ticket=ticket, body="@liam two")
    older = Notification.objects.get(message=first)
    newer = Notification.objects.exclude(pk=older.pk).get()

    notification_read(actor=teammate, notification=newer)
    assert notifications_for(teammate) == [older, newer]
    assert unread_notification_count(teammate) == 1

    with pytest.raises(PermissionDenied):
        notification_read(actor=engineer, notification=older)
    assert notifications_read_all(actor=teammate) == 1
    assert unread_notification_count(teammate) == 0
