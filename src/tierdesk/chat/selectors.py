"""Reads of live chat, scoped to who asks: staff find chats whose ticket they may read; a
customer's widget finds its one chat by id and secret, until a while after it ended. Also the
lines since a point, the take-time figures against the service level, and the website an Origin
belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Aggregate, Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.accounts.models import User
from tierdesk.chat.choices import TAKE_TARGET_PERCENT, TAKE_TARGET_SECONDS, ChatStatus
from tierdesk.chat.models import ChatSession, ChatWidgetSite, normalize_origin
from tierdesk.core.errors import NotFound, PermissionDenied, ServiceError
from tierdesk.core.pagination import ID_MAX
from tierdesk.tickets.choices import Channel, MessageKind
from tierdesk.tickets.models import Message, Ticket

# Lines one read returns at most; a chat that long is read in several steps by `after`.
LINES_MAX = 500

# How long after a chat ended its customer's secret still opens it: the widget shows the end and
# the last lines, a page loaded again shows them too; after that the secret (kept in the website's
# storage) opens nothing, and the ticket goes on by email and portal only.
ENDED_GRACE_SECONDS = 600


class ChatGone(ServiceError):
    """The chat ended more than ENDED_GRACE_SECONDS ago: its secret no longer opens it."""

    field = "chat"

    def __init__(self) -> None:
        super().__init__(_("This chat has ended."))
        self.reason = _(
            "It ended more than %(minutes)d minutes ago; its transcript stays on the request."
        ) % {"minutes": ENDED_GRACE_SECONDS // 60}


def check_not_gone(chat: ChatSession, *, now: datetime | None = None) -> ChatSession:
    """`chat`, unless it ended more than ENDED_GRACE_SECONDS ago (ChatGone)."""
    if chat.ended_at is not None:
        now = now or timezone.now()
        if now > chat.ended_at + timedelta(seconds=ENDED_GRACE_SECONDS):
            raise ChatGone()
    return chat


def _with_people(chats: QuerySet[ChatSession]) -> QuerySet[ChatSession]:
    return chats.select_related("ticket__group", "customer__organization", "taken_by", "site")


def chats_visible_to(user: User) -> QuerySet[ChatSession]:
    """Chats on tickets `user` may read; none for customers (their widget or portal page reads
    its chat by its secret)."""
    if not user.is_support_staff:
        return ChatSession.objects.none()
    # The rule of tickets_visible_to for staff, on the joined ticket: an IN over every readable
    # ticket would be built in full on SQLite at each poll of the waiting list.
    named = Ticket.restricted_to.through.objects.filter(user_id=user.pk).values("ticket_id")
    return ChatSession.objects.filter(Q(ticket__restricted=False) | Q(ticket_id__in=named))


def chat_get_for_user(user: User, chat_id: int) -> ChatSession:
    """The chat with its ticket, customer and holder, or NotFound when it does not exist or
    `user` may not read its ticket."""
    if not 0 < chat_id <= ID_MAX:
        raise NotFound(_("No such chat."))
    chat = _with_people(chats_visible_to(user)).filter(pk=chat_id).first()
    if chat is None:
        raise NotFound(_("No such chat."))
    return chat


def chat_get_by_token(chat_id: int, token: str) -> ChatSession:
    """The chat its customer's secret opens. NotFound for an unknown chat; PermissionDenied when
    the secret is missing or not this chat's; ChatGone when the chat ended more than
    ENDED_GRACE_SECONDS ago."""
    if not 0 < chat_id <= ID_MAX:
        raise NotFound(_("No such chat."))
    chat = (
        ChatSession.objects.select_related("ticket", "customer", "taken_by")
        .filter(pk=chat_id)
        .first()
    )
    if chat is None:
        raise NotFound(_("No such chat."))
    if not chat.token_matches(token):
        raise PermissionDenied(_("This chat's secret is missing or wrong."))
    return check_not_gone(chat)


def open_portal_chat(user: User) -> ChatSession | None:
    """The customer's open chat started from the portal, if any."""
    return (
        ChatSession.objects.open()
        .filter(customer=user, origin="portal")
        .select_related("ticket", "taken_by")
        .order_by("-started_at")
        .first()
    )


@dataclass(frozen=True)
class WaitingChats:
    """The waiting chats, oldest first, each with `may_take` for the reader, and the reader's own
    active chats."""

    waiting: list[ChatSession]
    mine: list[ChatSession]


def waiting_chats(user: User) -> WaitingChats:
    """Waiting chats on tickets `user` may read and `user`'s active chats, in three queries
    whatever their number (the reader's groups, the waiting chats, their own chats)."""
    from tierdesk.chat.services import may_take

    group_ids = set(user.skill_groups.values_list("pk", flat=True))
    waiting = list(
        _with_people(chats_visible_to(user).filter(status=ChatStatus.WAITING)).order_by(
            "started_at", "pk"
        )
    )
    for chat in waiting:
        chat.may_take = may_take(user, chat, group_ids)  # type: ignore[attr-defined]
    mine = list(
        _with_people(
            chats_visible_to(user).filter(status=ChatStatus.ACTIVE, taken_by=user)
        ).order_by("started_at", "pk")
    )
    return WaitingChats(waiting=waiting, mine=mine)


def waiting_fingerprint(user: User) -> tuple:
    """What changes when the waiting page should be drawn again: the waiting chats (and their
    groups) and the reader's active chats, in one query."""
    # Two selects, one per partial index (waiting chats; the reader's active chats), rather than
    # an OR that would scan every chat ever held, twice a second for each open waiting page.
    fields = ("pk", "status", "ticket__group_id")
    visible = chats_visible_to(user).order_by()
    waiting = visible.filter(status=ChatStatus.WAITING).values_list(*fields)
    mine = visible.filter(status=ChatStatus.ACTIVE, taken_by=user).values_list(*fields)
    return tuple(sorted(waiting.union(mine, all=True)))


def chat_list(user: User, *, status: str, limit: int) -> list[ChatSession]:
    """Chats with `status`: waiting ones oldest first (the order to take them), others newest
    first; at most `limit`."""
    chats = _with_people(chats_visible_to(user).filter(status=status))
    order = ("started_at", "pk") if status == ChatStatus.WAITING else ("-started_at", "-pk")
    return list(chats.order_by(*order)[:limit])


def chat_lines(chat: ChatSession, *, after: int = 0, internal: bool = False) -> list[Message]:
    """The chat's lines after message id `after`, oldest first, at most LINES_MAX.

    For its customer (the widget, the portal's chat; `internal` False): only the chat's own
    lines, the public messages with channel chat written from its start until its end; not the
    ticket's email or portal exchanges, nor anything written after the chat ended, which the
    chat's secret must not open. For staff (`internal` True): every message of its ticket,
    internal notes included."""
    messages = Message.objects.filter(ticket_id=chat.ticket_id, pk__gt=max(0, after))
    if not internal:
        messages = messages.filter(
            kind=MessageKind.PUBLIC, channel=Channel.CHAT, created_at__gte=chat.started_at
        )
        if chat.ended_at is not None:
            messages = messages.filter(created_at__lte=chat.ended_at)
    return list(messages.select_related("author").order_by("pk")[:LINES_MAX])


def widget_site_for_origin(origin: str) -> ChatWidgetSite | None:
    """The active widget site whose allowed origins include `origin`, or None."""
    normal = normalize_origin(origin)
    if normal is None:
        return None
    # Matched as text, then exactly: JSON containment is not a lookup SQLite has.
    for site in ChatWidgetSite.objects.filter(
        is_active=True, allowed_origins__icontains=f'"{normal}"'
    ).order_by("pk"):
        if normal in {normalize_origin(o) for o in site.allowed_origins or []}:
            return site
    return None


# --- take-time figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TakeFigures:
    """How chats started in a period fared against the service level (taken within
    TAKE_TARGET_SECONDS).

    `counted` are the chats that decided it: taken ones, those still waiting past the target,
    and those that ended untaken after the target; a customer who left sooner is not counted, as
    the desk had no fair chance. `percent` is None when nothing was counted."""

    label: str
    since: datetime
    started: int
    counted: int
    within_target: int
    percent: float | None
    average_wait: float | None
    average_first_answer: float | None

    @property
    def missed(self) -> int:
        return self.counted - self.within_target

    @property
    def target_met(self) -> bool | None:
        return None if self.percent is None else self.percent >= TAKE_TARGET_PERCENT


def chat_take_figures(*, now: datetime | None = None) -> list[TakeFigures]:
    """The figures for today (since midnight in the active time zone) and the last 7 days, in
    one query."""
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    week = now - timedelta(days=7)
    target = TAKE_TARGET_SECONDS
    taken = Q(taken_at__isnull=False)
    counted = (
        taken
        | Q(status=ChatStatus.ENDED, taken_at__isnull=True, wait_seconds__gt=target)
        | Q(status=ChatStatus.WAITING, started_at__lt=now - timedelta(seconds=target))
    )
    within = taken & Q(wait_seconds__lte=target)
    aggregates: dict[str, Aggregate] = {}
    periods = {"today": Q(started_at__gte=today), "week": Q(started_at__gte=week)}
    for key, period in periods.items():
        aggregates[f"{key}_started"] = Count("pk", filter=period)
        aggregates[f"{key}_counted"] = Count("pk", filter=period & counted)
        aggregates[f"{key}_within"] = Count("pk", filter=period & within)
        aggregates[f"{key}_wait"] = Avg("wait_seconds", filter=period & taken)
        aggregates[f"{key}_answer"] = Avg("first_answer_seconds", filter=period)
    row = ChatSession.objects.filter(started_at__gte=min(today, week)).aggregate(**aggregates)
    figures = []
    for key, label, since in [("today", _("Today"), today), ("week", _("Last 7 days"), week)]:
        counted_n, within_n = row[f"{key}_counted"], row[f"{key}_within"]
        figures.append(
            TakeFigures(
                label=label,
                since=since,
                started=row[f"{key}_started"],
                counted=counted_n,
                within_target=within_n,
                percent=round(100 * within_n / counted_n, 1) if counted_n else None,
                average_wait=_rounded(row[f"{key}_wait"]),
                average_first_answer=_rounded(row[f"{key}_answer"]),
            )
        )
    return figures


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
