"""The merged timeline: order, grouping of simultaneous changes, and what is left out."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tierdesk.tickets.selectors import ticket_events, ticket_messages
from tierdesk.tickets.services import (
    NewAttachment,
    ticket_attach,
    ticket_open,
    ticket_reply,
    ticket_update,
)
from tierdesk.web.timeline import build_timeline

T0 = dt.datetime(2025, 5, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def timeline_for(user, ticket):
    return build_timeline(ticket_messages(user, ticket), ticket_events(user, ticket))


def test_opening_comes_first_then_the_message_then_what_changed_with_a_reply(alice, agent):
    with time_machine.travel(T0, tick=False):
        ticket = ticket_open(actor=alice, subject="Export fails", body="CSV is empty")
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        ticket_reply(actor=agent, ticket=ticket, body="Fixed in 4.3", status="solved")
    entries = timeline_for(agent, ticket)
    shape = [("message" if e.is_message else [c.kind for c in e.changes]) for e in entries]
    # The reply's own "message" event is dropped: the message shows itself.
    assert shape == [["created"], "message", "message", ["first_response", "field"]]
    assert entries[-1].changes[1].to_label == "Solved"


def test_changes_made_together_share_one_entry_with_labels(alice, agent, group):
    with time_machine.travel(T0, tick=False):
        ticket = ticket_open(actor=alice, subject="Slow", body="Very slow")
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        ticket_update(
            actor=agent, ticket=ticket, changes={"priority": "urgent", "tier": 2, "group": group.pk}
        )
    last = timeline_for(agent, ticket)[-1]
    assert last.actor == agent
    assert [(c.field, c.from_label, c.to_label) for c in last.changes] == [
        ("priority", "Normal", "Urgent"),
        ("tier", "Tier 1 (front line)", "Tier 2 (back line)"),
        ("group", "", "Query engine"),
    ]


def test_a_file_attached_outside_a_message_is_its_own_entry_with_a_link(client, alice, agent):
    ticket = ticket_open(actor=alice, subject="Logs", body="Sending logs next")
    ticket_attach(
        actor=alice,
        ticket=ticket,
        attachments=[NewAttachment.from_upload(SimpleUploadedFile("app.log", b"boom"))],
    )
    attachment = ticket.attachments.get()
    last = timeline_for(agent, ticket)[-1]
    assert (last.changes[0].kind, last.changes[0].attachment_id) == ("attachment", attachment.pk)
    client.force_login(alice)
    body = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert (
        f'<a href="{reverse("portal:attachment", args=[attachment.pk])}" download>app.log</a>'
        in body
    )
