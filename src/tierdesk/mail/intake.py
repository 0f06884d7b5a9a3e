# ruff: noqa: RUF001 - patterns match Japanese and Russian mail on purpose.
"""Inbound email: stored raw first, then turned into tickets by the worker.

`inbound_store` keeps the exact bytes with their Message-ID and hash before anything parses them
and queues the processing once the row commits; the SMTP listener answers 250 and the IMAP
poller marks a message seen only after it returns. The same Message-ID twice is one message.
Mail without a Message-ID is told apart by its SHA-256: the same bytes within DEDUPE_WINDOW are
the same delivery (an IMAP message fetched again, an SMTP retry after a lost answer); the same
bytes a day later are taken for a new message, since nothing else tells them apart.

`inbound_process` reads the stored bytes (mail.parsing), drops what no person wrote
(mail.loops: auto-replies, bulk mail, bounces, mail loops), finds the sender (a known person, a
new contact of the organization owning the sender's domain, or, per
TIERDESK_MAIL_UNKNOWN_SENDERS, a new contact without an organization or a hold for review),
finds the ticket the mail continues (mail.threads), separates the reply from the quoted history
(mail.quotes) and adds it to the ticket, or opens a ticket in the group of the support address
it was sent to. Any failure quarantines the message with the exception; it is never lost, and
`inbound_reprocess` runs it again once the cause is fixed.

The worker processes waiting mail in batches (`inbound_process_pending`): what each message is
decided to be is read before one transaction writes them all, a savepoint each, and routes the
tickets they open together; the outcome is the one processing them one by one gives.
"""

from __future__ import annotations

import bisect
import hashlib
import html
import logging
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Language, Role
from tierdesk.accounts.models import Organization, SkillGroup, User
from tierdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tierdesk.core.text import sanitize_html
from tierdesk.mail import loops, quotes, threads
from tierdesk.mail.addresses import bare_address, without_tag
from tierdesk.mail.choices import InboundReason, InboundSource, InboundStatus
from tierdesk.mail.models import InboundMail, Mailbox, SupportAddress
from tierdesk.mail.parsing import ParsedAttachment, ParsedMail, header_message_id, parse
from tierdesk.tickets.choices import Channel, Status
from tierdesk.tickets.events import change_field
from tierdesk.tickets.models import Message, Ticket
from tierdesk.tickets.services import (
    NewAttachment,
    ticket_open,
    ticket_open_follow_up,
    ticket_reply,
)
from tierdesk.tickets.validation import BODY_MAX, SUBJECT_MAX, validate_attachment

logger = logging.getLogger(__name__)

DEDUPE_WINDOW = timedelta(hours=24)
# What is kept of a message over TIERDESK_MAIL_MAX_BYTES: enough to read its headers and the
# start of its text on the mail page. The SMTP listener refuses such mail before it is sent.
OVERSIZE_KEEP_BYTES = 256 * 1024
RECIPIENTS_MAX = 100
REASON_MAX = 4000
# A message stuck in "received" this long lost its queued task (a worker killed between the
# commit and the enqueue); the sweep processes it.
STALE_AFTER = timedelta(minutes=5)
STALE_BATCH = 200
# The database failing for a while (SQLite's "database is locked", a lost PostgreSQL
# connection) is no fault of the message: it stays "received" and the sweep runs it again, each
# run counted in its attempts; it is quarantined only after this many.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
TRANSIENT_ATTEMPTS = 5
# Messages the worker processes in one transaction: enough that routing the tickets together and
# one commit cost little per message, few enough that the listener's stores wait at most a few
# hundred milliseconds for SQLite's write lock. BATCH_BYTES bounds the memory a batch of large
# messages takes (its raw bytes, parsed, at once).
BATCH_MESSAGES = 50
BATCH_BYTES = 16 * 1024 * 1024
FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|fw|пересл|пересылка|転送)\s*[:：]", re.IGNORECASE)
_CID_IMAGE = re.compile(r"<img\b[^>]*\bsrc=\"cid:([^\"]+)\"[^>]*>", re.IGNORECASE)
# How the customer's share of processed mail is told apart from mail needing a person's look.
ATTENTION_STATUSES = (InboundStatus.QUARANTINED, InboundStatus.HELD)


# --- who may act -------------------------------------------------------------------------------


def can_read_mail(user: User) -> bool:
    """Staff read inbound mail (the raw bytes of restricted tickets' mail excepted)."""
    return bool(user.is_authenticated and user.is_active and user.is_support_staff)


def can_manage_mail(user: User) -> bool:
    """Managers and administrators reprocess and accept mail."""
    return bool(
        user.is_authenticated and user.is_active and user.role in {Role.MANAGER, Role.ADMIN}
    )


def can_configure_mail(user: User) -> bool:
    """Administrators manage the support addresses and upload raw mail."""
    return bool(user.is_authenticated and user.is_active and user.role == Role.ADMIN)


# --- storing -----------------------------------------------------------------------------------


def _enqueue(inbound_id: int) -> None:
    # Imported here: the task module imports this one.
    from tierdesk.mail.intake_tasks import queue_processing

    queue_processing(inbound_id)


def _clean_recipients(recipients: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    for recipient in list(recipients)[:RECIPIENTS_MAX]:
        text = " ".join(str(recipient).split())[:998]
        if text and text not in cleaned:
            cleaned.append(text)
    return cleaned


# What tells two messages reusing one Message-ID apart: who wrote it, to whom, when, about what
# and what it says. Headers a relay or a mailbox adds on the way (Received, Return-Path,
# Delivered-To, X-Original-To, spam scores...) are left out, so one message delivered twice, by
# SMTP and fetched by IMAP, or retried by a relay, is one message.
FINGERPRINT_HEADERS = (b"from", b"to", b"cc", b"date", b"subject")
_HEADER_LINE = re.compile(rb"^([!-9;-~]+)[ \t]*:(.*(?:\r?\n[ \t].*)*)", re.M)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_LINE_END = re.compile(rb"\r\n?")
_WHITESPACE = re.compile(rb"\s+")


def message_fingerprint(raw: bytes) -> str:
    """SHA-256 (hex) of a message's From, To, Cc, Date and Subject (unfolded, runs of white
    space as one space) and its body (the bytes after the header block, line ends as LF,
    trailing white space dropped). Transport headers do not count."""
    end = _HEADER_END.search(raw)
    block, body = (raw[: end.start()], raw[end.end() :]) if end else (raw, b"")
    digest = hashlib.sha256()
    values: dict[bytes, list[bytes]] = {name: [] for name in FINGERPRINT_HEADERS}
    for match in _HEADER_LINE.finditer(block):
        name = match.group(1).lower()
        if name in values:
            values[name].append(_WHITESPACE.sub(b" ", match.group(2)).strip())
    for name in FINGERPRINT_HEADERS:
        for value in values[name]:
            digest.update(name + b":" + value + b"\n")
    digest.update(b"\n")
    digest.update(_LINE_END.sub(b"\n", body).rstrip())
    return digest.hexdigest()


def _already_stored(
    message_id: str, fingerprint: str, digest: str, now: datetime
) -> tuple[InboundMail | None, list[int]]:
    """The stored row this message is, or None; with a Message-ID also the rows of other
    messages that reuse it."""
    if message_id:
        return _by_message_id(message_id, fingerprint)
    row = (
        InboundMail.objects.filter(
            sha256=digest, message_id_header="", received_at__gte=now - DEDUPE_WINDOW
        )
        .order_by("pk")
        .first()
    )
    return row, []


def _by_message_id(message_id: str, fingerprint: str) -> tuple[InboundMail | None, list[int]]:
    """The row with this Message-ID and fingerprint (None without one), and the pks of the rows
    with this Message-ID but another message."""
    # The indexes on the Message-ID are partial (mail without one is told apart by hash):
    # SQLite reads them only when the query repeats their condition; otherwise every store
    # would scan the whole table, raw bytes and all.
    same = InboundMail.objects.filter(message_id_header=message_id).exclude(message_id_header="")
    others: list[int] = []
    for pk, stored in same.order_by("pk").values_list("pk", "fingerprint"):
        if not stored:
            # Stored before fingerprints were kept (migration 0003): computed from its bytes.
            raw = InboundMail.objects.filter(pk=pk).values_list("raw", flat=True).get()
            stored = message_fingerprint(bytes(raw))
        if stored == fingerprint:
            return InboundMail.objects.get(pk=pk), others
        others.append(pk)
    return None, others


def inbound_store(
    raw: bytes,
    *,
    source: str,
    recipients: Sequence[str] = (),
    envelope_from: str = "",
    mailbox: Mailbox | None = None,
) -> InboundMail:
    """Stores a received message and queues its processing for after the commit.

    Returns the stored row; for a message already stored (the same Message-ID, or without one
    the same bytes within DEDUPE_WINDOW) the existing row, storing and queueing nothing. Two
    deliveries of one Message-ID at the same moment are one row: the unique constraint decides
    and the loser returns the winner's row. A message over TIERDESK_MAIL_MAX_BYTES is stored
    quarantined with its first OVERSIZE_KEEP_BYTES (the reason says so) and never processed.
    Raises ValidationFailed for an unknown `source` and DatabaseError when the database fails,
    so the caller answers "try again later" and the message stays with the sender.
    """
    if source not in InboundSource.values:
        raise ValidationFailed(
            source=_("%(value)s is not one of: %(choices)s.")
            % {"value": source, "choices": ", ".join(InboundSource.values)}
        )
    raw = bytes(raw)
    now = timezone.now()
    digest = hashlib.sha256(raw).hexdigest()
    message_id = header_message_id(raw)
    fingerprint = message_fingerprint(raw) if message_id else ""
    existing, reusing = _already_stored(message_id, fingerprint, digest, now)
    if existing is not None:
        logger.info("Inbound mail %s already stored as #%s", message_id or digest, existing.pk)
        return existing
    size = len(raw)
    oversize = size > settings.TIERDESK_MAIL_MAX_BYTES
    row = InboundMail(
        source=source,
        mailbox=mailbox,
        recipients=_clean_recipients(recipients),
        envelope_from=" ".join(str(envelope_from or "").split())[:998],
        raw=raw[:OVERSIZE_KEEP_BYTES] if oversize else raw,
        size=size,
        sha256=digest,
        message_id_header=message_id,
        fingerprint=fingerprint,
        received_at=now,
    )
    if reusing:
        # Another message with the same Message-ID (a careless mailer, or someone hoping to
        # have the real one taken for a duplicate): kept too, and the note says so.
        row.reason = (
            f"Message-ID <{message_id}> is also that of stored message #{reusing[0]}, "
            "with other content"
        )[:REASON_MAX]
        logger.warning(
            "Inbound mail %s reuses the Message-ID of #%s with other content; stored apart",
            message_id,
            reusing[0],
        )
    if oversize:
        row.status = InboundStatus.QUARANTINED
        row.reason_code = InboundReason.OVERSIZE
        row.reason = (
            f"{size} bytes; the limit (TIERDESK_MAIL_MAX_BYTES) is "
            f"{settings.TIERDESK_MAIL_MAX_BYTES} bytes; the first {OVERSIZE_KEEP_BYTES} bytes "
            "are kept"
        )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        winner = _by_message_id(message_id, fingerprint)[0] if message_id else None
        if winner is None:
            raise
        return winner
    if oversize:
        logger.warning("Inbound mail #%s is %s bytes, over the limit: quarantined", row.pk, size)
    else:
        inbound_id = row.pk
        transaction.on_commit(lambda: _enqueue(inbound_id))
    return row


def inbound_upload(*, actor: User, raw: bytes, recipients: Sequence[str] = ()) -> InboundMail:
    """Stores raw RFC 822 bytes sent by an administrator (integrations, tests, a message saved
    from a mail client), as the listener would; processed by the worker."""
    if not can_configure_mail(actor):
        raise PermissionDenied(_("Only administrators upload mail."))
    if not raw or not raw.strip():
        raise ValidationFailed(raw=_("Send the message as the request body (message/rfc822)."))
    return inbound_store(raw, source=InboundSource.UPLOAD, recipients=recipients)


# --- processing --------------------------------------------------------------------------------


@dataclass
class _Content:
    subject: str
    body: str
    body_html: str
    quoted: str
    attachments: list[NewAttachment] = field(default_factory=list)
    language: str = ""


def inbound_process(inbound_id: int) -> InboundMail:
    """Processes a stored message (see the module's description). Safe to run twice: only a
    message still "received" is processed, under its row lock, and the ticket it creates commits
    with its new status. Returns the row; raises NotFound for an unknown id. Never raises for
    the message's content: a failure quarantines the message with the exception."""
    return _run(inbound_id, from_statuses={InboundStatus.RECEIVED}, accept=False)


def inbound_process_pending(*, limit: int = BATCH_MESSAGES) -> int:
    """Processes up to `limit` messages waiting in "received" (at most BATCH_BYTES of them),
    oldest first, as one batch with the outcomes inbound_process gives each one. Returns how
    many it processed: 0 when none was waiting, or when another worker holds them all.

    Parsing and deciding read only and run before the transaction; then one transaction writes
    every message, each in a savepoint of its own, and routes the tickets they open together.
    A message that fails rolls back alone and is quarantined after the commit. A message that
    continues a conversation an earlier one of the batch started (or comes from a person an
    earlier one makes a contact) is decided again in its turn, after the tickets before it are
    routed, so the batch threads and routes as processing one by one would. When the batch
    fails as a whole (routing failing, say), each message is processed alone instead."""
    waiting = (
        # A message that failed for a database error is the sweep's to retry, a minute later:
        # taken again at once it would use its attempts up in the same moment.
        InboundMail.objects.filter(status=InboundStatus.RECEIVED, attempts=0)
        .order_by("received_at", "pk")
        .values_list("pk", "size")[:limit]
    )
    ids: list[int] = []
    total = 0
    for pk, size in waiting:
        if ids and total + size > BATCH_BYTES:
            break
        ids.append(pk)
        total += size
    return _run_batch(ids) if ids else 0


def inbound_process_stale(*, now: datetime | None = None, limit: int = STALE_BATCH) -> int:
    """Processes messages left "received" longer than STALE_AFTER (their task was lost), and
    those a database error left "received" (attempts above 0). Returns how many it ran."""
    now = now or timezone.now()
    stale = list(
        InboundMail.objects.filter(status=InboundStatus.RECEIVED)
        .filter(Q(received_at__lt=now - STALE_AFTER) | Q(attempts__gt=0))
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for inbound_id in stale:
        inbound_process(inbound_id)
    return len(stale)


def _check_manager(actor: User | None) -> None:
    if actor is not None and not can_manage_mail(actor):
        raise PermissionDenied(_("Only managers and administrators reprocess mail."))


def inbound_reprocess(*, actor: User | None, inbound: InboundMail) -> InboundMail:
    """Processes a quarantined, held, ignored or stuck message again, with every check as the
    first time. `actor` None is the system (the CLI). Raises PermissionDenied for anyone but a
    manager or administrator, Conflict for a processed message or one kept only in part."""
    _check_manager(actor)
    _check_runnable(inbound)
    logger.info("Inbound mail #%s reprocessed by %s", inbound.pk, actor or "the system")
    return _run(
        inbound.pk,
        from_statuses={
            InboundStatus.RECEIVED,
            InboundStatus.QUARANTINED,
            InboundStatus.HELD,
            InboundStatus.IGNORED,
        },
        accept=False,
    )


def inbound_accept(*, actor: User | None, inbound: InboundMail) -> InboundMail:
    """A person's decision that a held or ignored message is a customer writing: it is processed
    without the hold and noise checks (an unknown sender becomes a contact, the sender limit and
    auto-reply headers are overlooked). Raises as inbound_reprocess does, and Conflict for a
    message that is neither held nor ignored."""
    _check_manager(actor)
    _check_runnable(inbound)
    if inbound.status not in {InboundStatus.HELD, InboundStatus.IGNORED}:
        raise Conflict(_("Only held or ignored mail is accepted; reprocess it instead."))
    logger.info("Inbound mail #%s accepted by %s", inbound.pk, actor or "the system")
    return _run(inbound.pk, from_statuses={InboundStatus.HELD, InboundStatus.IGNORED}, accept=True)


def _check_runnable(inbound: InboundMail) -> None:
    if inbound.status == InboundStatus.PROCESSED:
        if inbound.ticket_id:
            raise Conflict(
                _("This message was already added to ticket #%(number)s.")
                % {"number": inbound.ticket_id}
            )
        raise Conflict(_("This message was already processed."))
    if inbound.reason_code == InboundReason.OVERSIZE:
        raise Conflict(
            _("Only the first part of this message was kept (it is over the size limit).")
        )


def _run(inbound_id: int, *, from_statuses: set[str], accept: bool) -> InboundMail:
    inbound = InboundMail.objects.filter(pk=inbound_id).only("pk", "status").first()
    if inbound is None:
        raise NotFound(_("No such message."))
    if inbound.status not in from_statuses:
        return InboundMail.objects.get(pk=inbound_id)
    parsed: ParsedMail | None = None
    try:
        # Parsing runs outside the transaction: on SQLite the transaction holds the write lock.
        raw = InboundMail.objects.filter(pk=inbound_id).values_list("raw", flat=True).get()
        parsed = parse(bytes(raw))
        # Deciding reads only; it runs before the transaction too, which then writes for a few
        # milliseconds (the listener's stores wait for the same lock on SQLite).
        snapshot = InboundMail.objects.defer("raw").get(pk=inbound_id)
        plan = _plan(snapshot, parsed, accept=accept, lookups=_Lookups([inbound_id]))
        with transaction.atomic():
            locked = InboundMail.objects.select_for_update().defer("raw").get(pk=inbound_id)
            if locked.status not in from_statuses:
                return locked
            locked.attempts = min(locked.attempts + 1, 32767)
            _execute(locked, parsed, plan)
            return locked
    except TRANSIENT_ERRORS as error:
        return _retry_later(inbound_id, error, parsed, from_statuses=from_statuses)
    except Exception as error:
        logger.exception("Inbound mail #%s could not be processed; quarantined", inbound_id)
        return _quarantine(inbound_id, error, parsed, from_statuses=from_statuses)


@dataclass
class _Item:
    """One message of a batch: what was read and decided before the transaction, or why not."""

    inbound: InboundMail
    parsed: ParsedMail | None = None
    plan: _Plan | None = None
    # Decided again in its turn: it depends on what an earlier message of the batch writes.
    again: bool = False
    error: Exception | None = None


@dataclass
class _Opened:
    """A ticket a batch opened, routed with the others before the batch commits."""

    ticket: Ticket
    # The group of the address a customer wrote to: the ticket's when routing gives it none.
    address_group: SkillGroup | None


def _run_batch(ids: Sequence[int]) -> int:
    """Processes the messages of `ids` still "received" (see inbound_process_pending); returns
    how many this call processed."""
    snapshots = list(
        InboundMail.objects.filter(pk__in=ids, status=InboundStatus.RECEIVED)
        .defer("raw")
        .order_by("received_at", "pk")
    )
    if not snapshots:
        return 0
    lookups = _Lookups([row.pk for row in snapshots])
    items = _read_batch(snapshots, lookups)
    try:
        done = _write_batch(items, lookups)
    except Exception:
        logger.exception("A batch of %d inbound messages failed; processing each alone", len(items))
        for item in items:
            inbound_process(item.inbound.pk)
        return len(items)
    for item in items:
        if isinstance(item.error, TRANSIENT_ERRORS):
            _retry_later(item.inbound.pk, item.error, item.parsed, from_statuses={_RECEIVED})
        elif item.error is not None:
            logger.error(
                "Inbound mail #%s could not be processed; quarantined",
                item.inbound.pk,
                exc_info=item.error,
            )
            _quarantine(item.inbound.pk, item.error, item.parsed, from_statuses={_RECEIVED})
            done += 1
    return done


def _read_batch(snapshots: list[InboundMail], lookups: _Lookups) -> list[_Item]:
    """Parses and decides every message of the batch, in order, with reads only."""
    raws = dict(
        InboundMail.objects.filter(pk__in=[row.pk for row in snapshots]).values_list("pk", "raw")
    )
    items = [_Item(row) for row in snapshots]
    for item in items:
        try:
            item.parsed = parse(bytes(raws.pop(item.inbound.pk)))
        except Exception as error:
            item.error = error
    senders = [
        ((item.parsed.from_address or bare_address(item.inbound.envelope_from))[:998], item)
        for item in items
        if item.parsed is not None
    ]
    lookups.load_senders(address for address, _item in senders)
    lookups.load_recent((address, item.inbound.received_at) for address, item in senders)
    for position, item in enumerate(items):
        lookups.position = position
        parsed = item.parsed
        if parsed is not None:
            try:
                item.plan = _plan(item.inbound, parsed, accept=False, lookups=lookups)
            except Exception as error:
                item.error = error
        item.again = lookups.depends_on_earlier(item.inbound, parsed, item.plan)
        lookups.remember(item.inbound, parsed, item.plan)
    return items


def _write_batch(items: list[_Item], lookups: _Lookups) -> int:
    """Writes the batch in one transaction, a savepoint per message; returns how many messages
    it processed (failures are left in item.error for the caller to quarantine)."""
    done = 0
    with transaction.atomic():
        locking = InboundMail.objects.select_for_update(
            skip_locked=connection.features.has_select_for_update_skip_locked
        )
        rows = {
            row.pk: row
            for row in locking.defer("raw").filter(
                pk__in=[i.inbound.pk for i in items], status=InboundStatus.RECEIVED
            )
        }
        opened: list[_Opened] = []
        for position, item in enumerate(items):
            inbound = rows.get(item.inbound.pk)
            if inbound is None:
                # Processed meanwhile, or held by another worker that processes it.
                item.error = None
                continue
            if item.error is not None or item.parsed is None:
                continue
            if item.again:
                # What the earlier messages opened is routed before this one may continue it.
                _route_opened(opened)
                opened = []
            mine: list[_Opened] = []
            try:
                with transaction.atomic():
                    inbound.attempts = min(inbound.attempts + 1, 32767)
                    plan = item.plan
                    if item.again or plan is None:
                        lookups.position = position
                        plan = _plan(inbound, item.parsed, accept=False, lookups=lookups)
                    sender = _execute(inbound, item.parsed, plan, opened=mine)
            except Exception as error:
                item.error = error
                continue
            if sender is not None and plan.new_contact is not None:
                # The contact made for the address is who it is to the batch's later messages.
                lookups.senders[plan.from_address] = sender
            opened.extend(mine)
            done += 1
        _route_opened(opened)
    return done


def _route_opened(opened: list[_Opened]) -> None:
    """Routes tickets a batch opened as ticket_open and _open_ticket route each one: the rules
    (with the triage suggestion stored), then for a customer's ticket still without a group the
    group of the address written to and the rules again; then each is handed to an engineer,
    in the order they were opened."""
    if not opened:
        return
    from tierdesk.routing.services import tickets_assign, tickets_route

    tickets = [item.ticket for item in opened]
    tickets_route(tickets, suggest=True, assign=False)
    grouped = []
    now = timezone.now()
    for item in opened:
        if item.address_group is not None and item.ticket.group_id is None:
            change_field(item.ticket, None, "group", item.address_group, now)
            item.ticket.save(update_fields=["group"])
            grouped.append(item.ticket)
    tickets_route(grouped, assign=False)
    tickets_assign(tickets)


_RECEIVED = str(InboundStatus.RECEIVED)


def _retry_later(
    inbound_id: int, error: Exception, parsed: ParsedMail | None, *, from_statuses: set[str]
) -> InboundMail:
    """A database error: a message still "received" stays so, one attempt more, for the sweep
    to run again; after TRANSIENT_ATTEMPTS it is quarantined. A message reprocessed from
    another status keeps it. Never raises: when the database still fails, the row is left as it
    is, and the sweep finds it all the same."""
    try:
        counted = InboundMail.objects.filter(pk=inbound_id, status=InboundStatus.RECEIVED).update(
            attempts=F("attempts") + 1
        )
        row = InboundMail.objects.defer("raw").get(pk=inbound_id)
    except TRANSIENT_ERRORS:
        logger.exception("Inbound mail #%s: the database failed again; left as it was", inbound_id)
        return InboundMail(pk=inbound_id, status=InboundStatus.RECEIVED)
    if counted and row.attempts >= TRANSIENT_ATTEMPTS:
        logger.error(
            "Inbound mail #%s failed with a database error %s times; quarantined",
            inbound_id,
            row.attempts,
            exc_info=error,
        )
        return _quarantine(
            inbound_id, error, parsed, from_statuses=from_statuses, count=False, runs=row.attempts
        )
    logger.warning(
        "Inbound mail #%s could not be processed (%s: %s); left %s for a later run",
        inbound_id,
        type(error).__name__,
        error,
        row.status,
    )
    return row


def _quarantine(
    inbound_id: int,
    error: Exception,
    parsed: ParsedMail | None,
    *,
    from_statuses: set[str],
    count: bool = True,
    runs: int = 0,
) -> InboundMail:
    """Quarantines the message with the error, unless it left the statuses the failed run
    started from meanwhile (another worker processed it): that outcome stands."""
    reason = f"{type(error).__name__}: {error}"
    if runs:
        reason += f" ({runs} attempts)"
    reason = reason[:REASON_MAX]
    with transaction.atomic():
        row = InboundMail.objects.select_for_update().defer("raw").get(pk=inbound_id)
        if row.status not in from_statuses:
            logger.info("Inbound mail #%s is %s meanwhile; not quarantined", inbound_id, row.status)
            return row
        row.status = InboundStatus.QUARANTINED
        row.reason_code = InboundReason.ERROR
        row.reason = reason
        if count:
            row.attempts = min(row.attempts + 1, 32767)
        fields = ["status", "reason_code", "reason", "attempts"]
        if parsed is not None:
            # What could be read stays readable on the mail page.
            row.subject = " ".join(parsed.subject.split())[:998]
            row.from_address = (parsed.from_address or bare_address(row.envelope_from))[:998]
            fields += ["subject", "from_address"]
        row.save(update_fields=fields)
    return row


# What processing writes; the raw bytes are never written again.
_PROCESSED_FIELDS = [
    "status",
    "reason_code",
    "reason",
    "attempts",
    "processed_at",
    "subject",
    "from_address",
    "quoted_text",
    "ticket",
    "message",
]


def _finish(inbound: InboundMail, status: str, code: str = "", reason: str = "") -> None:
    inbound.status = status
    inbound.reason_code = code
    inbound.reason = reason[:REASON_MAX]
    inbound.processed_at = timezone.now()
    inbound.save(update_fields=_PROCESSED_FIELDS)


@dataclass
class _Plan:
    """What processing decided from the message and the desk's state, before writing anything."""

    status: str
    code: str = ""
    reason: str = ""
    from_address: str = ""
    bounce: bool = False
    sender: User | None = None
    new_contact: dict[str, Any] | None = None
    ticket_id: int | None = None
    way: str = ""
    group: SkillGroup | None = None
    content: _Content | None = None


def _plan(inbound: InboundMail, parsed: ParsedMail, *, accept: bool, lookups: _Lookups) -> _Plan:
    """Decides the message's fate (see the module's description) with reads only."""
    from_address = (parsed.from_address or bare_address(inbound.envelope_from))[:998]
    if not accept:
        noise = loops.noise_of(parsed, own_addresses=lookups.own_addresses())
        if noise is not None:
            return _Plan(
                InboundStatus.IGNORED,
                noise.code,
                noise.detail,
                from_address,
                bounce=noise.code == loops.BOUNCE,
            )
    if not from_address:
        reason = f"From: {parsed.header('from')!r}; envelope: {inbound.envelope_from!r}"
        return _Plan(InboundStatus.QUARANTINED, InboundReason.NO_SENDER, reason)
    sender = lookups.known_sender(from_address)
    if not accept:
        count = lookups.sender_over_limit(from_address, inbound)
        if count is not None:
            reason = (
                f"{count} messages from {from_address} in the hour before this one "
                f"(TIERDESK_MAIL_SENDER_LIMIT_PER_HOUR={settings.TIERDESK_MAIL_SENDER_LIMIT_PER_HOUR})"
            )
            return _Plan(InboundStatus.HELD, InboundReason.SENDER_LIMIT, reason, from_address)
        if sender is not None and not sender.is_active:
            reason = f"{sender.username} <{sender.email}>"
            return _Plan(InboundStatus.HELD, InboundReason.DISABLED_SENDER, reason, from_address)
    content = _content(parsed)
    plan = _Plan(InboundStatus.PROCESSED, from_address=from_address, content=content)
    if sender is None:
        organization = lookups.organization_for(from_address)
        if organization is None and settings.TIERDESK_MAIL_UNKNOWN_SENDERS == "hold" and not accept:
            return _Plan(
                InboundStatus.HELD, InboundReason.UNKNOWN_SENDER, from_address, from_address
            )
        plan.new_contact = {
            "address": from_address,
            "name": parsed.from_name,
            "organization": organization,
            "language": content.language,
        }
        # Who the contact will be, for the threading rules: a colleague of the organization.
        writer = User(email=from_address, organization=organization, role=Role.CUSTOMER)
        language = content.language or Language.ENGLISH
    else:
        plan.sender = writer = sender
        language = sender.language
    with translation.override(language or settings.LANGUAGE_CODE):
        _finish_content(content, parsed)
    ticket, plan.way = threads.find_ticket(parsed, sender=writer, recipients=inbound.recipients)
    if ticket is not None:
        plan.ticket_id = ticket.pk
    else:
        plan.group = _group_for(inbound, parsed, lookups)
    return plan


def _execute(
    inbound: InboundMail, parsed: ParsedMail, plan: _Plan, *, opened: list[_Opened] | None = None
) -> User | None:
    """Carries the plan out, in the caller's transaction. Returns the message's author (None
    for a message not processed). With `opened`, a ticket it opens is not routed but added
    there, for the batch to route."""
    inbound.subject = " ".join(parsed.subject.split())[:998]
    inbound.from_address = plan.from_address
    inbound.ticket = None
    inbound.message = None
    inbound.quoted_text = ""
    if plan.status != InboundStatus.PROCESSED or plan.content is None:
        reason = plan.reason
        if plan.bounce:
            marked = loops.handle_bounce(parsed)
            if marked:
                reason += " — " + ", ".join(f"<{m}>" for m in marked)
        _finish(inbound, plan.status, plan.code, reason)
        return None
    sender = plan.sender or contact_create(**(plan.new_contact or {}))
    ticket = Ticket.objects.filter(pk=plan.ticket_id).first() if plan.ticket_id else None
    if ticket is not None:
        message = _add_reply(sender, ticket, plan.content)
    else:
        message = _open_ticket(sender, plan.group, plan.content, opened=opened)
    inbound.ticket = message.ticket
    inbound.message = message
    inbound.quoted_text = plan.content.quoted
    _finish(inbound, InboundStatus.PROCESSED, "", f"threaded by {plan.way}" if plan.way else "")
    logger.info(
        "Inbound mail #%s from %s: %s ticket #%s",
        inbound.pk,
        inbound.from_address,
        "reply to" if ticket is not None else "opened",
        message.ticket_id,
    )
    return sender


# --- senders and what a run reads once ---------------------------------------------------------


class _Lookups:
    """What deciding reads about the desk, read once per run (one message, or a batch): the
    support addresses, the organizations' domains and the senders. In a batch it also keeps what
    the earlier messages were decided to be, for the ones after them."""

    def __init__(self, ids: Sequence[int]) -> None:
        self.ids = list(ids)
        self.position = 0
        self.senders: dict[str, User | None] = {}
        self._own: frozenset[str] | None = None
        self._addresses: dict[str, SupportAddress] | None = None
        self._domains: list[tuple[int, Any]] | None = None
        self._organizations: dict[int, Organization] = {}
        # (position, received) of the batch's messages by sender, for the hourly limit.
        self._sent: dict[str, list[tuple[int, datetime]]] = {}
        self._message_ids: set[str] = set()
        self._new_contacts: set[str] = set()
        self._recent: dict[str, list[datetime]] = {}

    def own_addresses(self) -> frozenset[str]:
        if self._own is None:
            self._own = _own_addresses(self.support_addresses())
        return self._own

    def support_addresses(self) -> dict[str, SupportAddress]:
        """The support addresses by address in lower case."""
        if self._addresses is None:
            self._addresses = {
                a.address.lower(): a for a in SupportAddress.objects.select_related("group")
            }
        return self._addresses

    def default_address(self) -> SupportAddress | None:
        return next((a for a in self.support_addresses().values() if a.is_default), None)

    def known_sender(self, address: str) -> User | None:
        if address not in self.senders:
            self.senders[address] = _known_sender(address)
        return self.senders[address]

    def load_senders(self, addresses: Iterable[str]) -> None:
        """Looks the senders of many messages up at once, as _known_sender would each."""
        wanted = {a for a in addresses if a and a not in self.senders}
        if not wanted:
            return
        people = _people()
        found: dict[str, User] = {}
        for person in people.filter(email__in=wanted):
            found.setdefault(person.email, person)
        by_lower: dict[str, User] = {}
        others = {a.lower() for a in wanted if a not in found}
        if others:
            for person in people.annotate(email_lower=Lower("email")).filter(
                email_lower__in=others
            ):
                by_lower.setdefault(person.email_lower, person)  # type: ignore[attr-defined]
        for address in wanted:
            self.senders[address] = found.get(address) or by_lower.get(address.lower())

    def organization_for(self, address: str) -> Organization | None:
        if self._domains is None:
            self._domains = list(
                Organization.objects.exclude(email_domains=[]).values_list("pk", "email_domains")
            )
        pk = _organization_owning(address, self._domains)
        if pk is None:
            return None
        if pk not in self._organizations:
            self._organizations[pk] = Organization.objects.get(pk=pk)
        return self._organizations[pk]

    def load_recent(self, senders: Iterable[tuple[str, datetime]]) -> None:
        """Reads, for the hourly limit, when each sender's earlier messages arrived: one query
        for a batch's (sender, received) pairs instead of a count for each message."""
        pairs = [(address, at) for address, at in senders if address]
        if not pairs:
            return
        addresses = {address for address, _at in pairs}
        rows = (
            InboundMail.objects.filter(
                from_address__in=addresses,
                received_at__gte=min(at for _a, at in pairs) - timedelta(hours=1),
                received_at__lte=max(at for _a, at in pairs),
            )
            .exclude(pk__in=self.ids)
            .order_by()
            .values_list("from_address", "received_at")
        )
        recent: dict[str, list[datetime]] = {address: [] for address in addresses}
        for address, at in rows:
            recent[address].append(at)
        self._recent = {address: sorted(times) for address, times in recent.items()}

    def sender_over_limit(self, address: str, inbound: InboundMail) -> int | None:
        """As loops.sender_over_limit, counting the messages of the batch before this one as
        processing one by one would have: they are not processed yet while the batch decides."""
        now = inbound.received_at
        since = now - timedelta(hours=1)
        earlier = sum(
            1
            for position, at in self._sent.get(address, ())
            if position < self.position and since <= at <= now
        )
        recent = self._recent.get(address)
        if recent is None:
            if not earlier:
                return loops.sender_over_limit(address, now=now, exclude_id=inbound.pk)
            found = InboundMail.objects.filter(
                from_address=address, received_at__gte=since, received_at__lte=now
            ).exclude(pk__in=self.ids)
            stored = found.order_by().count()
        else:
            stored = bisect.bisect_right(recent, now) - bisect.bisect_left(recent, since)
        limit = settings.TIERDESK_MAIL_SENDER_LIMIT_PER_HOUR
        # Reported as loops.sender_over_limit reports it: counting stops one past the limit.
        count = min(stored + earlier, limit + 1)
        return count if count >= limit else None

    def depends_on_earlier(
        self, inbound: InboundMail, parsed: ParsedMail | None, plan: _Plan | None
    ) -> bool:
        """Whether what an earlier message of the batch writes may change this one's outcome:
        it refers to an earlier message (which may open the ticket it continues), or comes from
        an unknown person an earlier message makes a contact."""
        if parsed is None or plan is None:
            return False
        if self._message_ids.intersection(parsed.in_reply_to, parsed.references):
            return True
        return plan.new_contact is not None and plan.from_address.lower() in self._new_contacts

    def remember(self, inbound: InboundMail, parsed: ParsedMail | None, plan: _Plan | None) -> None:
        """Notes what the message was decided to be, for the batch's later messages."""
        if inbound.message_id_header:
            self._message_ids.add(inbound.message_id_header)
        if parsed is not None and parsed.message_id:
            self._message_ids.add(parsed.message_id)
        address = plan.from_address if plan is not None else ""
        if not address and parsed is not None:
            # A message that fails is quarantined with its sender, who it then counts for.
            address = (parsed.from_address or bare_address(inbound.envelope_from))[:998]
        if address:
            self._sent.setdefault(address, []).append((self.position, inbound.received_at))
        if plan is not None and plan.new_contact is not None:
            self._new_contacts.add(plan.from_address.lower())


def _own_addresses(addresses: dict[str, SupportAddress]) -> frozenset[str]:
    own = set(addresses)
    default = bare_address(settings.DEFAULT_FROM_EMAIL)
    if default:
        own.add(default)
    return frozenset(own)


def _people() -> QuerySet[User]:
    # An active person first, then the oldest account.
    return User.objects.select_related("organization").order_by("-is_active", "pk")


def _known_sender(address: str) -> User | None:
    """The person with this email address (in any case): an active one first, the oldest
    account first."""
    # Addresses are nearly always stored as written in lower case: the exact match is the cheap
    # one; the case-insensitive one reads the index on lower(email) (accounts_user_email_lower).
    people = _people()
    return (
        people.filter(email=address).first()
        or people.annotate(email_lower=Lower("email")).filter(email_lower=address.lower()).first()
    )


def organization_for_address(address: str) -> Organization | None:
    """The organization whose email_domains hold the address's domain (or a parent domain of
    it: mail from eu.acme.com belongs to acme.com), the most specific domain first."""
    return _Lookups(()).organization_for(address)


def _organization_owning(address: str, domains: Iterable[tuple[int, Any]]) -> int | None:
    """The id of the organization owning the address's domain among (id, email_domains)."""
    domain = address.rpartition("@")[2].strip().lower().rstrip(".")
    if not domain:
        return None
    best: tuple[int, int] | None = None
    for pk, owned_domains in domains:
        for item in owned_domains if isinstance(owned_domains, list) else []:
            owned = str(item).strip().lower().lstrip("@").rstrip(".")
            if owned and (domain == owned or domain.endswith("." + owned)):
                rank = (len(owned), -pk)
                if best is None or rank > best:
                    best = rank
    return None if best is None else -best[1]


def _mailbox_shaped(address: str) -> bool:
    """An address mail can come from: one @, something either side, no spaces. Internationalised
    addresses (jdöe@mächine.example, RFC 6532) count, which Django's validator refuses."""
    local, at, domain = address.rpartition("@")
    return (
        bool(at and local and domain and "." in domain)
        and len(address) <= 254
        and not any(c.isspace() or ord(c) < 32 for c in address)
    )


def contact_create(
    *, address: str, name: str = "", organization: Organization | None, language: str = ""
) -> User:
    """A customer contact for an address that wrote in: no password (they sign in once someone
    invites them), the display name they sent as their name. Without an organization the
    contact can mail the desk but sees nothing in the portal until staff place them in one.
    A contact created at the same moment by another worker is returned instead."""
    address = address.strip().lower()
    if not _mailbox_shaped(address):
        raise ValidationFailed(
            from_address=_("%(value)s is not an email address.") % {"value": address}
        ) from None
    name = " ".join((name or "").split())
    first, _space, last = name.rpartition(" ") if " " in name else (name, "", "")
    person = User(
        username=address[:150],
        email=address,
        role=Role.CUSTOMER,
        organization=organization,
        language=language if language in Language.values else Language.ENGLISH,
        first_name=first[:150],
        last_name=last[:150],
    )
    person.set_unusable_password()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                person.save()
            logger.info(
                "New contact %s (organization: %s) from inbound mail", address, organization
            )
            return person
        except IntegrityError:
            existing = User.objects.filter(email__iexact=address).order_by("pk").first()
            if existing is not None:
                return existing
            person.username = f"{address[:140]}-{secrets.token_hex(4)}"
    raise Conflict(_("Could not create a contact for %(address)s.") % {"address": address})


# --- the message -------------------------------------------------------------------------------


def detect_language(text: str) -> str:
    """The language the text is plainly written in: "ja", "ru", or "en" (Latin letters and no
    other script); "" when too short to tell (the ticket then takes the person's language)."""
    sample = text[:4000]
    kana = sum(1 for c in sample if "\u3040" <= c <= "\u30ff")
    han = sum(1 for c in sample if "\u4e00" <= c <= "\u9fff")
    cyrillic = sum(1 for c in sample if "\u0400" <= c <= "\u04ff")
    latin = sum(1 for c in sample if c.isascii() and c.isalpha())
    if kana >= 3 or (han >= 10 and kana >= 1):
        return Language.JAPANESE
    if cyrillic >= 10 and cyrillic >= 0.3 * (cyrillic + latin):
        return Language.RUSSIAN
    if latin >= 20 and kana + han + cyrillic == 0:
        return Language.ENGLISH
    return ""


def _content(parsed: ParsedMail) -> _Content:
    """The reply and its history, before the notes that need the reader's language."""
    text, body_html, quoted = parsed.text, "", ""
    if FORWARD_SUBJECT.match(parsed.subject):
        # A forward is what the customer wants us to read: nothing of it is history.
        body_html = sanitize_html(parsed.html) if parsed.html else ""
    elif parsed.html and parsed.text_from_html:
        split = quotes.split_html(parsed.html)
        text, body_html, quoted = split.reply_text, split.reply_html, split.quoted
    else:
        split_text = quotes.split_text(parsed.text)
        text, quoted = split_text.reply, split_text.quoted
        if parsed.html:
            split_html = quotes.split_html(parsed.html)
            if split_html.found or not split_text.found:
                body_html = split_html.reply_html
            # Else the HTML hides its quote where the text does not: the text alone is shown.
    body_html = _CID_IMAGE.sub(lambda m: _image_label(parsed.attachments, m.group(1)), body_html)
    return _Content(
        subject=parsed.subject,
        body=text.strip(),
        body_html=body_html.strip(),
        quoted=quoted.strip(),
        language=detect_language(f"{parsed.subject}\n{text}"),
    )


def _image_label(attachments: Sequence[ParsedAttachment], content_id: str) -> str:
    # Inline images travel as attachments; the body says which one stood here.
    name = next((a.filename for a in attachments if a.content_id == content_id), content_id)
    return html.escape(f"[{name}]")


def _finish_content(content: _Content, parsed: ParsedMail) -> None:
    """Subject and body within the ticket's limits, the attachments that may be kept, and a
    note in the body naming each file that was not kept and why (in the active language)."""
    subject = " ".join(content.subject.split())
    content.subject = subject[:SUBJECT_MAX] if subject else _("(no subject)")
    notes: list[str] = []
    for item in parsed.attachments:
        upload = NewAttachment(
            filename=item.filename or "attachment",
            content_type=item.content_type,
            file=SimpleUploadedFile(item.filename or "attachment", item.content, item.content_type),
        )
        refusal = validate_attachment(upload)
        if refusal is None:
            content.attachments.append(upload)
        else:
            notes.append(
                _("%(name)s (%(size)s) was not kept: %(reason)s")
                % {"name": item.filename, "size": filesizeformat(item.size), "reason": refusal}
            )
    if not content.body:
        content.body = _("(This email has no text.)")
        content.body_html = ""
    if len(content.body) > BODY_MAX - 1000:
        content.body = (
            content.body[: BODY_MAX - 1000].rstrip()
            + "\n\n"
            + _("(Shortened: the whole email is kept with the original message.)")
        )
        content.body_html = ""
    if notes:
        content.body += "\n\n" + "\n".join(notes)
        if content.body_html:
            content.body_html += "".join(f"<p>{html.escape(note)}</p>" for note in notes)


def _add_reply(sender: User, ticket: Ticket, content: _Content) -> Message:
    if ticket.status == Status.CLOSED:
        follow_up = ticket_open_follow_up(
            actor=sender,
            ticket=ticket,
            body=content.body,
            body_html=content.body_html,
            channel=Channel.EMAIL,
            attachments=content.attachments,
        )
        return follow_up.messages.order_by("created_at", "id").first() or _missing(follow_up)
    return ticket_reply(
        actor=sender,
        ticket=ticket,
        body=content.body,
        body_html=content.body_html,
        channel=Channel.EMAIL,
        attachments=content.attachments,
    )


def _missing(ticket: Ticket) -> Message:  # pragma: no cover - ticket_open always writes one
    raise Conflict(f"Ticket #{ticket.number} has no message")


def support_address_for_mail(
    inbound: InboundMail,
    parsed: ParsedMail | None = None,
    *,
    addresses: dict[str, SupportAddress] | None = None,
) -> SupportAddress | None:
    """The support address the mail was sent to: the envelope's recipients, the mailbox's
    address, then To, Cc and Delivered-To; a tagged address (support+t12-...@) counts as its
    address. None when none matches. `addresses` are the support addresses by address in lower
    case when the caller read them already."""
    if addresses is None:
        addresses = {a.address.lower(): a for a in SupportAddress.objects.select_related("group")}
    if not addresses:
        return None
    candidates: list[str] = list(inbound.recipients or [])
    if inbound.mailbox_id:
        mailbox = (
            Mailbox.objects.select_related("support_address").filter(pk=inbound.mailbox_id).first()
        )
        if mailbox is not None and mailbox.support_address is not None:
            candidates.append(mailbox.support_address.address)
    if parsed is not None:
        candidates += parsed.to + parsed.cc
        candidates += parsed.header_all("delivered-to") + parsed.header_all("x-original-to")
    for candidate in candidates:
        found = addresses.get(bare_address(candidate)) or addresses.get(without_tag(candidate))
        if found is not None:
            return found
    return None


def _group_for(inbound: InboundMail, parsed: ParsedMail, lookups: _Lookups) -> SkillGroup | None:
    address = support_address_for_mail(inbound, parsed, addresses=lookups.support_addresses())
    if address is None:
        address = lookups.default_address()
    return address.group if address is not None else None


def _open_ticket(
    sender: User,
    group: SkillGroup | None,
    content: _Content,
    *,
    opened: list[_Opened] | None = None,
) -> Message:
    """Opens the ticket and returns its first message. Routed at once, or, with `opened`, left
    for the batch to route (see _route_opened)."""
    ticket = ticket_open(
        actor=sender,
        subject=content.subject,
        body=content.body,
        body_html=content.body_html,
        channel=Channel.EMAIL,
        language=content.language,
        group=None if sender.is_customer else group,
        attachments=content.attachments,
        route=opened is None,
    )
    address_group = group if sender.is_customer else None
    if opened is not None:
        opened.append(_Opened(ticket, address_group))
    elif address_group is not None and ticket.group_id is None:
        # A customer may not choose a group, but the address they wrote to did; routing ran
        # without one and runs again now that the ticket has it (to assign it, for one).
        from tierdesk.routing.services import ticket_route

        change_field(ticket, None, "group", address_group, timezone.now())
        ticket.save(update_fields=["group"])
        ticket_route(ticket, actor=None)
    message = ticket.messages.order_by("created_at", "id").first()
    return message if message is not None else _missing(ticket)


# --- support addresses -------------------------------------------------------------------------

ADDRESS_FIELDS = ("address", "name", "brand", "group", "is_default")


def _check_admin(actor: User) -> None:
    if not can_configure_mail(actor):
        raise PermissionDenied(_("Only administrators manage support addresses."))


def _address_values(changes: dict[str, Any], current: SupportAddress | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in changes:
        if name not in ADDRESS_FIELDS:
            errors[name] = _("Unknown field.")
    if "address" in changes or current is None:
        address = str(changes.get("address") or "").strip().lower()
        if not address:
            errors["address"] = _("This field is required.")
        else:
            try:
                validate_email(address)
            except DjangoValidationError:
                errors["address"] = _("Enter a valid email address.")
            else:
                if "+" in address.partition("@")[0]:
                    errors["address"] = _(
                        "A support address has no +tag; tags name tickets in reply addresses."
                    )
                clash = SupportAddress.objects.filter(address__iexact=address)
                if current is not None:
                    clash = clash.exclude(pk=current.pk)
                if clash.exists():
                    errors["address"] = _("%(address)s is already a support address.") % {
                        "address": address
                    }
        values["address"] = address
    for name, limit in (("name", 120), ("brand", 120)):
        if name in changes:
            text = " ".join(str(changes[name] or "").split())
            if len(text) > limit:
                errors[name] = _("At most %(max)d characters.") % {"max": limit}
            values[name] = text
    if "group" in changes:
        group = changes["group"]
        if group in (None, ""):
            values["group"] = None
        elif isinstance(group, SkillGroup):
            values["group"] = group
        else:
            from tierdesk.accounts.selectors import skill_group_by_reference

            found = skill_group_by_reference(group)
            if found is None:
                errors["group"] = _("No skill group %(value)s.") % {"value": group}
            values["group"] = found
    if "is_default" in changes:
        if not isinstance(changes["is_default"], bool):
            errors["is_default"] = _("Give true or false.")
        values["is_default"] = bool(changes["is_default"])
    if errors:
        raise ValidationFailed(errors)
    return values


def _save_address(address: SupportAddress, values: dict[str, Any]) -> SupportAddress:
    for name, value in values.items():
        setattr(address, name, value)
    if address.is_default:
        # One default: choosing another moves it. Cleared first, the constraint never sees two.
        SupportAddress.objects.filter(is_default=True).exclude(pk=address.pk).update(
            is_default=False
        )
    elif not SupportAddress.objects.exclude(pk=address.pk).filter(is_default=True).exists():
        # Mail to no known address goes to the default's group: there is always one.
        address.is_default = True
    address.save()
    return address


@transaction.atomic
def support_address_create(*, actor: User, fields: dict[str, Any]) -> SupportAddress:
    """Adds a support address. The first one becomes the default; one marked default takes
    over from the previous default. Raises ValidationFailed naming each refused field."""
    _check_admin(actor)
    values = _address_values(fields, None)
    return _save_address(SupportAddress(), values)


@transaction.atomic
def support_address_update(
    *, actor: User, address: SupportAddress, changes: dict[str, Any]
) -> SupportAddress:
    """Changes the fields given. Unmarking the default is refused: mark another one instead."""
    _check_admin(actor)
    address = SupportAddress.objects.select_for_update().get(pk=address.pk)
    values = _address_values(changes, address)
    if address.is_default and values.get("is_default") is False:
        raise ValidationFailed(
            is_default=_("Mark another address as the default; this one then stops being it.")
        )
    return _save_address(address, values)


@transaction.atomic
def support_address_delete(*, actor: User, address: SupportAddress) -> None:
    """Deletes a support address. The default goes last: while others exist, mark another as
    the default first (Conflict)."""
    _check_admin(actor)
    address = SupportAddress.objects.select_for_update().get(pk=address.pk)
    if address.is_default and SupportAddress.objects.exclude(pk=address.pk).exists():
        raise Conflict(_("This is the default address; mark another as the default first."))
    address.delete()


# --- for the CLI -------------------------------------------------------------------------------


def inbound_reprocess_many(
    *,
    status: str = InboundStatus.QUARANTINED,
    limit: int = 100,
    on_each: Callable[[InboundMail], None] | None = None,
) -> list[InboundMail]:
    """Reprocesses up to `limit` messages in `status` (quarantined by default), oldest first, as
    the system; messages kept only in part are skipped. Returns the rows after processing."""
    rows = (
        InboundMail.objects.filter(status=status)
        .exclude(reason_code=InboundReason.OVERSIZE)
        .order_by("received_at", "pk")
        .only("pk", "status", "reason_code", "ticket_id")[:limit]
    )
    done: list[InboundMail] = []
    for row in rows:
        result = inbound_reprocess(actor=None, inbound=row)
        if on_each is not None:
            on_each(result)
        done.append(result)
    return done
