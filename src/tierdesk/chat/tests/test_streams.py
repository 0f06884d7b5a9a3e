"""The event streams: what a customer's stream carries (never an internal note), where it starts
again after a reconnect, when it ends, who may open which stream, and the waiting list's."""

from __future__ import annotations

import pytest
from django.test import Client

from tierdesk.chat import streams
from tierdesk.chat.services import chat_end, chat_reply, chat_take, chat_visitor_line
from tierdesk.chat.tests.conftest import read_stream
from tierdesk.tickets.services import ticket_add_note


def customer_stream(client, chat, token=None, **headers):
    """The customer's stream as the widget opens it, with a one-time stream ticket asked for with
    the chat's secret; with `token`, opened with that secret in X-Chat-Token instead."""
    if token is not None:
        return client.get(
            f"/chat/sessions/{chat.pk}/events", headers={"X-Chat-Token": token, **headers}
        )
    issued = client.post(
        f"/chat/widget/sessions/{chat.pk}/stream-ticket",
        "{}",
        content_type="application/json",
        headers={"X-Chat-Token": chat.token},
    )
    assert issued.status_code == 201, issued.content
    return client.get(
        f"/chat/sessions/{chat.pk}/events", {"ticket": issued.json()["ticket"]}, headers=headers
    )


def test_the_customer_stream_sends_status_then_lines_with_their_ids(
    active_chat, agent, site_client, site
):
    chat_reply(actor=agent, chat=active_chat, body="Hello, I am on it")

    response = customer_stream(site_client, active_chat)
    events = read_stream(response)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    assert response["Access-Control-Allow-Origin"] == "https://www.acme-docs.test"
    lines = [data for name, data in events if name == "line"]
    statuses = [data for name, data in events if name == "status"]
    assert [(line["from"], line["text"]) for line in lines] == [
        ("customer", "Our dashboard shows ERR_QUERY_TIMEOUT since this morning"),
        ("agent", "Hello, I am on it"),
    ]
    assert statuses == [
        {
            "status": "active",
            "taken_by": "Agent",
            "end_reason": None,
            "ticket": active_chat.ticket_id,
        }
    ]
    text = b"".join(customer_stream(site_client, active_chat).streaming_content).decode()
    assert text.startswith("retry: ")
    assert f"id: {lines[1]['id']}\nevent: line\n" in text


def test_the_customer_stream_never_carries_internal_notes(active_chat, agent, site_client, site):
    ticket_add_note(actor=agent, ticket=active_chat.ticket, body="SECRET: they owe us money")

    text = b"".join(customer_stream(site_client, active_chat).streaming_content).decode()

    assert "SECRET" not in text


def test_staff_see_internal_notes_on_their_stream(active_chat, agent):
    ticket_add_note(actor=agent, ticket=active_chat.ticket, body="Check the plan first")
    client = Client()
    client.force_login(agent)

    events = read_stream(client.get(f"/chat/{active_chat.pk}/events"))

    notes = [data for name, data in events if name == "line" and data["internal"]]
    assert [note["text"] for note in notes] == ["Check the plan first"]


def test_a_reconnect_goes_on_after_the_last_event_id(active_chat, agent, site_client, site):
    first = chat_reply(actor=agent, chat=active_chat, body="one")
    chat_reply(actor=agent, chat=active_chat, body="two")

    by_header = read_stream(
        customer_stream(site_client, active_chat, **{"Last-Event-ID": str(first.pk)})
    )
    by_query = site_client.get(
        f"/chat/sessions/{active_chat.pk}/events",
        {"after": first.pk},
        headers={"X-Chat-Token": active_chat.token},
    )

    assert [d["text"] for n, d in by_header if n == "line"] == ["two"]
    assert [d["text"] for n, d in read_stream(by_query) if n == "line"] == ["two"]


def test_lines_written_while_the_stream_is_open_arrive(
    active_chat, agent, site_client, site, monkeypatch
):
    # Given a stream that has sent what there was
    monkeypatch.setattr(streams, "STREAM_SECONDS", 5)
    response = customer_stream(site_client, active_chat)
    chunks = iter(response.streaming_content)
    received = b""
    while b"event: status" not in received:
        received += next(chunks)
    # When the engineer writes
    chat_reply(actor=agent, chat=active_chat, body="Fixed on our side")
    # Then the next poll sends it
    while b"Fixed on our side" not in received:
        received += next(chunks)
    response.close()


def test_the_stream_ends_once_the_chat_has_ended(
    active_chat, agent, site_client, site, monkeypatch
):
    monkeypatch.setattr(streams, "STREAM_SECONDS", 30)
    chat_end(chat=active_chat, actor=agent)

    events = read_stream(customer_stream(site_client, active_chat))  # would take 30 s otherwise

    assert events[-1] == (
        "status",
        {
            "status": "ended",
            "taken_by": "Agent",
            "end_reason": "agent",
            "ticket": active_chat.ticket_id,
        },
    )


def test_a_bad_secret_gets_no_stream(waiting_chat, site_client, site):
    assert customer_stream(site_client, waiting_chat, token="tdc_nope").status_code == 403
    assert site_client.get(f"/chat/sessions/{waiting_chat.pk}/events").status_code == 403


def test_a_customer_stream_marks_them_seen(waiting_chat, site_client, site):
    from datetime import timedelta

    from tierdesk.chat.models import ChatSession

    ChatSession.objects.filter(pk=waiting_chat.pk).update(
        visitor_seen_at=waiting_chat.started_at - timedelta(minutes=2)
    )

    read_stream(customer_stream(site_client, waiting_chat))

    assert ChatSession.objects.get(pk=waiting_chat.pk).visitor_seen_at > waiting_chat.started_at


def test_only_staff_open_a_chats_console_stream(waiting_chat, alice):
    customer = Client()
    customer.force_login(alice)

    assert Client().get(f"/chat/{waiting_chat.pk}/events").status_code == 302
    assert customer.get(f"/chat/{waiting_chat.pk}/events").status_code == 302


def test_the_waiting_stream_draws_the_list_and_again_when_it_changes(start, agent, monkeypatch):
    monkeypatch.setattr(streams, "STREAM_SECONDS", 5)
    client = Client()
    client.force_login(agent)
    response = client.get("/chat/waiting/events")
    chunks = iter(response.streaming_content)
    received = b""
    while b"event: waiting" not in received:
        received += next(chunks)
    assert b"No chat is waiting." in received

    start(message="Need help with SSO")

    while b"Need help with SSO" not in received:
        received += next(chunks)
    response.close()
    # The list drawn in the stream carries working Take buttons
    assert b'name="csrfmiddlewaretoken"' in received


def test_a_customer_line_reaches_the_staff_stream(active_chat):
    chat_visitor_line(chat=active_chat, body="Are you there?")
    client = Client()
    client.force_login(active_chat.taken_by)

    events = read_stream(client.get(f"/chat/{active_chat.pk}/events"))

    assert "Are you there?" in [d["text"] for n, d in events if n == "line"]


@pytest.mark.parametrize(
    ("header", "after", "expected"),
    [
        (None, None, 0),
        ("12", "3", 12),
        ("", "3", 3),
        ("x", "y", 0),
        ("-4", None, 0),
        (str(2**64), None, 0),
    ],
)
def test_where_a_stream_starts(header, after, expected):
    assert streams.last_event_id(header, after) == expected


def test_taking_shows_on_the_customer_stream(waiting_chat, agent, site_client, site, monkeypatch):
    monkeypatch.setattr(streams, "STREAM_SECONDS", 5)
    response = customer_stream(site_client, waiting_chat)
    chunks = iter(response.streaming_content)
    received = b""
    while b'"status":"waiting"' not in received:
        received += next(chunks)

    chat_take(actor=agent, chat=waiting_chat)

    while b'"status":"active"' not in received:
        received += next(chunks)
    response.close()


def test_closing_streams_ends_open_ones_at_their_next_poll(
    waiting_chat, site_client, site, monkeypatch
):
    import threading

    # Given a stream that would otherwise stay open for a minute
    monkeypatch.setattr(streams, "STREAM_SECONDS", 60)
    monkeypatch.setattr(streams, "POLL_SECONDS", 30)
    response = customer_stream(site_client, waiting_chat)
    chunks = iter(response.streaming_content)
    received = next(chunks)
    while b"event: status" not in received:
        received += next(chunks)
    reader = threading.Thread(target=lambda: list(chunks), daemon=True)
    reader.start()

    # When the process closes its streams, it does not wait out the poll or the minute
    assert streams.close_streams(timeout=5) is True

    reader.join(timeout=5)
    assert not reader.is_alive()


def test_staff_lines_carry_the_time_in_the_engineers_zone(start, agent):
    import time_machine

    agent.time_zone = "Asia/Tokyo"
    agent.save()
    with time_machine.travel("2026-03-02 09:05:00Z", tick=False):
        chat, _ = start()
    client = Client()
    client.force_login(agent)

    events = read_stream(client.get(f"/chat/{chat.pk}/events"))

    assert [d["time"] for n, d in events if n == "line"] == ["18:05"]


def test_a_reconnecting_waiting_page_is_drawn_again_only_after_a_change(start, agent, monkeypatch):
    client = Client()
    client.force_login(agent)
    first = b"".join(client.get("/chat/waiting/events").streaming_content).decode()
    drawn_id = next(line[4:] for line in first.split("\n") if line.startswith("id: "))

    unchanged = read_stream(client.get("/chat/waiting/events", headers={"Last-Event-ID": drawn_id}))
    start()
    changed = read_stream(client.get("/chat/waiting/events", headers={"Last-Event-ID": drawn_id}))

    assert [name for name, _ in unchanged] == []
    assert [name for name, _ in changed] == ["waiting"]


def test_beyond_its_slots_a_process_answers_at_once_and_asks_for_a_quick_retry(
    active_chat, agent, site_client, site, settings, monkeypatch
):
    # Given a process whose stream slots are all taken, and streams that would last a minute
    settings.TIERDESK_CHAT_STREAMS_PER_PROCESS = 0
    monkeypatch.setattr(streams, "STREAM_SECONDS", 60)
    chat_reply(actor=agent, chat=active_chat, body="Anything else?")

    # When the customer's page connects, it gets what is new and the stream ends at once
    response = customer_stream(site_client, active_chat)
    text = b"".join(response.streaming_content).decode()

    assert text.startswith(f"retry: {streams.SHORT_RETRY_MS}\n")
    assert "Anything else?" in text and "event: status" in text


def test_stream_slots_are_half_of_gunicorns_threads(settings, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "gunicorn", object())
    monkeypatch.setattr(sys, "argv", ["gunicorn", "tierdesk.wsgi:application", "--threads", "8"])
    assert streams.stream_slots() == 4
    monkeypatch.setattr(sys, "argv", ["gunicorn", "--threads=1"])
    assert streams.stream_slots() == 0
    settings.TIERDESK_CHAT_STREAMS_PER_PROCESS = 10
    assert streams.stream_slots() == 10


def test_without_gunicorn_streams_are_not_limited(monkeypatch):
    import sys

    monkeypatch.delitem(sys.modules, "gunicorn", raising=False)
    assert streams.stream_slots() is None
