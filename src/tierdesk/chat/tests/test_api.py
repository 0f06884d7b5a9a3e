"""The chat API for the support team: list, take (one winner, 409 naming the holder), lines,
send, end, the figures; customers are refused; the list's query count stays flat."""

from __future__ import annotations

from conftest import make_person
from tierdesk.accounts.choices import Role, Tier
from tierdesk.chat.models import ChatSession
from tierdesk.chat.services import chat_reply, chat_take
from tierdesk.core.tests.api_support import API, client_for, fields
from tierdesk.tickets.models import Message
from tierdesk.tickets.services import ticket_add_note


def post(client, path, body=None):
    return client.post(path, body or {}, content_type="application/json")


def test_waiting_chats_are_listed_oldest_first_with_their_customer(start, agent):
    first, _ = start(email="first@acme.test")
    second, _ = start(email="second@acme.test")

    response = client_for(agent).get(f"{API}/chats?status=waiting")

    assert response.status_code == 200
    body = response.json()
    assert [c["id"] for c in body] == [first.pk, second.pk]
    item = body[0]
    assert item["ticket"] == first.ticket_id
    assert item["status"] == "waiting"
    assert item["customer"]["username"] == "first@acme.test"
    assert item["organization"]["name"] == "Acme Analytics"
    assert (item["verified"], item["origin"], item["taken_by"], item["wait_seconds"]) == (
        False,
        "widget",
        None,
        None,
    )


def test_the_list_takes_the_same_queries_for_one_chat_or_many(
    start, agent, django_assert_max_num_queries
):
    client = client_for(agent)
    start(email="one@acme.test")
    with django_assert_max_num_queries(6) as one:
        client.get(f"{API}/chats")
    for n in range(8):
        start(email=f"n{n}@acme.test")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(f"{API}/chats")
    assert len(response.json()) == 9


def test_an_unknown_status_is_422_naming_it(agent):
    response = client_for(agent).get(f"{API}/chats?status=lost")

    assert response.status_code == 422
    assert fields(response) == {"status"}


def test_taking_answers_the_chat_now_yours(waiting_chat, agent):
    response = post(client_for(agent), f"{API}/chats/{waiting_chat.pk}/take")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["taken_by"]["username"]) == ("active", "agent")
    assert body["wait_seconds"] is not None


def test_the_second_taker_gets_409_naming_the_holder(waiting_chat, agent):
    other = make_person("other", role=Role.AGENT, tier=Tier.FRONT_LINE)
    post(client_for(agent), f"{API}/chats/{waiting_chat.pk}/take")

    response = post(client_for(other), f"{API}/chats/{waiting_chat.pk}/take")

    assert response.status_code == 409
    assert "Agent already took this chat" in response.json()["detail"]


def test_a_reviewer_taking_is_403(waiting_chat, reviewer):
    assert post(client_for(reviewer), f"{API}/chats/{waiting_chat.pk}/take").status_code == 403


def test_customers_are_refused_and_unknown_chats_are_404(waiting_chat, alice, agent):
    assert client_for(alice).get(f"{API}/chats").status_code == 403
    assert post(client_for(alice), f"{API}/chats/{waiting_chat.pk}/take").status_code == 403
    assert client_for(agent).get(f"{API}/chats/{waiting_chat.pk + 99}").status_code == 404


def test_sending_a_line_answers_201_and_the_customer_gets_a_public_chat_reply(active_chat, agent):
    response = post(
        client_for(agent), f"{API}/chats/{active_chat.pk}/messages", {"body": "Try again now"}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["side"], body["body"], body["internal"]) == ("agent", "Try again now", False)
    message = Message.objects.get(pk=body["id"])
    assert (message.kind, message.channel, message.ticket_id) == (
        "public",
        "chat",
        active_chat.ticket_id,
    )


def test_an_empty_missing_or_unexpected_field_is_422_naming_it(active_chat, agent):
    client = client_for(agent)

    empty = post(client, f"{API}/chats/{active_chat.pk}/messages", {"body": ""})
    missing = post(client, f"{API}/chats/{active_chat.pk}/messages", {})
    unknown_field = post(client, f"{API}/chats/{active_chat.pk}/messages", {"body": "x", "html": 1})

    assert (empty.status_code, fields(empty)) == (422, {"body"})
    assert (missing.status_code, fields(missing)) == (422, {"body"})
    assert (unknown_field.status_code, fields(unknown_field)) == (422, {"html"})
    assert Message.objects.filter(ticket=active_chat.ticket).count() == 1


def test_a_line_before_taking_is_409(start, agent):
    chat, _ = start(email="w@acme.test")

    response = post(client_for(agent), f"{API}/chats/{chat.pk}/messages", {"body": "hi"})

    assert response.status_code == 409


def test_a_line_to_an_ended_chat_is_409(active_chat, agent):
    client = client_for(agent)
    post(client, f"{API}/chats/{active_chat.pk}/end")

    response = post(client, f"{API}/chats/{active_chat.pk}/messages", {"body": "hi"})

    assert response.status_code == 409
    assert "ended" in response.json()["detail"]


def test_lines_include_notes_for_staff_after_an_id(active_chat, agent):
    ticket_add_note(actor=agent, ticket=active_chat.ticket, body="internal")
    reply = chat_reply(actor=agent, chat=active_chat, body="public")
    client = client_for(agent)

    every = client.get(f"{API}/chats/{active_chat.pk}/messages").json()
    later = client.get(f"{API}/chats/{active_chat.pk}/messages?after={reply.pk - 1}").json()

    assert [(line["body"], line["internal"]) for line in every][1:] == [
        ("internal", True),
        ("public", False),
    ]
    assert [line["body"] for line in later] == ["public"]
    too_far = client.get(f"{API}/chats/{active_chat.pk}/messages?after={2**64}")
    assert too_far.status_code == 422


def test_ending_with_solve_solves_the_ticket(active_chat, agent):
    response = post(client_for(agent), f"{API}/chats/{active_chat.pk}/end", {"solve": True})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["end_reason"]) == ("ended", "agent")
    assert ChatSession.objects.get(pk=active_chat.pk).ticket.status == "solved"


def test_ending_someone_elses_chat_is_403(active_chat):
    other = make_person("other", role=Role.AGENT, tier=Tier.FRONT_LINE)

    response = post(client_for(other), f"{API}/chats/{active_chat.pk}/end")

    assert response.status_code == 403


def test_the_figures_count_todays_chats(start, agent):
    chat, _ = start()
    chat_take(actor=agent, chat=chat)

    response = client_for(agent).get(f"{API}/chats/figures")

    body = response.json()
    assert response.status_code == 200
    assert (body["target_seconds"], body["target_percent"]) == (30, 90)
    assert (body["today"]["counted"], body["today"]["within_target"], body["today"]["percent"]) == (
        1,
        1,
        100.0,
    )
    assert body["last_7_days"]["target_met"] is True
