"""Closed tickets in the console: staff open a follow-up, and a reply refused because the ticket
closed meanwhile stays on screen with its text and reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tierdesk.tickets.models import Message, Ticket
from tierdesk.tickets.services import ticket_update


@pytest.fixture
def closed(agent, ticket):
    ticket_update(actor=agent, ticket=ticket, changes={"status": "solved"})
    ticket_update(actor=agent, ticket=ticket, changes={"status": "closed"})
    return ticket


def detail(ticket) -> str:
    return reverse("tickets:detail", args=[ticket.number])


def test_closed_ticket_offers_a_follow_up_instead_of_a_reply(client, agent, closed):
    client.force_login(agent)
    response = client.get(detail(closed))
    body = response.content.decode()
    assert 'id="compose-reply"' not in body
    assert 'id="compose-follow-up"' in body
    assert reverse("tickets:follow_up", args=[closed.number]) in body
    assert response.context["tab"] == "follow_up"


def test_open_ticket_offers_no_follow_up(client, agent, ticket):
    client.force_login(agent)
    body = client.get(detail(ticket)).content.decode()
    assert 'id="compose-reply"' in body
    assert 'id="compose-follow-up"' not in body


def test_follow_up_opens_a_linked_ticket_for_the_requester_and_lands_on_it(
    client, agent, alice, closed
):
    client.force_login(agent)
    # When the agent writes a follow-up on the closed ticket
    response = client.post(
        reverse("tickets:follow_up", args=[closed.number]),
        {"body": "The fix shipped in 4.3; does it work for you?"},
    )
    # Then a new ticket for the same requester holds the message, and the agent is sent there
    follow_up = Ticket.objects.exclude(pk=closed.pk).get()
    assert response.status_code == 302
    assert response["Location"] == detail(follow_up)
    assert follow_up.requester == alice and follow_up.subject == closed.subject
    assert follow_up.messages.get().body_text == "The fix shipped in 4.3; does it work for you?"
    # And each ticket's timeline links to the other
    page = client.get(detail(follow_up)).content.decode()
    assert f"Follow-up #{follow_up.number} opened for #{closed.number}." in page
    assert f'Follow-up of <a href="{detail(closed)}">#{closed.number}</a>' in page
    old = client.get(detail(closed)).content.decode()
    assert f'Continued in follow-up <a href="{detail(follow_up)}">#{follow_up.number}</a>' in old


def test_empty_follow_up_is_refused_in_place(client, agent, closed):
    client.force_login(agent)
    response = client.post(reverse("tickets:follow_up", args=[closed.number]), {"body": " "})
    assert response.status_code == 200
    assert "body" in response.context["follow_up_form"].errors
    assert response.context["tab"] == "follow_up"
    assert Ticket.objects.count() == 1


def test_follow_up_on_a_ticket_that_is_not_closed_is_refused_with_the_text_kept(
    client, agent, ticket
):
    client.force_login(agent)
    response = client.post(
        reverse("tickets:follow_up", args=[ticket.number]), {"body": "My follow-up text"}
    )
    assert response.status_code == 200
    assert response.context["follow_up_form"].errors
    assert Ticket.objects.count() == 1


def test_reply_to_a_ticket_closed_meanwhile_keeps_the_text_and_shows_why(client, agent, ticket):
    # Given the agent loaded an open ticket, which then closed (autoclose)
    ticket_update(actor=agent, ticket=ticket, changes={"status": "solved"})
    client.force_login(agent)
    client.get(detail(ticket))
    ticket_update(actor=agent, ticket=ticket, changes={"status": "closed"})
    # When the reply is sent
    response = client.post(
        reverse("tickets:reply", args=[ticket.number]),
        {"body": "A long answer I do not want to type twice", "status": "open"},
    )
    # Then nothing is stored, the reply form is on screen with the reason and the text
    assert response.status_code == 200
    assert not Message.objects.filter(ticket=ticket, author=agent).exists()
    body = response.content.decode()
    assert 'id="compose-reply"' in body
    assert response.context["reply_form"].errors
    assert "This ticket is closed" in body
    # And the same text is ready in the follow-up form
    assert response.context["follow_up_form"]["body"].value() == (
        "A long answer I do not want to type twice"
    )
    assert body.count("A long answer I do not want to type twice") == 2


def test_reviewer_gets_no_follow_up_form_and_cannot_open_one(client, reviewer, closed):
    client.force_login(reviewer)
    body = client.get(detail(closed)).content.decode()
    assert 'id="compose-follow-up"' not in body
    response = client.post(reverse("tickets:follow_up", args=[closed.number]), {"body": "Hi"})
    assert response.status_code == 200
    assert response.context["follow_up_form"].non_field_errors()
    assert "they do not reply to customers" in response.content.decode()
    assert Ticket.objects.count() == 1
