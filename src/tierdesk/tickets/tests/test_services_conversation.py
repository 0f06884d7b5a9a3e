"""Replies and notes: first response, status moves on reply, notes stay internal."""

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tierdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from tierdesk.tickets.services import (
    NewAttachment,
    ticket_add_note,
    ticket_attach,
    ticket_open,
    ticket_reply,
    ticket_update,
)


def upload(
    name: str, content: bytes = b"log line\n", content_type: str = "text/plain"
) -> NewAttachment:
    return NewAttachment(
        filename=name,
        content_type=content_type,
        file=SimpleUploadedFile(name, content, content_type),
    )


def test_first_staff_reply_is_the_first_response(alice, agent):
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        ticket = ticket_open(actor=alice, subject="Q", body="How do I join two tables?")
    with time_machine.travel("2026-03-02 09:42Z", tick=False):
        ticket_reply(actor=agent, ticket=ticket, body="Use JOIN ... ON")
    with time_machine.travel("2026-03-02 10:30Z", tick=False):
        ticket_reply(actor=agent, ticket=ticket, body="Anything else?")

    ticket.refresh_from_db()
    assert ticket.first_responded_at.isoformat() == "2026-03-02T09:42:00+00:00"
    assert ticket.status == "open"
    assert ticket.events.filter(field="first_responded_at").count() == 1


def test_internal_note_is_not_a_response(ticket, agent):
    ticket_add_note(actor=agent, ticket=ticket, body="Probably the 4.2 planner change")

    ticket.refresh_from_db()
    assert ticket.first_responded_at is None
    assert ticket.status == "new"
    assert ticket.events.filter(kind="note").count() == 1


def test_customer_cannot_add_internal_note(ticket, alice):
    with pytest.raises(PermissionDenied):
        ticket_add_note(actor=alice, ticket=ticket, body="secret")


def test_reviewer_notes_but_does_not_reply(ticket, reviewer):
    ticket_add_note(actor=reviewer, ticket=ticket, body="Good tone")
    with pytest.raises(PermissionDenied):
        ticket_reply(actor=reviewer, ticket=ticket, body="Hello customer")


def test_staff_reply_can_set_pending(ticket, agent):
    ticket_reply(actor=agent, ticket=ticket, body="Can you send the log?", status="pending")

    ticket.refresh_from_db()
    assert ticket.status == "pending"
    statuses = list(ticket.events.filter(field="status").values_list("from_value", "to_value"))
    assert statuses == [("new", "pending")]


def test_customer_reply_reopens_pending_ticket(ticket, agent, alice):
    ticket_reply(actor=agent, ticket=ticket, body="Log please", status="pending")
    ticket_reply(actor=alice, ticket=ticket, body="Attached")

    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_customer_reply_reopens_solved_ticket_and_clears_solved_time(ticket, agent, alice):
    ticket_reply(actor=agent, ticket=ticket, body="Fixed in 4.2.1", status="solved")
    ticket.refresh_from_db()
    assert ticket.solved_at is not None

    ticket_reply(actor=alice, ticket=ticket, body="Still failing")

    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert ticket.solved_at is None


def test_reply_to_closed_ticket_is_refused(ticket, agent, alice):
    ticket_update(actor=agent, ticket=ticket, changes={"status": "solved"})
    ticket_update(actor=agent, ticket=ticket, changes={"status": "closed"})

    with pytest.raises(ValidationFailed) as refused:
        ticket_reply(actor=alice, ticket=ticket, body="one more thing")
    assert "status" in refused.value.errors


def test_outsider_cannot_reply(ticket, oscar):
    with pytest.raises(NotFound):
        ticket_reply(actor=oscar, ticket=ticket, body="hello")


def test_reply_with_attachment_stores_file_and_event(ticket, agent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    message = ticket_reply(
        actor=agent,
        ticket=ticket,
        body="See the patch",
        attachments=[upload("fix.sql", b"select 1;")],
    )

    attachment = message.attachments.get()
    assert attachment.filename == "fix.sql"
    assert attachment.size == 9
    assert attachment.file.read() == b"select 1;"
    assert ticket.events.filter(kind="attachment", to_value="fix.sql").exists()


@override_settings(TIERDESK_ATTACHMENT_MAX_BYTES=10)
def test_oversized_and_executable_attachments_are_refused_with_reasons(
    ticket, alice, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationFailed) as refused:
        ticket_reply(
            actor=alice,
            ticket=ticket,
            body="files",
            attachments=[upload("big.log", b"x" * 11), upload("setup.exe", b"MZ")],
        )

    reason = refused.value.errors["attachments"][0]
    assert "big.log" in reason and "setup.exe" in reason
    assert ticket.messages.count() == 1


def test_attach_without_message(ticket, alice, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    stored = ticket_attach(
        actor=alice, ticket=ticket, attachments=[upload("screen.png", b"\x89PNG", "image/png")]
    )

    assert stored[0].message is None
    assert stored[0].content_type == "image/png"
