"""The IMAP poller: fetches customer mail from existing mailboxes into the inbound store.

Each poll logs in, selects the mailbox's folder and fetches the messages not yet processed by
UID with BODY.PEEK[] (which changes no flag). Each is handed to `inbound_store`; only once that
has committed is the message marked processed on the server: flagged \\Seen and with the private
keyword $TierdeskStored, then moved to `processed_folder` when the mailbox names one (MOVE, else
COPY, flag deleted and expunge). "Not yet processed" is every message without the keyword, read
or unread: a message somebody opened in their own mail client before the desk polled is stored
all the same. So the first poll of a mailbox takes every message in its folder; point it at a
folder holding only the mail the desk should take. A message stored but left in the folder (its
move failed, or the mailbox was given a processed folder since) is moved without being stored
again.

A message whose store failed stays where it was, without the keyword and as unseen as it was,
and is fetched again by the next poll; one stored but not marked is fetched again too, and
`inbound_store` recognises it by its Message-ID. A message the server cannot hand over (a FETCH
answering no body, or an error) is counted as not stored and named in the poll's errors, each
poll, until somebody deals with it; when the server drops the connection over one, the poller
logs in again and goes on with the others (up to MAX_RECONNECTS times a poll). A message removed
from the folder between the search and the fetch is gone and skipped.

A server that keeps no keywords of its clients' (its PERMANENTFLAGS name neither \\* nor the
desk's keyword) gets the processed folder as before, or else only its unseen messages are
fetched and each poll's errors say that mail read in the mailbox before the desk polled it is
not fetched: give such a mailbox a processed folder.

Connections: `use_tls` on port 143 upgrades with STARTTLS; `use_tls` on any other port (993) is
TLS from the start; without `use_tls` the connection is plain, for a server on this machine or a
trusted network. Certificates are verified against the system's authorities.

The worker polls each active mailbox every TIERDESK_IMAP_POLL_SECONDS: a periodic task runs
each minute and queues a poll of each mailbox that is due (so intervals below a minute act as a
minute). IMAP IDLE is not used. `tierdesk mail poll` polls once in the foreground.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import logging
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tierdesk.mail.models import Mailbox

log = logging.getLogger("tierdesk.mail.imap")

# Messages fetched in one poll at most; the rest wait for the next, so one poll of a mailbox with
# a large backlog does not hold a worker for long.
POLL_LIMIT = 500
TIMEOUT_SECONDS = 60
# The periodic task fires each minute but runs a little late or early; a mailbox polled this
# much less than the interval ago is due all the same, else every other run would skip it.
DUE_SLACK = timedelta(seconds=5)
STARTTLS_PORT = 143


@dataclass
class PollResult:
    """What one poll of a mailbox did: messages fetched, stored (new or already stored), marked
    processed on the server, and failures; `error` is empty when all went well."""

    mailbox: str
    fetched: int = 0
    stored: int = 0
    marked: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def error(self) -> str:
        return "; ".join(self.errors)


def tls_context() -> ssl.SSLContext:
    """Verifies the server's certificate against the system's authorities."""
    return ssl.create_default_context()


def _default_store(raw: bytes, **kwargs):
    from tierdesk.mail.intake import inbound_store

    return inbound_store(raw, **kwargs)


def _mailbox_name(name: str) -> str:
    """A folder name as IMAP wants it: modified UTF-7 (RFC 3501 5.1.3), quoted."""
    encoded, pending = [], []

    def flush() -> None:
        if pending:
            chunk = "".join(pending).encode("utf-16-be")
            b64 = base64.b64encode(chunk).decode("ascii").rstrip("=").replace("/", ",")
            encoded.append(f"&{b64}-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            encoded.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    text = "".join(encoded)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(response: tuple[str, list], what: str) -> list:
    status, data = response
    if status != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise imaplib.IMAP4.error(f"{what} failed: {detail or status}")
    return data


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    """A logged-in connection to the mailbox's server; raises OSError, ssl.SSLError or
    imaplib.IMAP4.error."""
    if mailbox.use_tls and mailbox.port != STARTTLS_PORT:
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=tls_context(), timeout=TIMEOUT_SECONDS
        )
    else:
        client = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT_SECONDS)
        if mailbox.use_tls:
            try:
                client.starttls(ssl_context=tls_context())
            except BaseException:
                with contextlib.suppress(Exception):
                    client.shutdown()
                raise
    try:
        client.login(mailbox.username, mailbox.password)
    except BaseException:
        with contextlib.suppress(Exception):
            client.shutdown()
        raise
    # What a server offers after login (MOVE, UIDPLUS) is often more than it said before.
    status, data = client.capability()
    if status == "OK" and data and isinstance(data[-1], bytes):
        client.capabilities = tuple(data[-1].decode("ascii", "replace").upper().split())
    return client


# The private keyword (RFC 3501 flag-keyword) a message gets once stored, with \Seen so that
# people reading the mailbox see it as handled.
STORED_KEYWORD = "$TierdeskStored"
# Times one poll logs in again after the server dropped the connection over a message.
MAX_RECONNECTS = 3
NO_KEYWORDS = (
    f"the server keeps no custom keywords ({STORED_KEYWORD}), so only unseen messages are "
    "fetched and one read in the mailbox before the desk polled it is not: give the mailbox a "
    "folder for processed mail"
)

_LITERAL = re.compile(rb"\bBODY\[\] \{\d+\}$")


def _keywords_allowed(client: imaplib.IMAP4) -> bool:
    """Whether the folder just selected keeps the desk's keyword: its PERMANENTFLAGS name \\*
    (any keyword) or the keyword itself, or are missing, which RFC 3501 reads as all flags."""
    _, data = client.response("PERMANENTFLAGS")
    text = b" ".join(d for d in data if isinstance(d, bytes))
    if not text:
        return True
    flags = text.decode("ascii", "replace").replace("(", " ").replace(")", " ").lower().split()
    return "\\*" in flags or STORED_KEYWORD.lower() in flags


def _open(mailbox: Mailbox) -> tuple[imaplib.IMAP4, bool]:
    """A connection with the mailbox's folder selected, and whether that keeps keywords."""
    client = connect(mailbox)
    try:
        _check(client.select(_mailbox_name(mailbox.folder)), f"SELECT {mailbox.folder}")
        return client, _keywords_allowed(client)
    except BaseException:
        with contextlib.suppress(Exception):
            client.shutdown()
        raise


def _search(client: imaplib.IMAP4, *criteria: str | bytes) -> list[bytes]:
    data = _check(client.uid("SEARCH", *criteria), "SEARCH")
    # No untagged SEARCH at all (some servers, when nothing matches) is no UIDs.
    return b" ".join(d for d in data if isinstance(d, bytes)).split()


def _fetch(client: imaplib.IMAP4, uid: bytes) -> bytes | None:
    """The message's exact bytes, without setting \\Seen; None when the server sent none."""
    data = _check(client.uid("FETCH", uid, "(BODY.PEEK[])"), f"FETCH {uid.decode()}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and _LITERAL.search(item[0]):
            return item[1]
    return None


def _capable(client: imaplib.IMAP4, name: str) -> bool:
    return name in {c.upper() for c in client.capabilities}


def _move(client: imaplib.IMAP4, uids: bytes, folder: str) -> bool:
    """Moves the messages to `folder`; True when they were copied and flagged deleted instead,
    for the caller to expunge."""
    target = _mailbox_name(folder)
    if _capable(client, "MOVE"):
        _check(client.uid("MOVE", uids, target), f"MOVE to {folder}")
        return False
    _check(client.uid("COPY", uids, target), f"COPY to {folder}")
    _check(client.uid("STORE", uids, "+FLAGS.SILENT", r"(\Deleted)"), "STORE \\Deleted")
    return True


def _expunge(client: imaplib.IMAP4, uids: list[bytes]) -> None:
    if _capable(client, "UIDPLUS"):
        _check(client.uid("EXPUNGE", b",".join(uids)), "EXPUNGE")
    else:
        _check(client.expunge(), "EXPUNGE")


@dataclass
class _Poll:
    """One poll's connection and what it has done so far."""

    mailbox: Mailbox
    store: Callable[..., object]
    result: PollResult
    client: imaplib.IMAP4 | None = None
    keywords: bool = True
    # Copied to the processed folder and flagged deleted: expunged at the end.
    copied: list[bytes] = field(default_factory=list)

    @property
    def processed_folder(self) -> str:
        return self.mailbox.processed_folder.strip()

    def open(self) -> None:
        self.client, self.keywords = _open(self.mailbox)

    def drop(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.shutdown()
            self.client = None

    def pending(self, limit: int) -> list[bytes]:
        """UIDs of the messages to fetch, oldest first; without keywords or a processed folder,
        says in the errors that read messages are not among them."""
        if self.keywords:
            criteria: tuple[str, ...] = ("UNKEYWORD", STORED_KEYWORD, "UNDELETED")
        elif self.processed_folder:
            criteria = ("UNDELETED",)
        else:
            self.result.errors.append(NO_KEYWORDS)
            criteria = ("UNSEEN", "UNDELETED")
        return _search(self.client, *criteria)[:limit]

    def move_stored(self, limit: int) -> None:
        """Moves to the processed folder what an earlier poll stored and marked but left here."""
        if not (self.processed_folder and self.keywords):
            return
        uids = _search(self.client, "KEYWORD", STORED_KEYWORD, "UNDELETED")[:limit]
        if not uids:
            return
        try:
            if _move(self.client, b",".join(uids), self.processed_folder):
                self.copied.extend(uids)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:
            self.result.errors.append(f"{len(uids)} stored messages not moved: {exc}")
            return
        self.result.marked += len(uids)

    def take(self, uid: bytes, recipients: list[str]) -> None:
        """Fetches, stores and marks one message, counting it and naming what went wrong in the
        errors. Raises imaplib.IMAP4.abort when the connection is lost."""
        result, name = self.result, uid.decode()
        try:
            raw = _fetch(self.client, uid)
            if not raw and not _search(self.client, "UID", uid):
                log.info("Mailbox %s: UID %s was removed before it was fetched", self.mailbox, name)
                return
        except imaplib.IMAP4.error as exc:
            result.failed += 1
            result.errors.append(f"UID {name} not fetched: {exc}")
            if isinstance(exc, imaplib.IMAP4.abort):
                raise
            return
        if not raw:
            result.failed += 1
            result.errors.append(f"UID {name} not stored: the server sent no message body")
            return
        result.fetched += 1
        try:
            self.store(raw, source="imap", recipients=recipients, mailbox=self.mailbox)
        except Exception as exc:
            log.exception("Mailbox %s: could not store message UID %s", self.mailbox, name)
            result.failed += 1
            result.errors.append(f"UID {name} not stored: {exc}")
            return
        result.stored += 1
        flags = rf"(\Seen {STORED_KEYWORD})" if self.keywords else r"(\Seen)"
        try:
            _check(self.client.uid("STORE", uid, "+FLAGS.SILENT", flags), "STORE flags")
            if self.processed_folder and _move(self.client, uid, self.processed_folder):
                self.copied.append(uid)
        except imaplib.IMAP4.error as exc:
            # Stored all the same; the next poll moves it, or fetches it again and the store
            # knows it.
            result.errors.append(f"UID {name} stored but not marked: {exc}")
            if isinstance(exc, imaplib.IMAP4.abort):
                raise
            return
        result.marked += 1


def mailbox_poll(
    mailbox: Mailbox,
    *,
    limit: int = POLL_LIMIT,
    store: Callable[..., object] | None = None,
) -> PollResult:
    """Polls the mailbox once: stores each pending message, then marks it processed on the
    server. Records the time and the error (empty when none) on the mailbox. Never raises for
    what the server or the store does; the result counts and names it."""
    result = PollResult(mailbox.name)
    poll = _Poll(mailbox, store or _default_store, result)
    recipients = [mailbox.support_address.address] if mailbox.support_address_id else []
    try:
        poll.open()
        if poll.processed_folder:
            # Answers NO when the folder exists already, which is fine.
            poll.client.create(_mailbox_name(poll.processed_folder))
        poll.move_stored(limit)
        uids = poll.pending(limit)
        reconnects = 0
        for index, uid in enumerate(uids):
            try:
                poll.take(uid, recipients)
            except imaplib.IMAP4.abort:
                # The server dropped the connection over this message (dovecot does for one
                # it cannot read): the others are taken over a new one.
                poll.drop()
                if index == len(uids) - 1 and not poll.copied:
                    break
                if reconnects == MAX_RECONNECTS:
                    raise imaplib.IMAP4.abort(
                        f"the server closed the connection {reconnects + 1} times; the other "
                        "messages wait for the next poll"
                    ) from None
                reconnects += 1
                poll.open()
        if poll.copied:
            _expunge(poll.client, poll.copied)
    except (imaplib.IMAP4.error, OSError, EOFError) as exc:
        log.warning("Mailbox %s: %s", mailbox.name, exc)
        result.errors.append(str(exc) or exc.__class__.__name__)
    finally:
        if poll.client is not None:
            with contextlib.suppress(Exception):
                poll.client.logout()
    now = timezone.now()
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=now, last_error=result.error)
    mailbox.last_polled_at, mailbox.last_error = now, result.error
    return result


def mailboxes_claim_due(*, now=None) -> list[int]:
    """Ids of the active mailboxes due for a poll, each claimed by setting its last poll to now
    with a conditional update: of two workers running this at once, one gets each mailbox."""
    now = now or timezone.now()
    due_before = now - timedelta(seconds=settings.TIERDESK_IMAP_POLL_SECONDS) + DUE_SLACK
    due = Mailbox.objects.filter(active=True).filter(
        Q(last_polled_at__isnull=True) | Q(last_polled_at__lte=due_before)
    )
    claimed = []
    for pk, last in due.values_list("pk", "last_polled_at"):
        unchanged = Q(last_polled_at__isnull=True) if last is None else Q(last_polled_at=last)
        if Mailbox.objects.filter(unchanged, pk=pk).update(last_polled_at=now):
            claimed.append(pk)
    return claimed


@db_task()
def poll_mailbox(mailbox_id: int) -> None:
    """Polls one mailbox; does nothing for one removed or switched off since."""
    mailbox = Mailbox.objects.select_related("support_address").filter(pk=mailbox_id).first()
    if mailbox is not None and mailbox.active:
        mailbox_poll(mailbox)


@db_periodic_task(crontab(minute="*"))
def poll_due_mailboxes() -> int:
    """Queues a poll of each active mailbox whose interval has passed; how many."""
    claimed = mailboxes_claim_due()
    for pk in claimed:
        poll_mailbox(pk)
    return len(claimed)
