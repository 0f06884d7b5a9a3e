"""What a chat's secret opens, and for how long: only the chat's own lines (public, channel chat,
written between its start and its end), nothing once the chat ended more than a short while
ago (410), a typed address that belongs to an existing customer flagged for the support team,
and event streams opened with a one-time stream ticket instead of the secret in the address."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from tierdesk.chat import selectors
from tierdesk.chat.models import ChatSession, ChatStreamTicket
from tierdesk.chat.services import (
    STREAM_TICKET_SECONDS,
    UNVERIFIED_TAG,
    chat_end,
    chat_reply,
    chat_start_customer,
    chats_end_left,
)
from tierdesk.chat.tests.conftest import SITE_ORIGIN, read_stream
from tierdesk.tickets.services import ticket_add_note, ticket_reply

SESSIONS = "/chat/widget/sessions"


def detail(client, chat, token=None):
    return client.get(f"{SESSIONS}/{chat.pk}", headers={"X-Chat-Token": token or chat.token})


def post(client, path, body, token):
    return client.post(
        path, json.dumps(body), content_type="application/json", headers={"X-Chat-Token": token}
    )


def stream_ticket(client, chat, token=None):
    return post(client, f"{SESSIONS}/{chat.pk}/stream-ticket", {}, token or chat.token)


def stream_texts(response) -> list[str]:
    return [data["text"] for name, data in read_stream(response) if name == "line"]


# --- only the chat's own lines -------------------------------------------------------------------


def test_the_widget_and_stream_carry_only_the_chats_own_lines(
    active_chat, agent, site_client, site
):
    # Given a chat with a line from the engineer, and meanwhile an email exchange on its ticket
    chat_reply(actor=agent, chat=active_chat, body="Which region?")
    ticket_reply(
        actor=agent, ticket=active_chat.ticket, body="EMAIL: your invoice", channel="email"
    )
    ticket_reply(
        actor=active_chat.customer,
        ticket=active_chat.ticket,
        body="EMAIL: my card ends 4242",
        channel="email",
    )
    ticket_add_note(actor=agent, ticket=active_chat.ticket, body="NOTE: check the plan")

    # When the widget reads the chat, then its stream
    read = detail(site_client, active_chat).json()

    # Then it gets the chat's lines only, and so does the stream
    expected = ["Our dashboard shows ERR_QUERY_TIMEOUT since this morning", "Which region?"]
    assert [line["text"] for line in read["lines"]] == expected
    ticket = stream_ticket(site_client, active_chat).json()["ticket"]
    streamed = stream_texts(
        site_client.get(f"/chat/sessions/{active_chat.pk}/events", {"ticket": ticket})
    )
    assert streamed == expected


def test_lines_written_after_the_chat_ended_are_not_the_chats(
    active_chat, agent, site_client, site
):
    # Given a chat that ended
    chat_reply(actor=agent, chat=active_chat, body="Try again now")
    ended = chat_end(chat=active_chat, actor=agent)
    # When the ticket goes on afterwards, by email and even with channel chat
    with time_machine.travel(ended.ended_at + timedelta(minutes=2), tick=False):
        ticket_reply(actor=agent, ticket=active_chat.ticket, body="LATER: follow-up by email")
        ticket_reply(
            actor=agent, ticket=active_chat.ticket, body="LATER: chat-channel reply", channel="chat"
        )
        ticket_reply(actor=active_chat.customer, ticket=active_chat.ticket, body="LATER: thanks")
        # Then, within the grace period, the widget still shows only the chat's own lines
        read = detail(site_client, active_chat)
        header = {"X-Chat-Token": active_chat.token}
        streamed = stream_texts(
            site_client.get(f"/chat/sessions/{active_chat.pk}/events", headers=header)
        )

    assert read.status_code == 200
    texts = [line["text"] for line in read.json()["lines"]]
    assert texts == ["Our dashboard shows ERR_QUERY_TIMEOUT since this morning", "Try again now"]
    assert streamed == texts


def test_staff_still_read_the_whole_ticket_on_the_chat_page(active_chat, agent):
    ticket_reply(
        actor=agent, ticket=active_chat.ticket, body="EMAIL: sent by email", channel="email"
    )
    ticket_add_note(actor=agent, ticket=active_chat.ticket, body="NOTE: internal")

    texts = [m.body_text for m in selectors.chat_lines(active_chat, internal=True)]

    assert "EMAIL: sent by email" in texts and "NOTE: internal" in texts


# --- gone after the grace period -----------------------------------------------------------------


def test_within_the_grace_period_an_ended_chat_still_answers(active_chat, agent, site_client, site):
    ended = chat_end(chat=active_chat, actor=agent)

    with time_machine.travel(
        ended.ended_at + timedelta(seconds=selectors.ENDED_GRACE_SECONDS - 5), tick=False
    ):
        response = detail(site_client, active_chat)

    assert response.status_code == 200
    assert response.json()["status"] == "ended"


def test_after_the_grace_period_every_widget_endpoint_and_the_stream_answer_410(
    active_chat, agent, site_client, site
):
    ended = chat_end(chat=active_chat, actor=agent)
    token = active_chat.token
    base = f"{SESSIONS}/{active_chat.pk}"

    with time_machine.travel(
        ended.ended_at + timedelta(seconds=selectors.ENDED_GRACE_SECONDS + 1), tick=False
    ):
        answers = {
            "detail": detail(site_client, active_chat),
            "line": post(site_client, f"{base}/messages", {"body": "hello?"}, token),
            "end": post(site_client, f"{base}/end", {}, token),
            "stream-ticket": stream_ticket(site_client, active_chat),
            "events": site_client.get(
                f"/chat/sessions/{active_chat.pk}/events", headers={"X-Chat-Token": token}
            ),
        }

    for name, response in answers.items():
        assert response.status_code == 410, name
        body = response.json()
        assert body["detail"] == "This chat has ended.", name
        assert [e["field"] for e in body["errors"]] == ["chat"], name
        assert response["Access-Control-Allow-Origin"] == SITE_ORIGIN, name


def test_a_wrong_secret_is_still_403_after_the_chat_is_gone(active_chat, agent, site_client, site):
    ended = chat_end(chat=active_chat, actor=agent)

    with time_machine.travel(ended.ended_at + timedelta(hours=1), tick=False):
        response = detail(site_client, active_chat, token="tdc_guess")

    assert response.status_code == 403


def test_a_stream_ticket_issued_in_the_grace_period_opens_nothing_after_it(
    active_chat, agent, site_client, site
):
    ended = chat_end(chat=active_chat, actor=agent)
    late = ended.ended_at + timedelta(seconds=selectors.ENDED_GRACE_SECONDS - 10)
    with time_machine.travel(late, tick=False):
        ticket = stream_ticket(site_client, active_chat).json()["ticket"]
    with time_machine.travel(late + timedelta(seconds=20), tick=False):
        response = site_client.get(f"/chat/sessions/{active_chat.pk}/events", {"ticket": ticket})

    assert response.status_code == 410


def test_the_widget_knows_the_words_for_a_chat_that_is_gone(site, site_client):
    strings = site_client.get("/chat/widget/config?lang=en").json()["strings"]

    assert strings["gone"] == "This chat has ended."


# --- a typed address of an existing customer -------------------------------------------------------


def test_a_visitor_typing_an_existing_customers_address_gets_a_flagged_unverified_chat(
    start, alice, site, site_client
):
    response = site_client.post(
        SESSIONS,
        json.dumps({"name": "Mallory", "email": alice.email, "message": "Send me my invoices"}),
        content_type="application/json",
    )

    assert response.status_code == 201
    chat = ChatSession.objects.get(pk=response.json()["id"])
    assert chat.customer == alice
    assert (chat.verified, chat.existing_contact) == (False, True)
    assert UNVERIFIED_TAG == "unverified-chat"
    assert chat.ticket.tags == ["unverified-chat"]
    # The answer tells the visitor nothing about whose address it was
    assert "unverified" not in response.content.decode()
    assert "existing" not in response.content.decode()


def test_a_new_contact_from_the_widget_is_unverified_but_not_flagged(start, acme):
    chat, _ = start(name="Bob", email="bob@acme.test")

    assert (chat.verified, chat.existing_contact) == (False, False)
    assert chat.ticket.tags == []


def test_a_second_chat_from_the_same_typed_address_is_flagged(start, acme):
    first, _ = start(name="Bob", email="bob@acme.test")
    second, _ = start(name="Bob", email="bob@acme.test")

    assert (first.existing_contact, second.existing_contact) == (False, True)
    assert second.ticket.tags == ["unverified-chat"]


def test_a_signed_in_customers_chat_is_verified_and_not_flagged(alice):
    chat = chat_start_customer(actor=alice, message="Help with SSO").chat

    assert (chat.verified, chat.existing_contact) == (True, False)
    assert chat.ticket.tags == []


def test_the_console_warns_about_an_existing_customers_address(start, alice, agent):
    chat, _ = start(email=alice.email)
    client = Client()
    client.force_login(agent)

    waiting = client.get("/chat/").content.decode()
    page = client.get(f"/chat/{chat.pk}/").content.decode()

    assert "address of an existing customer" in waiting
    assert "address of an existing customer" in page


def test_the_api_says_whether_the_address_was_an_existing_customers(start, alice, agent):
    from tierdesk.core.tests.api_support import API, client_for

    chat, _ = start(email=alice.email)

    item = client_for(agent).get(f"{API}/chats/{chat.pk}").json()

    assert (item["verified"], item["existing_contact"]) == (False, True)


# --- one-time stream tickets -----------------------------------------------------------------------


def test_a_stream_ticket_opens_one_stream_once(active_chat, agent, site_client, site):
    chat_reply(actor=agent, chat=active_chat, body="Hello")

    issued = stream_ticket(site_client, active_chat)
    body = issued.json()
    first = site_client.get(f"/chat/sessions/{active_chat.pk}/events", {"ticket": body["ticket"]})
    again = site_client.get(f"/chat/sessions/{active_chat.pk}/events", {"ticket": body["ticket"]})

    assert issued.status_code == 201
    assert issued["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert body["expires_in"] == STREAM_TICKET_SECONDS == 60
    assert body["ticket"].startswith("tds_") and active_chat.token not in body["events_url"]
    assert body["events_url"] == f"/chat/sessions/{active_chat.pk}/events?ticket={body['ticket']}"
    assert first.status_code == 200
    assert "Hello" in stream_texts(first)
    assert again.status_code == 403
    assert [e["field"] for e in again.json()["errors"]] == ["ticket"]
    # Only a hash is kept, and a used ticket is gone
    assert not ChatStreamTicket.objects.exists()


def test_a_stream_ticket_expires_after_a_minute(active_chat, site_client, site):
    ticket = stream_ticket(site_client, active_chat).json()["ticket"]

    with time_machine.travel(timedelta(seconds=STREAM_TICKET_SECONDS + 1)):
        response = site_client.get(f"/chat/sessions/{active_chat.pk}/events", {"ticket": ticket})

    assert response.status_code == 403


def test_a_stream_ticket_opens_only_its_own_chat(active_chat, start, site_client, site):
    other, _token = start(email="other@acme.test")
    ticket = stream_ticket(site_client, active_chat).json()["ticket"]

    response = site_client.get(f"/chat/sessions/{other.pk}/events", {"ticket": ticket})

    assert response.status_code == 403


def test_the_chats_secret_in_the_stream_address_no_longer_opens_it(active_chat, site_client, site):
    response = site_client.get(
        f"/chat/sessions/{active_chat.pk}/events", {"token": active_chat.token}
    )

    assert response.status_code == 403


def test_a_stream_ticket_needs_the_chats_secret(active_chat, site_client, site):
    assert stream_ticket(site_client, active_chat, token="tdc_guess").status_code == 403
    assert not ChatStreamTicket.objects.exists()


def test_a_chat_keeps_a_few_stream_tickets_and_the_sweep_drops_expired_ones(
    active_chat, site_client, site
):
    from tierdesk.chat.services import STREAM_TICKETS_PER_CHAT

    tickets = [
        stream_ticket(site_client, active_chat).json()["ticket"]
        for _ in range(STREAM_TICKETS_PER_CHAT + 3)
    ]

    assert ChatStreamTicket.objects.count() == STREAM_TICKETS_PER_CHAT
    # The newest still work; the oldest were dropped
    newest = site_client.get(f"/chat/sessions/{active_chat.pk}/events", {"ticket": tickets[-1]})
    oldest = site_client.get(f"/chat/sessions/{active_chat.pk}/events", {"ticket": tickets[0]})
    assert (newest.status_code, oldest.status_code) == (200, 403)
    read_stream(newest)
    with time_machine.travel(timedelta(seconds=STREAM_TICKET_SECONDS + 1)):
        chats_end_left()
    assert not ChatStreamTicket.objects.exists()


@pytest.mark.parametrize("method", ["get", "put"])
def test_the_stream_ticket_endpoint_takes_post_only(active_chat, site_client, site, method):
    response = getattr(site_client, method)(
        f"{SESSIONS}/{active_chat.pk}/stream-ticket", headers={"X-Chat-Token": active_chat.token}
    )

    assert response.status_code == 405
