"""Server-Sent Events for live chat: a chat's lines and status for its customer and for staff,
and the waiting list for the console.

How it holds up without extra infrastructure: a stream is a Django StreamingHttpResponse whose
generator polls the database every POLL_SECONDS with one or two small indexed reads (lines after
the last id sent, the chat's status) and ends after STREAM_SECONDS. The browser's EventSource
then reconnects on its own after the `retry` the stream named, sending Last-Event-ID, and the new
stream goes on from there, so no line is lost or repeated. Nothing is shared between processes
but the database, so this works on SQLite and PostgreSQL, with any number of web processes.

The price: an open stream holds a web thread (gunicorn's gthread worker) for its ~25 s. A worker
whose threads all hold streams stops answering everything else it accepted, so each process
holds at most `stream_slots()` streams (half its threads unless TIERDESK_CHAT_STREAMS_PER_PROCESS
says otherwise). A stream beyond that answers what is new at once and ends, with a retry of
SHORT_RETRY_MS: that client polls about once a second until a slot is free, instead of the desk
queueing every request behind chat streams. Ending streams regularly also lets a deploy finish
within gunicorn's grace period."""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import StreamingHttpResponse
from django.utils import timezone, translation

from tierdesk.chat import selectors
from tierdesk.chat.choices import ChatStatus
from tierdesk.chat.models import ChatSession
from tierdesk.chat.services import SEEN_EVERY_SECONDS, chat_visitor_seen
from tierdesk.core.pagination import ID_MAX
from tierdesk.tickets.models import Message

logger = logging.getLogger(__name__)

# Module values rather than settings: tests shorten them to run a stream to its end quickly.
STREAM_SECONDS = 25.0
POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 10.0
RETRY_MS = 500
SHORT_RETRY_MS = 1000


def sse(data: Any, *, event: str | None = None, event_id: int | str | None = None) -> bytes:
    """One event in the text/event-stream format; `data` is sent as JSON unless it is a str."""
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if event:
        lines.append(f"event: {event}")
    lines.extend(f"data: {line}" for line in text.split("\n"))
    return ("\n".join(lines) + "\n\n").encode()


def _threads_of_this_server() -> int | None:
    """The threads per process of the gunicorn serving us (its --threads), or None when this is
    not gunicorn (runserver and the tests' live server start a thread per request)."""
    if "gunicorn" not in sys.modules:
        return None
    argv = sys.argv
    for index, arg in enumerate(argv):
        value = None
        if arg == "--threads" and index + 1 < len(argv):
            value = argv[index + 1]
        elif arg.startswith("--threads="):
            value = arg.split("=", 1)[1]
        if value is not None:
            try:
                return max(1, int(value))
            except ValueError:
                return 1
    return 1


def stream_slots() -> int | None:
    """How many streams this process holds open at once; None: no limit."""
    configured = getattr(settings, "TIERDESK_CHAT_STREAMS_PER_PROCESS", None)
    if configured is not None:
        return max(0, int(configured))
    threads = _threads_of_this_server()
    return None if threads is None else threads // 2


_slots_lock = threading.Lock()
_slots_held = 0


def _take_slot() -> bool:
    global _slots_held
    limit = stream_slots()
    with _slots_lock:
        if limit is not None and _slots_held >= limit:
            return False
        _slots_held += 1
        return True


def _give_slot() -> None:
    global _slots_held
    with _slots_lock:
        _slots_held -= 1


# Streams open in this process, and a signal that asks them to end now (at shutdown, and at the
# end of a browser test, before its database goes away under them).
_closing = threading.Event()
_open_count = 0
_open_changed = threading.Condition()


class EventStreamResponse(StreamingHttpResponse):
    """An event stream, counted from its creation until the server closes it."""

    def __init__(self, events: Iterator[bytes]) -> None:
        global _open_count
        super().__init__(events, content_type="text/event-stream; charset=utf-8")
        self["Cache-Control"] = "no-store"
        # Proxies that buffer (nginx) would hold the events back until the stream ends.
        self["X-Accel-Buffering"] = "no"
        with _open_changed:
            _open_count += 1

    def close(self) -> None:
        global _open_count
        try:
            super().close()
        finally:
            with _open_changed:
                _open_count -= 1
                _open_changed.notify_all()


def event_stream(events: Iterator[bytes]) -> StreamingHttpResponse:
    return EventStreamResponse(events)


def close_streams(timeout: float = 10.0) -> bool:
    """Asks every open stream of this process to end at its next poll and waits until the
    server has closed them all (at most `timeout` seconds); then new streams may open again.
    Returns whether all were closed in time."""
    _closing.set()
    try:
        with _open_changed:
            return _open_changed.wait_for(lambda: _open_count <= 0, timeout=timeout)
    finally:
        _closing.clear()


def last_event_id(header: str | None, after: str | None) -> int:
    """Where a stream starts: the Last-Event-ID a reconnecting EventSource sends, else the
    `after` the page asked for, else the beginning."""
    for value in (header, after):
        try:
            number = int(str(value or "").strip())
        except ValueError:
            continue
        if 0 < number <= ID_MAX:
            return number
    return 0


def line_payload(message: Message, *, staff_view: bool) -> dict[str, Any]:
    """A line as the widget and the console draw it. Customers see staff by name, and nothing
    of internal notes (they are never read for them)."""
    author = message.author
    payload = {
        "id": message.pk,
        "from": "agent" if author.is_support_staff else "customer",
        "author": author.display_name,
        "text": message.body_text,
        "at": message.created_at.isoformat(),
    }
    if staff_view:
        payload["internal"] = message.kind == "internal"
        # In the engineer's time zone, as the page's other times; the widget shows the
        # visitor's own clock from `at`.
        payload["time"] = timezone.localtime(message.created_at).strftime("%H:%M")
    return payload


def status_payload(chat: ChatSession) -> dict[str, Any]:
    return {
        "status": chat.status,
        "taken_by": chat.taken_by.display_name if chat.taken_by else None,
        "end_reason": chat.end_reason or None,
        "ticket": chat.ticket_id,
    }


Poll = Callable[[], tuple[list[bytes], bool]]


def _polling(poll: Poll, *, language: str, zone: Any) -> Iterator[bytes]:
    """Runs `poll` every POLL_SECONDS until it says it is finished or STREAM_SECONDS pass, with
    a keep-alive comment when nothing was sent for a while; without a free slot, once. The
    request's language and time zone are kept: the middleware resets them once the view has
    returned the response."""
    held = _take_slot()
    try:
        yield f"retry: {RETRY_MS if held else SHORT_RETRY_MS}\n\n".encode()
        deadline = time.monotonic() + STREAM_SECONDS
        quiet_since = time.monotonic()
        with translation.override(language):
            if zone is not None:
                timezone.activate(zone)
            while True:
                chunks, finished = poll()
                yield from chunks
                now = time.monotonic()
                if chunks:
                    quiet_since = now
                if finished or not held or now >= deadline:
                    return
                if now - quiet_since >= KEEPALIVE_SECONDS:
                    quiet_since = now
                    yield b": keep-alive\n\n"
                if _closing.wait(POLL_SECONDS):
                    return
    except DatabaseError:
        # The database went away (a restart, a test's teardown): the client reconnects.
        logger.warning("A chat stream ended on a database error", exc_info=True)
    finally:
        timezone.deactivate()
        if held:
            _give_slot()


def chat_events(
    chat_id: int, *, after: int, staff_view: bool, language: str, zone: Any
) -> Iterator[bytes]:
    """A chat's lines after message `after`, each with its message id as event id ("line"), and
    its status whenever it changes, first at once ("status"). The stream ends once the chat has
    ended and everything was sent. For the customer's stream, the customer is marked as seen."""
    state: dict[str, Any] = {"after": after, "status": None, "seen_at": 0.0}

    def poll() -> tuple[list[bytes], bool]:
        chat = ChatSession.objects.select_related("taken_by").filter(pk=chat_id).first()
        if chat is None:
            return [], True
        chunks = []
        for message in selectors.chat_lines(chat, after=state["after"], internal=staff_view):
            state["after"] = message.pk
            payload = line_payload(message, staff_view=staff_view)
            chunks.append(sse(payload, event="line", event_id=message.pk))
        status = status_payload(chat)
        if status != state["status"]:
            state["status"] = status
            chunks.append(sse(status, event="status"))
        if chat.status == ChatStatus.ENDED:
            return chunks, True
        if not staff_view and time.monotonic() - state["seen_at"] >= SEEN_EVERY_SECONDS:
            state["seen_at"] = time.monotonic()
            chat_visitor_seen(chat_id=chat_id)
        return chunks, False

    return _polling(poll, language=language, zone=zone)


def waiting_events(
    fingerprint: Callable[[], tuple],
    render: Callable[[], str],
    *,
    last_id: str,
    language: str,
    zone: Any,
) -> Iterator[bytes]:
    """The waiting page's list drawn again ("waiting", HTML) whenever `fingerprint` changes. Each
    drawing's event id is a digest of what it showed, so a reconnecting page (Last-Event-ID
    `last_id`) is drawn again only if something changed meanwhile."""
    state: dict[str, Any] = {"seen": last_id or None}

    def poll() -> tuple[list[bytes], bool]:
        current = hashlib.sha256(repr(fingerprint()).encode()).hexdigest()[:16]
        if current == state["seen"]:
            return [], False
        state["seen"] = current
        return [sse(render(), event="waiting", event_id=current)], False

    return _polling(poll, language=language, zone=zone)
