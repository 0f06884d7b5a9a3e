"""The chat pages: the waiting list and its figures, take (and the loser's 409), the chat page,
reply and end from forms and from the page's script, the try page, and the portal chat."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import make_person
from tierdesk.accounts.choices import Role, Tier
from tierdesk.chat.models import ChatSession
from tierdesk.chat.services import chat_end, chat_take
from tierdesk.chat.views import PORTAL_TOKENS
from tierdesk.tickets.models import Message


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def other_agent(db):
    return make_person("other", role=Role.AGENT, tier=Tier.FRONT_LINE)


def test_the_waiting_page_lists_chats_with_a_take_button_and_the_figures(waiting_chat, agent):
    response = signed_in(agent).get("/chat/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Waiting chats" in page
    assert "Dana Reyes" in page and "not verified" in page
    assert f'action="/chat/{waiting_chat.pk}/take/"' in page
    assert "Taken within 30 s (target 90%)" in page
    assert 'data-events="/chat/waiting/events"' in page


def test_the_waiting_page_takes_the_same_queries_for_one_chat_or_many(
    start, agent, django_assert_max_num_queries
):
    client = signed_in(agent)
    start(email="one@acme.test")
    client.get("/chat/")
    with django_assert_max_num_queries(40) as one:
        client.get("/chat/")
    for n in range(6):
        start(email=f"n{n}@acme.test")
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/chat/")


def test_customers_are_sent_to_the_portal(alice, waiting_chat):
    response = signed_in(alice).get("/chat/")

    assert response.status_code == 302


def test_the_nav_links_to_live_chat_for_agents(agent, reviewer):
    assert 'href="/chat/"' in signed_in(agent).get("/tickets/").content.decode()
    assert 'href="/chat/"' not in signed_in(reviewer).get("/tickets/").content.decode()


def test_taking_opens_the_chat(waiting_chat, agent):
    response = signed_in(agent).post(f"/chat/{waiting_chat.pk}/take/")

    assert response.status_code == 302
    assert response["Location"] == f"/chat/{waiting_chat.pk}/"
    assert ChatSession.objects.get(pk=waiting_chat.pk).taken_by == agent


def test_the_slower_taker_gets_409_with_the_holders_name(waiting_chat, agent, other_agent):
    chat_take(actor=agent, chat=waiting_chat)

    response = signed_in(other_agent).post(f"/chat/{waiting_chat.pk}/take/")

    assert response.status_code == 409
    assert "Agent already took this chat." in response.content.decode()


def test_the_chat_page_shows_the_lines_and_the_reply_box_to_its_holder(
    active_chat, agent, other_agent
):
    mine = signed_in(agent).get(f"/chat/{active_chat.pk}/").content.decode()
    theirs = signed_in(other_agent).get(f"/chat/{active_chat.pk}/").content.decode()

    assert "Our dashboard shows ERR_QUERY_TIMEOUT" in mine
    assert 'id="chat-reply"' in mine and "End chat and solve the ticket" in mine
    assert 'id="chat-reply"' not in theirs and "Agent holds this chat." in theirs
    assert f'data-events="/chat/{active_chat.pk}/events"' in mine


def test_a_waiting_chat_page_offers_take(waiting_chat, agent):
    page = signed_in(agent).get(f"/chat/{waiting_chat.pk}/").content.decode()

    assert "Take this chat" in page


def test_replying_from_the_pages_script_answers_the_line(active_chat, agent):
    response = signed_in(agent).post(
        f"/chat/{active_chat.pk}/reply/", {"body": "On it"}, headers={"Accept": "application/json"}
    )

    assert response.status_code == 201
    assert response.json()["text"] == "On it"
    assert Message.objects.filter(
        ticket=active_chat.ticket, body_text="On it", author=agent
    ).exists()


def test_a_refused_reply_from_the_script_is_json_naming_the_field(active_chat, agent):
    response = signed_in(agent).post(
        f"/chat/{active_chat.pk}/reply/", {"body": ""}, headers={"Accept": "application/json"}
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body"]


def test_replying_from_a_plain_form_comes_back_to_the_chat(active_chat, agent):
    response = signed_in(agent).post(f"/chat/{active_chat.pk}/reply/", {"body": "Plain form"})

    assert response.status_code == 302
    assert Message.objects.filter(body_text="Plain form").exists()


def test_replying_to_an_ended_chat_shows_why(active_chat, agent):
    chat_end(chat=active_chat, actor=agent)
    client = signed_in(agent)

    response = client.post(f"/chat/{active_chat.pk}/reply/", {"body": "late"}, follow=True)

    assert "This chat has ended; reply on its ticket instead." in response.content.decode()


def test_ending_and_solving_from_the_page(active_chat, agent):
    response = signed_in(agent).post(f"/chat/{active_chat.pk}/end/", {"solve": "1"})

    assert response.status_code == 302
    chat = ChatSession.objects.get(pk=active_chat.pk)
    assert (chat.status, chat.ticket.status) == ("ended", "solved")


def test_an_unknown_chat_page_is_404(agent):
    assert signed_in(agent).get("/chat/999/").status_code == 404


def test_the_try_page_shows_the_widget_and_the_tag(agent):
    page = signed_in(agent).get("/chat/try/").content.decode()

    assert 'src="http://testserver/chat/widget.js"' in page
    assert "&lt;script src=" in page


# --- portal ----------------------------------------------------------------------------------------


def test_a_customer_starts_a_chat_from_the_portal_and_sees_it_live(alice):
    client = signed_in(alice)

    started = client.post("/portal/chat/", {"message": "Please reset our SSO"})
    page = client.get("/portal/chat/").content.decode()

    assert started.status_code == 302
    chat = ChatSession.objects.get()
    assert (chat.customer, chat.origin, chat.verified) == (alice, "portal", True)
    token = client.session[PORTAL_TOKENS][str(chat.pk)]
    assert chat.token_matches(token)
    assert f'data-chat="{chat.pk}"' in page and f'data-token="{token}"' in page
    assert 'data-mount="#portal-chat"' in page


def test_an_empty_portal_message_is_refused_on_the_page(alice):
    response = signed_in(alice).post("/portal/chat/", {"message": "  "})

    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not ChatSession.objects.exists()


def test_the_chat_continued_in_another_browser_gets_a_new_secret(alice):
    signed_in(alice).post("/portal/chat/", {"message": "Hello"})
    old = ChatSession.objects.get()

    signed_in(alice).get("/portal/chat/")

    chat = ChatSession.objects.get()
    assert chat.token_hash != old.token_hash


def test_staff_are_sent_from_the_portal_chat_to_the_console(agent):
    assert signed_in(agent).get("/portal/chat/").status_code == 302


def test_the_portal_links_to_the_chat(alice):
    assert 'href="/portal/chat/"' in signed_in(alice).get("/portal/").content.decode()
