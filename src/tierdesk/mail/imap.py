"""The IMAP poller: fetches customer mail from existing mailboxes into the inbound store.

Each poll logs in, selects the mailbox's folder and fetches the messages not yet processed by
UID with BODY.PEEK[] (which leaves them unseen). Each is handed to `inbound_store`; only once that
has committed is the message marked processed on the server: moved to `processed_folder` when
the mailbox names one (MOVE, else COPY, flag deleted and expunge), else flagged \\Seen. A message
whose store failed stays where it was, unseen, and is fetched again by the next poll; one that
was stored but could not be marked is fetched again too, and `inbound_store` recognises it by its
Message-ID. Without a processed folder, "not yet processed" means unseen: a message someone read
in the mailbox before the desk polled it is not fetched. With one, every message in the folder is
pending.

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


_LITERAL = re.compile(rb"\bBODY\[\] \{\d+\}$")


def _fetch(client: imaplib.IMAP4, uid: bytes) -> bytes | None:
    """The message's exact bytes, without setting \\Seen; None when it is gone."""
    data = _check(client.uid("FETCH", uid, "(BODY.PEEK[])"), f"FETCH {uid.decode()}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and _LITERAL.search(item[0]):
            return item[1]
    return None


def _mark(client: imaplib.IMAP4, uid: bytes, processed_folder: str, can_move: bool) -> None:
    if not processed_folder:
        _check(client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)"), "STORE \\Seen")
        return
    target = _mailbox_name(processed_folder)
    if can_move:
        _check(client.uid("MOVE", uid, target), f"MOVE to {processed_folder}")
        return
    _check(client.uid("COPY", uid, target), f"COPY to {processed_folder}")
    _check(client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted \Seen)"), "STORE \\Deleted")


def mailbox_poll(
    mailbox: Mailbox,
    *,
    limit: int = POLL_LIMIT,
    store: Callable[..., object] | None = None,
) -> PollResult:
    """Polls the mailbox once: stores each pending message, then marks it processed on the
    server. Records the time and the error (empty when none) on the mailbox. Never raises for
    what the server or the store does; the result counts and names it."""
    store = store or _default_store
    result = PollResult(mailbox.name)
    recipients = [mailbox.support_address.address] if mailbox.support_address_id else []
    client = None
    try:
        client = connect(mailbox)
        _check(client.select(_mailbox_name(mailbox.folder)), f"SELECT {mailbox.folder}")
        capabilities = {c.upper() for c in client.capabilities}
        processed_folder = mailbox.processed_folder.strip()
        if processed_folder:
            # Answers NO when the folder exists already, which is fine.
            client.create(_mailbox_name(processed_folder))
        criteria = ("UNDELETED",) if processed_folder else ("UNSEEN", "UNDELETED")
        uids = _check(client.uid("SEARCH", *criteria), "SEARCH")[0].split()[:limit]
        can_move = "MOVE" in capabilities
        copied: list[bytes] = []
        for uid in uids:
            raw = _fetch(client, uid)
            if raw is None:
                continue
            result.fetched += 1
            try:
                store(raw, source="imap", recipients=recipients, mailbox=mailbox)
            except Exception as exc:
                log.exception("Mailbox %s: could not store message UID %s", mailbox.name, uid)
                result.failed += 1
                result.errors.append(f"UID {uid.decode()} not stored: {exc}")
                continue
            result.stored += 1
            try:
                _mark(client, uid, processed_folder, can_move)
            except imaplib.IMAP4.error as exc:
                # Stored all the same; the next poll fetches it again and the store knows it.
                result.errors.append(f"UID {uid.decode()} stored but not marked: {exc}")
                continue
            result.marked += 1
            if processed_folder and not can_move:
                copied.append(uid)
        if copied:
            if "UIDPLUS" in capabilities:
                _check(client.uid("EXPUNGE", b",".join(copied)), "EXPUNGE")
            else:
                _check(client.expunge(), "EXPUNGE")
    except (imaplib.IMAP4.error, OSError, EOFError) as exc:
        log.warning("Mailbox %s: %s", mailbox.name, exc)
        result.errors.append(str(exc) or exc.__class__.__name__)
    finally:
        if client is not None:
            with contextlib.suppress(Exception):
                client.logout()
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
