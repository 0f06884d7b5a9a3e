"""Quality reviewers in the console: they read and add internal notes; the page offers nothing
else, and what they try anyway is refused with a page that says why, never a server error."""

from __future__ import annotations

from django.urls import reverse

from tierdesk.tickets.models import Message, TicketEvent


def detail(ticket) -> str:
    return reverse("tickets:detail", args=[ticket.number])


def test_reviewer_page_offers_notes_only(client, reviewer, ticket):
    client.force_login(reviewer)
    response = client.get(detail(ticket))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="compose-note"' in body
    assert 'id="compose-reply"' not in body
    assert 'data-shortcut="claim"' not in body
    assert reverse("tickets:properties", args=[ticket.number]) not in body
    assert reverse("tickets:restrict", args=[ticket.number]) not in body
    # The properties are still there to read
    assert "Query engine" in body and 'id="prop_status"' not in body


def test_agent_page_offers_every_control(client, agent, ticket):
    client.force_login(agent)
    body = client.get(detail(ticket)).content.decode()
    assert 'id="compose-reply"' in body
    assert 'data-shortcut="claim"' in body
    assert 'id="prop_status"' in body


def test_reviewer_changing_properties_gets_the_403_page_with_the_reason(client, reviewer, ticket):
    client.force_login(reviewer)
    response = client.post(
        reverse("tickets:properties", args=[ticket.number]),
        {"priority": "urgent", "initial-priority": "normal"},
    )
    assert response.status_code == 403
    assert "Quality reviewers add internal notes" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.priority == "normal"


def test_reviewer_taking_a_ticket_is_refused_with_a_message(client, reviewer, ticket):
    client.force_login(reviewer)
    response = client.post(reverse("tickets:claim", args=[ticket.number]), follow=True)
    assert response.status_code == 200
    assert "Quality reviewers add internal notes" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_reviewer_restricting_a_ticket_is_refused_with_a_message(client, reviewer, ticket):
    client.force_login(reviewer)
    response = client.post(
        reverse("tickets:restrict", args=[ticket.number]), {"restricted": "true"}, follow=True
    )
    assert "Quality reviewers add internal notes" in response.content.decode()
    ticket.refresh_from_db()
    assert not ticket.restricted


def test_reviewer_reply_is_refused_in_place_with_the_text_kept(client, reviewer, ticket):
    client.force_login(reviewer)
    response = client.post(
        reverse("tickets:reply", args=[ticket.number]), {"body": "Nice answer!", "status": "open"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Quality reviewers add internal notes" in body
    assert "Nice answer!" in body
    assert not Message.objects.filter(ticket=ticket, author=reviewer).exists()


def test_reviewer_adds_an_internal_note(client, reviewer, ticket):
    client.force_login(reviewer)
    response = client.post(
        reverse("tickets:note", args=[ticket.number]), {"body": "Tone was good; cite the KB."}
    )
    assert response.status_code == 302
    note = Message.objects.get(ticket=ticket, author=reviewer)
    assert note.kind == "internal"
    assert TicketEvent.objects.filter(ticket=ticket, kind="note", actor=reviewer).exists()
