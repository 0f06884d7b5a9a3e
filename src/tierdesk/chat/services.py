"""Every write of live chat: start (from the widget or the portal), take, a line from either side,
end, and the sweep that ends chats whose customer left. A chat's lines are its ticket's public
messages, written through the ticket services, so the transcript is the timeline.

Locks: a service that changes a chat and its ticket locks the chat first, then the ticket (through
the ticket services), so two of them never wait on each other in opposite orders."""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Language, Role
from tierdesk.accounts.models import Organization, User, hash_token
from tierdesk.chat.choices import (
    OPEN_STATUSES,
    ChatOrigin,
    ChatStatus,
    EndReason,
)
from tierdesk.chat.models import ChatSession, ChatStreamTicket, ChatWidgetSite
from tierdesk.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ServiceError,
    ValidationFailed,
)
from tierdesk.core.pagination import ID_MAX
from tierdesk.queues.selectors import sees_every_queue
from tierdesk.tickets.choices import Channel, EventKind, Status
from tierdesk.tickets.events import history_written
from tierdesk.tickets.models import Message
from tierdesk.tickets.services import ticket_open, ticket_reply, ticket_update

__all__ = [
    "LINE_MAX",
    "STREAM_TICKET_SECONDS",
    "UNVERIFIED_TAG",
    "ChatStarted",
    "StreamTicketRefused",
    "TooManyRequests",
    "chat_end",
    "chat_reply",
    "chat_rotate_token",
    "chat_start_customer",
    "chat_start_visitor",
    "chat_stream_ticket",
    "chat_stream_ticket_use",
    "chat_take",
    "chat_visitor_line",
    "chat_visitor_seen",
    "chats_end_left",
    "may_take",
    "visitor_contact",
    "visitor_contact_found",
]

NAME_MAX = 120
EMAIL_MAX = 254
LINE_MAX = 5_000
PAGE_URL_MAX = 500
SUBJECT_LENGTH = 80

# Starting chats: modest limits that a person never meets and a script meets at once. One
# address may be a whole office behind one gateway, so it gets more than one email does.
STARTS_PER_IP_PER_HOUR = 20
STARTS_PER_EMAIL_PER_HOUR = 6
# Lines a customer may send in a minute; a person types far fewer.
VISITOR_LINES_PER_MINUTE = 30

# The customer's stream reconnects every ~25 s and marks them seen at most every 15 s, so a
# customer who still has the page open is seen at least every 40 s; after three minutes without a
# sign they closed it, and the sweep ends the chat (its ticket continues by email or portal).
SEEN_EVERY_SECONDS = 15
VISITOR_GONE_SECONDS = 180

# The tag on the ticket of a widget chat whose typed address belongs to a customer who existed
# before it: the visitor did not prove the address is theirs, so the team knows not to share that
# customer's details in the chat.
UNVERIFIED_TAG = "unverified-chat"

# A stream ticket opens one event stream within a minute of being asked for. A chat keeps at
# most a few unused ones (several tabs of one site); asking for more drops the oldest.
STREAM_TICKET_SECONDS = 60
STREAM_TICKETS_PER_CHAT = 10


class TooManyRequests(ServiceError):
    """A rate limit was reached; `retry_after` says in how many seconds to try again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class StreamTicketRefused(PermissionDenied):
    """A stream was asked for with no valid stream ticket; `field` names the parameter."""

    field = "ticket"


@dataclass(frozen=True)
class ChatStarted:
    """A chat just started, with the raw secret of its customer: shown once, never stored."""

    chat: ChatSession
    token: str


# --- input ---------------------------------------------------------------------------------------


def _clean_line(value: object, field: str, errors: dict[str, str]) -> str:
    text = str(value or "").replace("\r\n", "\n").strip()
    if not text:
        errors[field] = _("This field is required.")
    elif len(text) > LINE_MAX:
        errors[field] = _("At most %(max)d characters.") % {"max": LINE_MAX}
    return text


def _clean_name(value: object, errors: dict[str, str]) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        errors["name"] = _("This field is required.")
    elif len(text) > NAME_MAX:
        errors["name"] = _("At most %(max)d characters.") % {"max": NAME_MAX}
    return text


def _clean_email(value: object, errors: dict[str, str]) -> str:
    text = str(value or "").strip()
    if not text:
        errors["email"] = _("This field is required.")
        return text
    if len(text) > EMAIL_MAX:
        errors["email"] = _("At most %(max)d characters.") % {"max": EMAIL_MAX}
        return text
    try:
        validate_email(text)
    except ValidationError:
        errors["email"] = _("Give an email address, e.g. name@example.com.")
        return text
    local, _at, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def _clean_language(value: object) -> str:
    """The language of a browser tag such as "ja-JP", if the desk speaks it; otherwise ""."""
    code = str(value or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in Language.values else ""


def _clean_page_url(value: object) -> str:
    text = str(value or "").strip()
    if not re.match(r"^https?://", text, re.IGNORECASE):
        return ""
    return text[:PAGE_URL_MAX]


def _subject_from(message: str) -> str:
    """The ticket's subject: the first line of the first message, cut at a word."""
    first = " ".join(message.split("\n", 1)[0].split())
    if len(first) <= SUBJECT_LENGTH:
        return first
    cut = first[:SUBJECT_LENGTH].rsplit(" ", 1)[0] or first[:SUBJECT_LENGTH]
    return cut + "…"


def _new_token() -> tuple[str, str]:
    raw = "tdc_" + secrets.token_urlsafe(32)
    return raw, hash_token(raw)


# --- contacts --------------------------------------------------------------------------------------


def _organization_for_domain(domain: str) -> Organization | None:
    """The organization whose email domains include `domain`; the oldest when several claim it.

    Matched as text first (JSON containment is not a lookup SQLite has), then exactly."""
    candidates = Organization.objects.filter(email_domains__icontains=f'"{domain}"').order_by("pk")
    for organization in candidates:
        domains = {str(d).strip().lower() for d in organization.email_domains or []}
        if domain in domains:
            return organization
    return None


def _free_username(email: str) -> str:
    base = email.lower()[:140]
    if not User.objects.filter(username=base).exists():
        return base
    for number in range(2, 1000):
        candidate = f"{base}+{number}"
        if not User.objects.filter(username=candidate).exists():
            return candidate
    return f"{base}+{secrets.token_hex(4)}"


def visitor_contact(
    *, name: str, email: str, site: ChatWidgetSite | None = None, language: str = ""
) -> User:
    """The customer contact a widget visitor chats as (see `visitor_contact_found`)."""
    return visitor_contact_found(name=name, email=email, site=site, language=language)[0]


def visitor_contact_found(
    *, name: str, email: str, site: ChatWidgetSite | None = None, language: str = ""
) -> tuple[User, bool]:
    """The customer contact a widget visitor chats as, and whether that contact existed before:
    the active customer with this address (existed); else a new contact of the organization
    whose email domains include the address's domain; else a new contact of the site's
    organization for unknown visitors. The address was only typed: an existing contact is
    anyone's to claim, so the caller flags such a chat rather than trusting it.

    Raises ValidationFailed naming `email` when the address belongs to support staff or to a
    disabled account, or matches no organization and the site names none. A new contact has no
    password: they sign in only after a password reset, like contacts created from email.
    """
    people = list(User.objects.filter(email__iexact=email).select_related("organization"))
    customers = [p for p in people if p.is_customer and p.is_active]
    if customers:
        return min(customers, key=lambda p: p.pk), True
    if any(p.is_support_staff for p in people):
        raise ValidationFailed(
            email=_("This address belongs to the support team; sign in to the console instead.")
        )
    if people:
        raise ValidationFailed(
            email=_("We cannot start a chat for this address; please write to %(address)s.")
            % {"address": settings.DEFAULT_FROM_EMAIL}
        )
    domain = email.rpartition("@")[2].lower()
    organization = _organization_for_domain(domain) or (site.organization if site else None)
    if organization is None:
        raise ValidationFailed(
            email=_(
                "We do not recognise this address. Use your work address, or write to %(address)s."
            )
            % {"address": settings.DEFAULT_FROM_EMAIL}
        )
    first, _space, last = name.partition(" ")
    contact = User(
        username=_free_username(email),
        email=email,
        first_name=first[:150],
        last_name=last[:150],
        role=Role.CUSTOMER,
        organization=organization,
        language=language or Language.ENGLISH,
    )
    contact.set_unusable_password()
    try:
        # In a savepoint: two first chats from one new address at once make one contact; the
        # loser of the race on the username finds the winner's.
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        existing = User.objects.filter(email__iexact=email, role=Role.CUSTOMER).first()
        if existing is None:
            raise
        # Another chat created it a moment ago: it is not this visitor's own new contact.
        return existing, True
    return contact, False


# --- start -----------------------------------------------------------------------------------------


def _check_start_rate(ip: str | None, email: str, now: datetime) -> None:
    since = now - timedelta(hours=1)
    recent = ChatSession.objects.filter(started_at__gte=since)
    checks = [(STARTS_PER_EMAIL_PER_HOUR, recent.filter(visitor_email__iexact=email))]
    if ip:
        checks.append((STARTS_PER_IP_PER_HOUR, recent.filter(visitor_ip=ip)))
    for limit, chats in checks:
        starts = list(chats.order_by("-started_at").values_list("started_at", flat=True)[:limit])
        if len(starts) >= limit:
            # The oldest of the last `limit` starts leaves the hour first.
            retry = math.ceil((starts[-1] + timedelta(hours=1) - now).total_seconds())
            raise TooManyRequests(
                _("Too many chats were started from here; please try again in a few minutes."),
                retry_after=retry,
            )


def _open_chat(
    *,
    customer: User,
    actor: User,
    message: str,
    origin: str,
    verified: bool,
    existing_contact: bool = False,
    visitor_name: str,
    visitor_email: str,
    site: ChatWidgetSite | None,
    page_url: str,
    ip: str | None,
    user_agent: str,
    language: str,
    now: datetime,
) -> ChatStarted:
    try:
        ticket = ticket_open(
            actor=actor,
            subject=_subject_from(message),
            body=message,
            channel=Channel.CHAT,
            language=language,
            tags=[UNVERIFIED_TAG] if existing_contact else [],
        )
    except ValidationFailed as refused:
        # The ticket's "body" is the chat's first message.
        raise ValidationFailed(
            {("message" if f == "body" else f): r for f, r in refused.errors.items()}
        ) from None
    raw, hashed = _new_token()
    chat = ChatSession.objects.create(
        ticket=ticket,
        customer=customer,
        visitor_name=visitor_name,
        visitor_email=visitor_email,
        verified=verified,
        existing_contact=existing_contact,
        origin=origin,
        site=site,
        page_url=page_url,
        visitor_ip=ip,
        user_agent=user_agent[:300],
        token_hash=hashed,
        status=ChatStatus.WAITING,
        started_at=now,
        visitor_seen_at=now,
    )
    return ChatStarted(chat=chat, token=raw)


@transaction.atomic
def chat_start_visitor(
    *,
    name: object,
    email: object,
    message: object,
    site: ChatWidgetSite | None = None,
    page_url: object = "",
    ip: str | None = None,
    user_agent: str = "",
    language: object = "",
) -> ChatStarted:
    """Starts a chat from the widget: finds or creates the visitor's contact (`visitor_contact`),
    opens a ticket with channel chat whose first message is `message`, and returns the waiting
    chat with the visitor's secret.

    The chat is never `verified` (the address was only typed). When the address is an existing
    customer's, the chat records `existing_contact` and its ticket is tagged UNVERIFIED_TAG, so the
    team sees that whoever is typing may not be that customer; the visitor is told nothing of it.

    Raises ValidationFailed naming name, email or message; TooManyRequests when this address or
    this email started too many chats in the last hour. Nothing is stored when it raises.
    """
    errors: dict[str, str] = {}
    clean_name = _clean_name(name, errors)
    clean_email = _clean_email(email, errors)
    text = _clean_line(message, "message", errors)
    if errors:
        raise ValidationFailed(errors)
    now = timezone.now()
    _check_start_rate(ip, clean_email, now)
    lang = _clean_language(language)
    customer, existed = visitor_contact_found(
        name=clean_name, email=clean_email, site=site, language=lang
    )
    return _open_chat(
        customer=customer,
        actor=customer,
        message=text,
        origin=ChatOrigin.WIDGET,
        verified=False,
        existing_contact=existed,
        visitor_name=clean_name,
        visitor_email=clean_email,
        site=site,
        page_url=_clean_page_url(page_url),
        ip=ip,
        user_agent=user_agent,
        language=lang,
        now=now,
    )


@transaction.atomic
def chat_start_customer(
    *, actor: User, message: object, ip: str | None = None, user_agent: str = ""
) -> ChatStarted:
    """Starts a chat from the portal for the signed-in customer `actor`.

    Raises PermissionDenied for staff; ValidationFailed naming message; TooManyRequests as
    `chat_start_visitor`; Conflict when `actor` already has a chat open (they continue it).
    """
    if not actor.is_customer:
        raise PermissionDenied(_("Chats are started by customers."))
    errors: dict[str, str] = {}
    text = _clean_line(message, "message", errors)
    if errors:
        raise ValidationFailed(errors)
    now = timezone.now()
    if ChatSession.objects.open().filter(customer=actor, origin=ChatOrigin.PORTAL).exists():
        raise Conflict(_("You already have a chat open; continue it."))
    _check_start_rate(ip, actor.email, now)
    return _open_chat(
        customer=actor,
        actor=actor,
        message=text,
        origin=ChatOrigin.PORTAL,
        verified=True,
        visitor_name=actor.display_name[:NAME_MAX],
        visitor_email=actor.email,
        site=None,
        page_url="",
        ip=ip,
        user_agent=user_agent,
        language=actor.language,
        now=now,
    )


@transaction.atomic
def chat_rotate_token(*, chat: ChatSession) -> str:
    """Gives the chat a new customer secret and returns it; the old one stops working (a portal
    customer continuing their chat in another browser)."""
    raw, hashed = _new_token()
    ChatSession.objects.filter(pk=chat.pk).update(token_hash=hashed)
    chat.token_hash = hashed
    return raw


# --- stream tickets --------------------------------------------------------------------------------


@transaction.atomic
def chat_stream_ticket(*, chat: ChatSession, now: datetime | None = None) -> str:
    """A one-time ticket that opens `chat`'s event stream within STREAM_TICKET_SECONDS, for a
    customer whose secret was checked; returns it raw (only its hash is stored). The chat keeps
    at most STREAM_TICKETS_PER_CHAT unused tickets: older ones stop working."""
    now = now or timezone.now()
    tickets = ChatStreamTicket.objects.filter(chat_id=chat.pk)
    tickets.filter(expires_at__lte=now).delete()
    keep = list(
        tickets.order_by("-created_at", "-pk").values_list("pk", flat=True)[
            : STREAM_TICKETS_PER_CHAT - 1
        ]
    )
    tickets.exclude(pk__in=keep).delete()
    raw = "tds_" + secrets.token_urlsafe(32)
    ChatStreamTicket.objects.create(
        chat_id=chat.pk,
        token_hash=hash_token(raw),
        created_at=now,
        expires_at=now + timedelta(seconds=STREAM_TICKET_SECONDS),
    )
    return raw


def chat_stream_ticket_use(chat_id: int, raw: str, *, now: datetime | None = None) -> ChatSession:
    """Uses up a stream ticket of chat `chat_id` and returns the chat. Exactly one request gets
    through with a ticket: it is deleted by one conditional statement, which a second request
    finds already done.

    Raises NotFound for an unknown chat; PermissionDenied naming ticket when it is missing,
    another chat's, expired or used.
    """
    if not 0 < chat_id <= ID_MAX:
        raise NotFound(_("No such chat."))
    now = now or timezone.now()
    used = 0
    if raw:
        used, _kinds = ChatStreamTicket.objects.filter(
            chat_id=chat_id, token_hash=hash_token(raw), expires_at__gt=now
        ).delete()
    chat = (
        ChatSession.objects.select_related("ticket", "customer", "taken_by")
        .filter(pk=chat_id)
        .first()
    )
    if chat is None:
        raise NotFound(_("No such chat."))
    if not used:
        raise StreamTicketRefused(
            _("This stream ticket is missing, used or expired; ask for a new one.")
        )
    return chat


# --- take ------------------------------------------------------------------------------------------


def may_take(user: User, chat: ChatSession, group_ids: set[int] | None = None) -> bool:
    """Whether `user` may take `chat`: agents, managers and administrators; an agent only a chat
    in no group or in one of their groups (`group_ids`, read when not given)."""
    if not user.can_reply_publicly:
        return False
    group_id = chat.ticket.group_id
    if group_id is None or sees_every_queue(user):
        return True
    if group_ids is None:
        group_ids = set(user.skill_groups.values_list("pk", flat=True))
    return group_id in group_ids


def _lock(chat: ChatSession) -> ChatSession:
    return (
        ChatSession.objects.select_for_update(of=("self",))
        .select_related("ticket", "taken_by", "customer")
        .get(pk=chat.pk)
    )


@transaction.atomic
def chat_take(*, actor: User, chat: ChatSession) -> ChatSession:
    """The actor takes a waiting chat: it becomes active, its wait is recorded and its ticket
    becomes theirs. Exactly one of several engineers taking at once wins: the change is a
    conditional update from waiting, which the others find already made.

    Taking a chat one already holds is a no-op. Raises PermissionDenied for customers, quality
    reviewers and agents outside the chat's group; Conflict naming the holder when someone else
    took it, and when it ended.
    """
    if not actor.can_reply_publicly:
        raise PermissionDenied(_("Agents, managers and administrators take chats."))
    if not may_take(actor, chat):
        raise PermissionDenied(
            _("Only members of %(group)s, managers and administrators take its chats.")
            % {"group": chat.ticket.group.name if chat.ticket.group else ""}
        )
    now = timezone.now()
    wait = round(max(0.0, (now - chat.started_at).total_seconds()), 1)
    won = ChatSession.objects.filter(pk=chat.pk, status=ChatStatus.WAITING).update(
        status=ChatStatus.ACTIVE, taken_by=actor, taken_at=now, wait_seconds=wait
    )
    current = _lock(chat)
    if not won:
        if current.status == ChatStatus.ACTIVE and current.taken_by_id == actor.pk:
            return current
        if current.status == ChatStatus.ACTIVE:
            holder = current.taken_by.display_name if current.taken_by else _("someone")
            raise Conflict(_("%(name)s already took this chat.") % {"name": holder})
        raise Conflict(_("This chat has ended."))
    ticket = current.ticket
    if ticket.assignee_id != actor.pk:
        # A live chat belongs to whoever answers it, whatever routing chose for the ticket.
        ticket_update(actor=actor, ticket=ticket, changes={"assignee": actor})
    # Taking the chat answers the customer's wait: clocks that measure it must hear of it.
    history_written((ticket.pk,), ((EventKind.CHANGED, "chat_taken"),))
    return current


# --- lines -----------------------------------------------------------------------------------------


@transaction.atomic
def chat_reply(*, actor: User, chat: ChatSession, body: object) -> Message:
    """The engineer holding the chat sends a line: a public reply on its ticket with channel
    chat. The first one records the first answer time.

    Raises Conflict when the chat waits (take it first) or ended; PermissionDenied when someone
    else holds it; ValidationFailed naming body.
    """
    locked = _lock(chat)
    if locked.status == ChatStatus.ENDED:
        raise Conflict(_("This chat has ended; reply on its ticket instead."))
    if locked.status == ChatStatus.WAITING:
        raise Conflict(_("Take the chat before replying."))
    if locked.taken_by_id != actor.pk:
        holder = locked.taken_by.display_name if locked.taken_by else _("someone")
        raise PermissionDenied(_("%(name)s holds this chat.") % {"name": holder})
    errors: dict[str, str] = {}
    text = _clean_line(body, "body", errors)
    if errors:
        raise ValidationFailed(errors)
    message = ticket_reply(actor=actor, ticket=locked.ticket, body=text, channel=Channel.CHAT)
    if locked.first_answer_seconds is None and locked.taken_at is not None:
        locked.first_answer_seconds = round(
            max(0.0, (message.created_at - locked.taken_at).total_seconds()), 1
        )
        locked.save(update_fields=["first_answer_seconds"])
    return message


@transaction.atomic
def chat_visitor_line(*, chat: ChatSession, body: object) -> Message:
    """The customer sends a line (while waiting or talking): a public reply from them on the
    chat's ticket.

    Raises Conflict when the chat ended; ValidationFailed naming body; TooManyRequests past
    VISITOR_LINES_PER_MINUTE.
    """
    locked = _lock(chat)
    if locked.status == ChatStatus.ENDED:
        raise Conflict(_("This chat has ended."))
    errors: dict[str, str] = {}
    text = _clean_line(body, "body", errors)
    if errors:
        raise ValidationFailed(errors)
    now = timezone.now()
    recent = Message.objects.filter(
        ticket_id=locked.ticket_id,
        author_id=locked.customer_id,
        created_at__gte=now - timedelta(minutes=1),
    ).count()
    if recent >= VISITOR_LINES_PER_MINUTE:
        raise TooManyRequests(_("You are sending lines too fast; wait a moment."), retry_after=20)
    message = ticket_reply(
        actor=locked.customer, ticket=locked.ticket, body=text, channel=Channel.CHAT
    )
    locked.visitor_seen_at = now
    locked.save(update_fields=["visitor_seen_at"])
    return message


def chat_visitor_seen(*, chat_id: int, now: datetime | None = None) -> bool:
    """Notes that the customer of an open chat is still there, at most every SEEN_EVERY_SECONDS
    (one conditional update, no lock). Returns whether a row was written."""
    now = now or timezone.now()
    return bool(
        ChatSession.objects.open()
        .filter(pk=chat_id, visitor_seen_at__lt=now - timedelta(seconds=SEEN_EVERY_SECONDS))
        .update(visitor_seen_at=now)
    )


# --- end -------------------------------------------------------------------------------------------


def _finish(chat: ChatSession, *, by: User | None, reason: str, now: datetime) -> None:
    if chat.taken_at is None:
        # Nobody took it: how long the customer waited before the chat ended counts as its wait.
        chat.wait_seconds = round(max(0.0, (now - chat.started_at).total_seconds()), 1)
    chat.status = ChatStatus.ENDED
    chat.ended_at = now
    chat.ended_by = by
    chat.end_reason = reason
    chat.save(update_fields=["status", "ended_at", "ended_by", "end_reason", "wait_seconds"])


@transaction.atomic
def chat_end(*, chat: ChatSession, actor: User | None = None, solve: bool = False) -> ChatSession:
    """Ends the chat: by its customer (`actor` None: the widget's secret was checked, or the
    customer themselves), or by staff: the engineer holding it, or a manager or administrator
    (who may also end a waiting chat, spam for one). Ending an ended chat changes nothing.

    With `solve`, staff also mark the ticket solved. Raises PermissionDenied for other staff and
    for a customer who wants to solve; ValidationFailed when the ticket cannot be solved.
    """
    locked = _lock(chat)
    staff = actor is not None and actor.is_support_staff
    if staff:
        assert actor is not None
        overseer = sees_every_queue(actor)
        if not actor.can_reply_publicly:
            raise PermissionDenied(_("Agents, managers and administrators end chats."))
        if locked.status == ChatStatus.WAITING and not overseer:
            raise PermissionDenied(_("Take the chat first; managers end waiting chats."))
        if locked.status == ChatStatus.ACTIVE and locked.taken_by_id != actor.pk and not overseer:
            holder = locked.taken_by.display_name if locked.taken_by else _("someone")
            raise PermissionDenied(_("%(name)s holds this chat.") % {"name": holder})
    elif solve:
        raise PermissionDenied(_("The support team solves tickets."))
    if locked.status != ChatStatus.ENDED:
        reason = EndReason.AGENT if staff else EndReason.VISITOR
        _finish(locked, by=actor, reason=reason, now=timezone.now())
    if solve and staff and locked.ticket.status != Status.SOLVED:
        assert actor is not None
        ticket_update(actor=actor, ticket=locked.ticket, changes={"status": Status.SOLVED})
    return locked


def chats_end_left(*, now: datetime | None = None, limit: int = 500) -> int:
    """Ends open chats whose customer has shown no sign for VISITOR_GONE_SECONDS (the page was
    closed); returns how many. Each chat is re-checked under its lock, so a customer who comes
    back at that moment keeps their chat, and two sweeps at once end each chat once."""
    now = now or timezone.now()
    # Stream tickets asked for and never used.
    ChatStreamTicket.objects.filter(expires_at__lte=now).delete()
    gone_before = now - timedelta(seconds=VISITOR_GONE_SECONDS)
    ids = list(
        ChatSession.objects.open()
        .filter(visitor_seen_at__lt=gone_before)
        .order_by("visitor_seen_at")
        .values_list("pk", flat=True)[:limit]
    )
    ended = 0
    for chat_id in ids:
        with transaction.atomic():
            chat = (
                ChatSession.objects.select_for_update()
                .filter(pk=chat_id, status__in=OPEN_STATUSES, visitor_seen_at__lt=gone_before)
                .first()
            )
            if chat is None:
                continue
            _finish(chat, by=None, reason=EndReason.LEFT, now=now)
            ended += 1
    return ended
