"""Fixtures of live chat: a widget site, a visitor's chat started through the service, a taken
chat, and a client that speaks for a page of the customer's website (its Origin header)."""

from __future__ import annotations

import pytest
from django.test import Client

from tierdesk.chat import streams
from tierdesk.chat.models import ChatWidgetSite
from tierdesk.chat.services import chat_start_visitor, chat_take

SITE_ORIGIN = "https://www.acme-docs.test"


@pytest.fixture(autouse=True)
def _short_streams(monkeypatch):
    """Streams run to their end in a fraction of a second instead of ~25 s."""
    monkeypatch.setattr(streams, "STREAM_SECONDS", 0.3)
    monkeypatch.setattr(streams, "POLL_SECONDS", 0.05)


@pytest.fixture
def site(db) -> ChatWidgetSite:
    return ChatWidgetSite.objects.create(name="Acme docs", allowed_origins=[SITE_ORIGIN])


@pytest.fixture
def start(acme):
    """Starts a chat as a widget visitor; returns (chat, token)."""

    def run(
        *,
        name="Dana Reyes",
        email="dana@acme.test",
        message="Our dashboard shows ERR_QUERY_TIMEOUT since this morning",
        **extra,
    ):
        started = chat_start_visitor(name=name, email=email, message=message, **extra)
        return started.chat, started.token

    return run


@pytest.fixture
def waiting_chat(start):
    chat, token = start()
    chat.token = token
    return chat


@pytest.fixture
def active_chat(waiting_chat, agent):
    chat = chat_take(actor=agent, chat=waiting_chat)
    chat.token = waiting_chat.token
    return chat


@pytest.fixture
def site_client() -> Client:
    """A browser on the customer's website: every request carries its Origin."""
    return Client(headers={"Origin": SITE_ORIGIN})


def read_stream(response) -> list[tuple[str, dict | str]]:
    """The (event, data) pairs of a finished event stream; JSON data decoded."""
    import json

    text = b"".join(response.streaming_content).decode()
    events = []
    for block in text.split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data.append(line[len("data: ") :])
        if data:
            joined = "\n".join(data)
            try:
                events.append((name, json.loads(joined)))
            except ValueError:
                events.append((name, joined))
    return events
