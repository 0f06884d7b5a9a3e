"""Opening tickets: validation, who may open for whom, the events recorded."""

import pytest

from tierdesk.core.errors import ValidationFailed
from tierdesk.tickets.models import Message, Ticket, TicketEvent
from tierdesk.tickets.services import ticket_open


def test_customer_opens_ticket_for_own_organization(alice, acme):
    ticket = ticket_open(actor=alice, subject="  Dashboards   are slow ", body="Since Monday.")

    assert ticket.organization == acme
    assert ticket.requester == alice
    assert ticket.subject == "Dashboards are slow"
    assert ticket.status == "new"
    assert ticket.tier == 1
    assert ticket.messages.get().body_html == "<p>Since Monday.</p>"


def test_open_records_created_and_first_message_events(alice):
    ticket = ticket_open(
        actor=alice, subject="Export fails", body="HTTP 503", tags=["Export", "export", "csv"]
    )

    events = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert events == ["created", "message"]
    created = ticket.events.get(kind="created")
    assert created.data["tags"] == ["export", "csv"]
    assert created.actor == alice


def test_every_invalid_field_is_named_and_nothing_is_stored(alice):
    with pytest.raises(ValidationFailed) as refused:
        ticket_open(
            actor=alice,
            subject="",
            body="  ",
            priority="critical",
            type="rant",
            tags=["ok", "no spaces!"],
        )

    assert set(refused.value.errors) == {"subject", "body", "priority", "type", "tags"}
    assert "critical" in refused.value.errors["priority"][0]
    assert Ticket.objects.count() == 0
    assert Message.objects.count() == 0


def test_customer_cannot_open_for_someone_else(alice, carol):
    with pytest.raises(ValidationFailed) as refused:
        ticket_open(actor=alice, subject="For Carol", body="x", requester=carol)

    assert "requester" in refused.value.errors


def test_staff_open_for_a_contact_takes_the_contacts_organization(agent, oscar, globex):
    ticket = ticket_open(
        actor=agent, subject="Call notes", body="Customer phoned", requester=oscar, channel="phone"
    )

    assert ticket.organization == globex
    assert ticket.language == "ja"
    assert ticket.channel == "phone"


def test_html_body_is_sanitised_and_text_extracted(alice):
    ticket = ticket_open(
        actor=alice,
        subject="HTML",
        body_html='<p onclick="x()">Hello<script>alert(1)</script> <b>world</b></p>',
    )

    message = ticket.messages.get()
    assert "script" not in message.body_html
    assert "onclick" not in message.body_html
    assert message.body_text == "Hello world"


def test_restricted_ticket_names_its_opener(agent, alice):
    ticket = ticket_open(
        actor=agent, subject="Security report", body="CVE", requester=alice, restricted=True
    )

    assert list(ticket.restricted_to.all()) == [agent]
