"""Email of the desk's public replies: queued with the reply, sent by the worker with threading
headers, retried on temporary failures, and marked when the customer's server bounces it.

A public reply by staff is queued in the transaction that saves it (see signals), so a reply
never exists without its email; the send runs in the worker once the reply commits. An attempt
that fails temporarily (the server is away, a 4xx answer) is retried after 1 minute, 5 minutes,
30 minutes and 2 hours, then the email has failed; a permanent refusal (5xx) fails it at once.
The reason is kept and staff may send a failed email again. Every queued email due for an
attempt is also picked up by a periodic sweep, so retries survive a worker restart; an email
still queued after MAX_ATTEMPTS attempts (its worker died each time) is failed by the sweep.
Anything else that goes wrong in an attempt (a header the mail library refuses, a bug) fails the
email at once with the error as its reason: it would go wrong again.

Which replies are emailed: every public message written by staff, whatever its channel, except
- the lines of a live chat: a message with channel chat while the ticket's chat waits or is
  taken (the customer reads it in the chat; once the chat has ended, a reply on its ticket is
  emailed, as the widget promises);
- a call's log: the message a reported call opens its ticket with (tierdesk.phone writes it as
  the reporting account). It is queued like any opening and withdrawn, in the same transaction,
  when the call that opened the ticket is saved (see signals); a reply written later on the
  phone ticket is emailed.
and only to customers: staff requesters (the reporting account of an unknown caller's ticket)
and staff merged in are never written to, nor the address a widget visitor typed when it was
an existing customer's (nobody proved it theirs).
"""

from __future__ import annotations

import logging
import smtplib
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tierdesk.accounts.models import User
from tierdesk.chat.choices import OPEN_STATUSES
from tierdesk.chat.models import ChatSession
from tierdesk.core.errors import Conflict, NotFound, PermissionDenied
from tierdesk.mail.addresses import bare_address, reply_address, sender
from tierdesk.mail.choices import OutboundStatus
from tierdesk.mail.models import InboundMail, OutboundMail
from tierdesk.phone.models import Call
from tierdesk.tickets.choices import Channel, EventKind, MessageKind
from tierdesk.tickets.events import record_event
from tierdesk.tickets.models import Message, Ticket
from tierdesk.tickets.selectors import ticket_get_for_user
from tierdesk.tickets.validation import clean_body

logger = logging.getLogger(__name__)

# Waits after the 1st, 2nd, ... failed attempt; after the last one the email has failed.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# How long a claimed attempt may run before the sweep takes it for lost (a killed worker); well
# above the SMTP timeout of one connection.
ATTEMPT_LEASE = timedelta(minutes=10)
# Message-IDs kept in References: the thread's first and its latest, as RFC 5322 suggests.
REFERENCES_MAX = 20
REASON_MAX = 2000


def retry_delay(attempt: int) -> timedelta | None:
    """The wait after failed attempt number `attempt`, or None when no attempt follows."""
    if 1 <= attempt <= len(RETRY_DELAYS):
        return RETRY_DELAYS[attempt - 1]
    return None


def _enqueue(outbound_id: int) -> None:
    # Imported here: the tasks module imports this one.
    from tierdesk.mail.outbound_tasks import send_outbound

    send_outbound(outbound_id)


def _schedule(outbound_id: int, eta: datetime) -> None:
    from tierdesk.mail.outbound_tasks import send_outbound

    send_outbound.schedule(args=(outbound_id,), eta=eta)


# --- queueing ----------------------------------------------------------------------------------


def outbound_recipients(ticket: Ticket, *, author: User | None = None) -> list[str]:
    """The addresses a public reply on `ticket` goes to: the requester's, then the additional
    requesters' (people merged in), each once, without the reply's author, staff (they read the
    ticket in the desk; an unknown caller's ticket is requested by the reporting account) and
    people whose account is disabled or who have no address."""
    from tierdesk.macros.models import TicketCollaborator

    people = [ticket.requester]
    people += [
        c.person
        for c in TicketCollaborator.objects.filter(ticket_id=ticket.pk).select_related("person")
    ]
    addresses: list[str] = []
    seen: set[str] = set()
    for person in people:
        address = bare_address(person.email)
        if not address or not person.is_active or person.is_support_staff or address in seen:
            continue
        if author is not None and person.pk == author.pk:
            continue
        seen.add(address)
        addresses.append(person.email.strip())
    return addresses


def header_text(value: str) -> str:
    """`value` fit for one header line: control characters (CR and LF among them) and line
    separators as spaces, runs of white space as one space, so no text of a person's name or a
    ticket's subject can start a header of its own."""
    return " ".join(
        "".join(
            " " if unicodedata.category(char) in {"Cc", "Zl", "Zp"} else char
            for char in value or ""
        ).split()
    )


def outbound_subject(ticket: Ticket) -> str:
    """`[#<number>] <subject>`, as `Re: ...` when the ticket came by email (the customer wrote
    first), so both the number and the thread read in the customer's mail client."""
    subject = header_text(ticket.subject)
    if ticket.channel == Channel.EMAIL:
        while subject[:3].lower() == "re:":
            subject = subject[3:].lstrip()
        return f"Re: [#{ticket.number}] {subject}"[:998]
    return f"[#{ticket.number}] {subject}"[:998]


def _display_address(name: str, address: str) -> str:
    name = header_text(name)
    if not name:
        return address
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{address}>'


def in_live_chat(message: Message) -> bool:
    """Whether `message` is a line of a live chat: channel chat, on a ticket whose chat waits or
    is taken, so the customer reads it in the chat."""
    return (
        message.channel == Channel.CHAT
        and ChatSession.objects.filter(
            ticket_id=message.ticket_id, status__in=OPEN_STATUSES
        ).exists()
    )


def from_unproved_chat(message: Message) -> bool:
    """Whether the ticket came from a widget chat whose visitor typed the address of a customer
    who already existed: nobody proved the address is theirs, so the desk does not write to it
    (staff see the ticket tagged unverified-chat)."""
    return ChatSession.objects.filter(ticket_id=message.ticket_id, existing_contact=True).exists()


def outbound_queue(message: Message) -> OutboundMail | None:
    """Queues the email of a public reply written by staff, in the caller's transaction, and
    its first attempt for after the commit. Returns None (and queues nothing) for internal
    notes, customers' own messages, lines of a live chat (see in_live_chat), messages that
    already have an email, and tickets with nobody to write to (a requester without an address
    or on the staff). A call's log is queued here and withdrawn by outbound_withdraw_call_log."""
    author = message.author
    if message.kind != MessageKind.PUBLIC or not author.is_support_staff or in_live_chat(message):
        return None
    if message.ticket.channel == Channel.CHAT and from_unproved_chat(message):
        return None
    ticket = message.ticket
    to = outbound_recipients(ticket, author=author)
    if not to or OutboundMail.objects.filter(message_id=message.pk).exists():
        return None
    desk_name, desk_address = sender(ticket)
    from_name = f"{author.display_name} ({desk_name})" if desk_name else author.display_name
    domain = desk_address.rpartition("@")[2] or "tierdesk.invalid"
    now = timezone.now()
    outbound = OutboundMail.objects.create(
        message=message,
        ticket=ticket,
        message_id_header=f"{uuid.uuid4().hex}@{domain}",
        from_address=_display_address(from_name, desk_address),
        to=to,
        cc=[],
        subject=outbound_subject(ticket),
        status=OutboundStatus.QUEUED,
        next_attempt_at=now,
        created_at=now,
    )
    outbound_id = outbound.pk
    transaction.on_commit(lambda: _enqueue(outbound_id))
    return outbound


def outbound_withdraw_call_log(call: Call) -> int:
    """Withdraws the email of the message a reported call opened its ticket with (the call's
    log, written by tierdesk.phone as the reporting account; not a reply to the customer).
    Called when the call is saved, in the transaction that opened the ticket, so the email is
    never attempted. Only an email still queued and never attempted is withdrawn. Returns how
    many were (0 or 1)."""
    if not call.ticket_opened or call.ticket_id is None:
        return 0
    opening = (
        Message.objects.filter(ticket_id=call.ticket_id)
        .order_by("created_at", "id")
        .values_list("pk", "channel")
        .first()
    )
    if opening is None or opening[1] != Channel.PHONE:
        return 0
    withdrawn, _kinds = OutboundMail.objects.filter(
        message_id=opening[0], status=OutboundStatus.QUEUED, attempts=0
    ).delete()
    return withdrawn


# --- building the email ------------------------------------------------------------------------


def thread_headers(outbound: OutboundMail) -> tuple[str, list[str]]:
    """(In-Reply-To, References) of an email, Message-IDs without angle brackets.

    In-Reply-To names the customer's latest mail on the ticket before this reply, else the
    desk's previous email of the ticket; "" for the first email of a ticket that never had
    mail. References lists the ticket's mail both ways, oldest first, at most REFERENCES_MAX
    (the first one and the latest ones). Emails that failed or bounced never reached the
    customer and are left out."""
    inbound = list(
        InboundMail.objects.filter(
            ticket_id=outbound.ticket_id, received_at__lte=outbound.created_at
        )
        .exclude(message_id_header="")
        .order_by("received_at", "id")
        .values_list("received_at", "message_id_header")
    )
    earlier = list(
        OutboundMail.objects.filter(
            ticket_id=outbound.ticket_id,
            created_at__lte=outbound.created_at,
            status__in=[OutboundStatus.QUEUED, OutboundStatus.SENT],
            id__lt=outbound.pk,
        )
        .order_by("created_at", "id")
        .values_list("created_at", "message_id_header")
    )
    in_reply_to = inbound[-1][1] if inbound else (earlier[-1][1] if earlier else "")
    chain: list[str] = []
    for _at, message_id in sorted(inbound + earlier, key=lambda pair: pair[0]):
        if message_id not in chain:
            chain.append(message_id)
    if len(chain) > REFERENCES_MAX:
        chain = [chain[0], *chain[-(REFERENCES_MAX - 1) :]]
    return in_reply_to, chain


def _angle(message_id: str) -> str:
    return f"<{message_id}>"


def _portal_url(ticket: Ticket) -> str:
    base = settings.TIERDESK_PUBLIC_URL.rstrip("/")
    return f"{base}{reverse('portal:ticket', args=[ticket.number])}"


def _footer(ticket: Ticket, desk_name: str) -> tuple[str, str]:
    """The footer's words, in the active language: how to answer, and what the portal link
    leads to."""
    answer = _("Reply to this email to answer on ticket #%(number)s.") % {"number": ticket.number}
    if desk_name:
        answer = f"{desk_name} · {answer}"
    return answer, _("The whole conversation is in the support portal:")


def outbound_email(outbound: OutboundMail) -> EmailMultiAlternatives:
    """The email of `outbound` as sent: plain text and HTML (the reply's sanitised HTML in the
    desk's layout, with a footer in the requester's language), the reply's files attached,
    threading headers, and Reply-To the ticket's signed reply address. The envelope sender is
    that reply address too, so bounces come back to the ticket."""
    message = outbound.message
    ticket = outbound.ticket
    desk_name = sender(ticket)[0]
    reply_to = reply_address(ticket)
    with translation.override(ticket.requester.language or settings.LANGUAGE_CODE):
        answer, read = _footer(ticket, desk_name)
        portal_url = _portal_url(ticket)
        html = render_to_string(
            "mail/_outbound_email.html",
            {
                "subject": outbound.subject,
                "body_html": message.body_html,
                "answer": answer,
                "read": read,
                "portal_url": portal_url,
                "language": translation.get_language(),
            },
        )
    text = f"{message.body_text}\n\n-- \n{answer}\n{read} {portal_url}\n"
    in_reply_to, references = thread_headers(outbound)
    headers = {
        "From": header_text(outbound.from_address),
        "Message-ID": _angle(outbound.message_id_header),
        "X-Tierdesk-Ticket": str(ticket.number),
    }
    if in_reply_to:
        headers["In-Reply-To"] = _angle(in_reply_to)
    if references:
        headers["References"] = " ".join(_angle(m) for m in references)
    email = EmailMultiAlternatives(
        # Cleaned again: an email queued before its header text was cleaned sends safely too.
        subject=header_text(outbound.subject),
        body=text,
        from_email=reply_to,
        to=list(outbound.to),
        cc=list(outbound.cc),
        reply_to=[reply_to],
        headers=headers,
    )
    email.attach_alternative(html, "text/html")
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as stored:
            email.attach(attachment.filename, stored.read(), attachment.content_type or None)
    return email


# --- sending -----------------------------------------------------------------------------------


def _claim(outbound_id: int, now: datetime) -> bool:
    """Takes the next attempt of a queued email whose attempt is due and that has attempts
    left (fewer than MAX_ATTEMPTS made). A conditional update, so of two workers (the queued
    task and the sweep) only one sends."""
    return bool(
        OutboundMail.objects.filter(
            pk=outbound_id,
            status=OutboundStatus.QUEUED,
            next_attempt_at__lte=now,
            attempts__lt=MAX_ATTEMPTS,
        ).update(next_attempt_at=now + ATTEMPT_LEASE, attempts=F("attempts") + 1)
    )


def _decoded(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def smtp_failure(error: Exception) -> tuple[bool, str]:
    """(temporary, reason) of a failed send. Temporary: the server could not be reached or
    dropped the connection, timed out, or answered 4xx; a 5xx answer is permanent (for refused
    recipients: only when every one was refused with 5xx)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refusals = [
            (code, f"{rcpt}: {code} {_decoded(text)}")
            for rcpt, (code, text) in error.recipients.items()
        ]
        temporary = any(not 500 <= code < 600 for code, _text in refusals) or not refusals
        return temporary, "; ".join(text for _code, text in refusals)
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        return not 500 <= code < 600, f"{code} {_decoded(error.smtp_error)}".strip()
    return True, f"{type(error).__name__}: {error}".rstrip(": ")


def outbound_send(outbound_id: int) -> OutboundMail | None:
    """Makes one attempt to send the email, if one is due, and records its outcome.

    Returns the email, or None when no attempt was due (sent already, failed, another worker
    holds the attempt, or its retry is later), so running it twice is safe. The SMTP
    conversation happens outside any transaction.
    """
    now = timezone.now()
    if not _claim(outbound_id, now):
        return None
    outbound = OutboundMail.objects.select_related(
        "message", "ticket__requester", "ticket__group"
    ).get(pk=outbound_id)
    try:
        email = outbound_email(outbound)
    except Exception as error:
        # What cannot be built now (a file gone from storage) will not build later either.
        logger.exception("Could not build outbound email %s", outbound_id)
        return _record(outbound_id, error=f"{type(error).__name__}: {error}", temporary=False)
    try:
        get_connection(fail_silently=False).send_messages([email])
    except (smtplib.SMTPException, OSError) as error:
        temporary, reason = smtp_failure(error)
        return _record(outbound_id, error=reason, temporary=temporary)
    except Exception as error:
        # Not the server's answer: the message itself could not be written (a header the mail
        # library refuses) or a bug. Trying again would fail the same way.
        logger.exception("Could not send outbound email %s", outbound_id)
        return _record(outbound_id, error=f"{type(error).__name__}: {error}", temporary=False)
    return _record(outbound_id, error="", temporary=False)


@transaction.atomic
def _record(outbound_id: int, *, error: str, temporary: bool) -> OutboundMail:
    now = timezone.now()
    outbound = OutboundMail.objects.select_for_update().get(pk=outbound_id)
    if not error:
        outbound.status = OutboundStatus.SENT
        outbound.sent_at = now
        outbound.reason = ""
        outbound.next_attempt_at = None
    else:
        outbound.reason = error[:REASON_MAX]
        delay = retry_delay(outbound.attempts) if temporary else None
        if delay is not None:
            outbound.next_attempt_at = eta = now + delay
            transaction.on_commit(lambda: _schedule(outbound_id, eta))
        else:
            outbound.status = OutboundStatus.FAILED
            outbound.next_attempt_at = None
            logger.warning(
                "Outbound email %s of ticket #%s failed after %s attempt(s): %s",
                outbound_id,
                outbound.ticket_id,
                outbound.attempts,
                error,
            )
    outbound.save(update_fields=["status", "sent_at", "reason", "next_attempt_at"])
    return outbound


def outbound_send_due(*, limit: int = 100) -> int:
    """One pass of the sweep: attempts every queued email whose attempt is due, including those
    whose queued task was lost and those whose worker died mid-attempt, and fails those due with
    no attempt left (each of their MAX_ATTEMPTS workers died mid-attempt). Returns the number of
    attempts made."""
    now = timezone.now()
    _fail_exhausted(now)
    due = list(
        OutboundMail.objects.filter(
            status=OutboundStatus.QUEUED, next_attempt_at__lte=now, attempts__lt=MAX_ATTEMPTS
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for outbound_id in due if outbound_send(outbound_id) is not None)


def _fail_exhausted(now: datetime) -> None:
    """Fails the queued emails whose lease ran out after their last attempt, keeping the reason
    of an earlier failure or naming why, so staff see them and may send them again."""
    exhausted = OutboundMail.objects.filter(
        status=OutboundStatus.QUEUED, next_attempt_at__lte=now, attempts__gte=MAX_ATTEMPTS
    )
    ids = list(exhausted.values_list("pk", flat=True)[:100])
    if not ids:
        return
    exhausted = exhausted.filter(pk__in=ids)
    with transaction.atomic():
        exhausted.filter(reason="").update(
            reason=f"No outcome after {MAX_ATTEMPTS} attempts: each one was interrupted."
        )
        exhausted.update(status=OutboundStatus.FAILED, next_attempt_at=None)
    logger.warning("Outbound emails %s failed: no attempt left", ids)


# --- retry and bounces -------------------------------------------------------------------------


@transaction.atomic
def outbound_retry(*, actor: User, outbound: OutboundMail) -> OutboundMail:
    """Queues a new attempt of an email that failed, with a fresh back-off. Staff who may reply
    publicly on the ticket only. Raises NotFound for a ticket the actor may not read,
    PermissionDenied for anyone else, Conflict for an email that has not failed."""
    ticket_get_for_user(actor, outbound.ticket_id)
    if not actor.is_active or not actor.can_reply_publicly:
        raise PermissionDenied(_("Only staff who reply to customers may send an email again."))
    outbound = OutboundMail.objects.select_for_update().get(pk=outbound.pk)
    if outbound.status != OutboundStatus.FAILED:
        raise Conflict(
            _("This email is %(status)s; only an email that failed is sent again.")
            % {"status": outbound.get_status_display().lower()}
        )
    outbound.status = OutboundStatus.QUEUED
    outbound.attempts = 0
    outbound.next_attempt_at = timezone.now()
    outbound.save(update_fields=["status", "attempts", "next_attempt_at"])
    outbound_id = outbound.pk
    transaction.on_commit(lambda: _enqueue(outbound_id))
    return outbound


def normalized_message_id(value: str) -> str:
    """A Message-ID as stored: without angle brackets and surrounding space."""
    value = (value or "").strip()
    if value.startswith("<") and ">" in value:
        value = value[1 : value.index(">")]
    return value.strip()


@transaction.atomic
def outbound_mark_bounced(message_id_header: str, reason: str) -> OutboundMail | None:
    """Marks the email with this Message-ID (with or without angle brackets) bounced, with the
    reason the customer's server gave, and adds an internal note on its ticket naming the reply,
    its recipients and the reason, so the engineer sees the customer did not get it. Returns
    None when the desk sent no email with that Message-ID; an email already marked bounced is
    returned unchanged (a second report adds no second note)."""
    message_id = normalized_message_id(message_id_header)
    if not message_id:
        return None
    outbound = (
        OutboundMail.objects.select_for_update()
        .select_related("message__author", "ticket")
        .filter(message_id_header=message_id)
        .first()
    )
    if outbound is None:
        return None
    if outbound.status == OutboundStatus.BOUNCED:
        return outbound
    now = timezone.now()
    outbound.status = OutboundStatus.BOUNCED
    outbound.reason = (" ".join((reason or "").split()) or _("no reason given"))[:REASON_MAX]
    outbound.bounced_at = now
    outbound.next_attempt_at = None
    outbound.save(update_fields=["status", "reason", "bounced_at", "next_attempt_at"])
    _note_bounce(outbound, now)
    return outbound


def _note_bounce(outbound: OutboundMail, at: datetime) -> Message:
    """An internal note on the ticket, by the reply's author (so it reads in their language),
    recorded as the system's."""
    author = outbound.message.author
    ticket = outbound.ticket
    with translation.override(author.language or settings.LANGUAGE_CODE):
        text = _("The reply of %(time)s to %(to)s bounced: %(reason)s") % {
            "time": outbound.message.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "to": ", ".join(outbound.to),
            "reason": outbound.reason,
        }
    errors: dict[str, str] = {}
    body_text, body_html = clean_body(text, "", errors)
    note = Message.objects.create(
        ticket=ticket,
        author=author,
        kind=MessageKind.INTERNAL,
        channel=ticket.channel,
        body_text=body_text,
        body_html=body_html,
        created_at=at,
    )
    record_event(ticket, actor=None, kind=EventKind.NOTE, at=at, message=note)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=at)
    return note


# --- reading -----------------------------------------------------------------------------------


def outbound_for_ticket(
    user: User, ticket: Ticket, *, limit: int | None = None
) -> list[OutboundMail]:
    """The ticket's emails, newest first; staff only (PermissionDenied for customers). The
    caller has checked the user may read the ticket."""
    if not user.is_support_staff:
        raise PermissionDenied(_("Only staff see the delivery of emails."))
    emails: QuerySet[OutboundMail] = OutboundMail.objects.filter(ticket_id=ticket.pk).order_by(
        "-created_at", "-id"
    )
    return list(emails[:limit] if limit else emails)


def outbound_get_for_user(user: User, outbound_id: int) -> OutboundMail:
    """The email, or NotFound when it does not exist or is on a ticket `user` may not read.
    PermissionDenied for customers, whatever the id."""
    if not user.is_support_staff:
        raise PermissionDenied(_("Only staff see the delivery of emails."))
    outbound = OutboundMail.objects.filter(pk=outbound_id).first()
    if outbound is None:
        raise NotFound(_("No such email."))
    ticket_get_for_user(user, outbound.ticket_id)
    return outbound
