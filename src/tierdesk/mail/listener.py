"""The SMTP listener: a receive-only mail server for the desk's support addresses.

`tierdesk serve` runs it as a child process (`tierdesk mail listen` runs it alone) on
TIERDESK_SMTP_LISTEN_HOST:TIERDESK_SMTP_PORT; the port 0 turns it off. It is the last hop of the
mail routed to the support addresses, not a relay: a recipient in a domain no support address
has is refused with 550 (while no support address exists at all, every recipient is accepted).

Nothing a sender hands over is lost. A message is answered 250 only after `inbound_store` has
committed its raw bytes; a database that fails answers 451, a temporary failure, so the sending
server keeps the message and tries again later. Parsing and tickets happen afterwards, in the
worker, from the stored copy. A message over TIERDESK_MAIL_MAX_BYTES is refused with 552 (the
server announces the limit with SIZE, so most senders never transfer it).

The Django ORM is synchronous: each store runs in a small thread pool beside the asyncio loop,
with the connection housekeeping a request gets (stale connections closed before and after).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections, connections

log = logging.getLogger("tierdesk.mail.listener")
# aiosmtpd logs every command of every session at INFO; its warnings and errors are enough.
logging.getLogger("mail.log").setLevel(logging.WARNING)

# Threads storing messages at once on PostgreSQL: it gains from a few, more would only hold more
# connections. SQLite writes one at a time anyway, so there one thread stores, without waiting
# on the others' write lock.
STORE_THREADS = 4
# A client that says nothing for this long is disconnected (RFC 5321 asks at least 5 minutes
# for the DATA phase; this is per command).
CLIENT_TIMEOUT_SECONDS = 300
# A recipient in a support domain read this recently is accepted without asking the database
# again (most mail names the same few domains). A domain not among them is looked up at once,
# so a support address just added is never refused; one just removed is accepted this long
# still, and its mail goes to the default address's group.
DOMAINS_FRESH_SECONDS = 30

Store = Callable[..., object]


def _default_store(raw: bytes, **kwargs):
    from tierdesk.mail.intake import inbound_store

    return inbound_store(raw, **kwargs)


def _support_domains() -> set[str]:
    from tierdesk.mail.models import SupportAddress

    return {
        address.rpartition("@")[2].lower()
        for address in SupportAddress.objects.values_list("address", flat=True)
    }


def _store_threads() -> int:
    from django.db import connection

    return 1 if connection.vendor == "sqlite" else STORE_THREADS


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().rstrip(".").lower()


class SupportMailHandler:
    """aiosmtpd handler: accepts recipients of the support domains, stores each message durably
    before it says 250."""

    def __init__(
        self,
        *,
        store: Store | None = None,
        max_bytes: int | None = None,
        threads: int | None = None,
    ) -> None:
        self.store = store or _default_store
        self.max_bytes = max_bytes or settings.TIERDESK_MAIL_MAX_BYTES
        self.threads = threads or _store_threads()
        self.executor = ThreadPoolExecutor(
            max_workers=self.threads, thread_name_prefix="mail-store"
        )
        # The support domains and when they were read; used by the event loop's thread only.
        self._domains: frozenset[str] = frozenset()
        self._domains_read_at = float("-inf")

    def _in_thread(self, function: Callable, *args, **kwargs):
        """Runs ORM work as a request would: stale connections closed before and after."""
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    async def _run(self, function: Callable, *args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.executor, lambda: self._in_thread(function, *args, **kwargs)
        )

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        domain = _domain(address)
        fresh = time.monotonic() - self._domains_read_at < DOMAINS_FRESH_SECONDS
        if not (fresh and domain in self._domains):
            try:
                domains = await self._run(_support_domains)
            except Exception:
                log.exception("Could not read the support addresses for RCPT %s", address)
                return "451 4.3.0 Temporary failure, please try again later"
            self._domains, self._domains_read_at = frozenset(domains), time.monotonic()
        if self._domains and domain not in self._domains:
            return "550 5.1.1 Not a support address"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):  # only with decode_data=True, which the listener does not set
            raw = raw.encode("utf-8", "surrogateescape")
        if len(raw) > self.max_bytes:
            return "552 5.3.4 Message too big for the support desk"
        try:
            inbound = await self._run(
                self.store,
                raw,
                source="smtp",
                recipients=list(envelope.rcpt_tos),
                envelope_from=envelope.mail_from or "",
            )
        except Exception:
            # A temporary failure: the sending server keeps the message and retries it, and a
            # retry of one that did get stored is recognised by its Message-ID.
            log.exception(
                "Could not store a message from %s to %s", envelope.mail_from, envelope.rcpt_tos
            )
            return "451 4.3.0 Could not store the message, please try again later"
        # The same answer whether the message is new or already stored: it names no row.
        log.debug(
            "Stored a message from %s as #%s", envelope.mail_from, getattr(inbound, "pk", None)
        )
        return "250 OK: stored"

    def close(self) -> None:
        """Waits for the stores in progress, then closes each store thread's connection (held
        until now, so that messages do not pay for a new one)."""
        threads = self.threads
        barrier = threading.Barrier(threads)

        def close_connection() -> None:
            # The barrier keeps each thread on one of these, so every thread closes its own.
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=10)
            connections.close_all()

        for _ in range(threads):
            self.executor.submit(close_connection)
        self.executor.shutdown(wait=True)


class MailListener:
    """The SMTP server in a thread of its own: `start()` returns once it accepts connections,
    `stop()` waits for the stores in progress."""

    def __init__(
        self,
        *,
        host: str | None = None,
        port: int | None = None,
        store: Store | None = None,
        max_bytes: int | None = None,
        threads: int | None = None,
    ) -> None:
        self.host = settings.TIERDESK_SMTP_LISTEN_HOST if host is None else host
        self.port = settings.TIERDESK_SMTP_PORT if port is None else port
        self.handler = SupportMailHandler(store=store, max_bytes=max_bytes, threads=threads)
        self.controller = Controller(
            self.handler,
            hostname=self.host,
            port=self.port,
            # SIZE is announced in EHLO and over-size data is refused with 552 by the server.
            data_size_limit=self.handler.max_bytes,
            decode_data=False,
            enable_SMTPUTF8=True,
            timeout=CLIENT_TIMEOUT_SECONDS,
            ident="tierdesk",
            # Looked up once: aiosmtpd would otherwise ask the resolver on every connection.
            server_hostname=socket.getfqdn(),
        )

    def start(self) -> None:
        self.controller.start()
        log.info("Mail listener accepting SMTP on %s:%d", self.host, self.port)

    def stop(self) -> None:
        with contextlib.suppress(AssertionError):  # already stopped
            self.controller.stop()
        self.handler.close()

    def __enter__(self) -> MailListener:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def listen(*, host: str | None = None, port: int | None = None) -> int:
    """Runs the listener until SIGINT or SIGTERM; the exit status for the command line."""
    listener = MailListener(host=host, port=port)
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        try:
            listener.start()
        except (OSError, RuntimeError) as exc:
            log.error(
                "The mail listener cannot listen on %s:%d (%s). Set TIERDESK_SMTP_PORT to a "
                "free port, or to 0 to run without it.",
                listener.host,
                listener.port,
                exc,
            )
            listener.handler.close()
            return 1
        stop.wait()
        log.info("Mail listener stopping.")
        listener.stop()
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
