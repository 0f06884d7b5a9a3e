"""Reads on tickets, always scoped to who asks: customers see their organization's tickets, staff
see all but restricted tickets they are not named on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from tierdesk.accounts.models import User
from tierdesk.core.errors import NotFound
from tierdesk.core.pagination import (
    ID_MAX,
    cursor_decode,
    cursor_encode,
    cursor_refused,
    page_limit,
)
from tierdesk.tickets.choices import EventKind, MessageKind, Status
from tierdesk.tickets.models import Attachment, Message, Ticket, TicketEvent

# Fields whose changes a customer may follow on their ticket's timeline.
CUSTOMER_VISIBLE_FIELDS = frozenset(
    {"status", "priority", "subject", "type", "follow_up_of", "followed_up_by"}
)


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    """Every ticket `user` may read, unordered and without joins."""
    tickets = Ticket.objects.all()
    if user.is_customer:
        if user.organization_id is None:
            return tickets.none()
        # A restricted ticket stays readable by its own requester, never by their colleagues.
        return tickets.filter(organization_id=user.organization_id).filter(
            Q(restricted=False) | Q(requester_id=user.pk)
        )
    named = Ticket.restricted_to.through.objects.filter(user_id=user.pk).values("ticket_id")
    return tickets.filter(Q(restricted=False) | Q(number__in=named))


def ticket_get_for_user(user: User, number: int) -> Ticket:
    """The ticket, or NotFound when it does not exist or `user` may not read it (the same answer,
    so ticket numbers reveal nothing)."""
    ticket = (
        tickets_visible_to(user)
        .select_related("requester", "organization", "assignee", "group")
        .filter(number=number)
        .first()
    )
    if ticket is None:
        raise NotFound(_("No such ticket."))
    return ticket


@dataclass(frozen=True)
class TicketFilters:
    """The filters the ticket list offers, in the API and in the console."""

    status: list[str] | None = None
    priority: list[str] | None = None
    tier: int | None = None
    assignee: int | str | None = None  # a person's id, "me" or "none"
    organization: int | None = None
    channel: str | None = None
    group: int | None = None
    updated_since: datetime | None = None
    q: str | None = None


@dataclass(frozen=True)
class TicketPage:
    tickets: list[Ticket]
    next_cursor: str | None


def encode_cursor(ticket: Ticket) -> str:
    """The cursor of the page that follows `ticket` in the list order."""
    return cursor_encode(f"{ticket.updated_at.isoformat()}|{ticket.number}")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (updated_at, number) a cursor of `encode_cursor` carries; ValidationFailed naming
    `cursor` for anything else, a time without a time zone included."""
    value = cursor_decode(cursor)
    try:
        updated, number_text = value.split("|")
        updated_at, number = datetime.fromisoformat(updated), int(number_text)
    except ValueError:
        raise cursor_refused(cursor) from None
    # A naive time would be read in the server's zone and shift the page by hours.
    if updated_at.tzinfo is None or not 0 < number <= ID_MAX:
        raise cursor_refused(cursor)
    return updated_at, number


def _apply_filters(
    tickets: QuerySet[Ticket], user: User, filters: TicketFilters
) -> QuerySet[Ticket]:
    if filters.status:
        others = sorted(set(Status.values) - set(filters.status))
        if len(filters.status) > 1 and others:
            # Several statuses ("unsolved") as NOT IN the rest: SQLite then walks the updated_at
            # index in list order and stops at the page's end, instead of sorting every match
            # out of the status index (140 ms for the unsolved view at 100,000 tickets).
            tickets = tickets.exclude(status__in=others)
        else:
            tickets = tickets.filter(status__in=filters.status)
    if filters.priority:
        tickets = tickets.filter(priority__in=filters.priority)
    if filters.tier is not None:
        tickets = tickets.filter(tier=filters.tier)
    if filters.assignee == "me":
        tickets = tickets.filter(assignee_id=user.pk)
    elif filters.assignee == "none":
        tickets = tickets.filter(assignee__isnull=True)
    elif filters.assignee is not None:
        tickets = tickets.filter(assignee_id=int(filters.assignee))
    if filters.organization is not None:
        tickets = tickets.filter(organization_id=filters.organization)
    if filters.channel:
        tickets = tickets.filter(channel=filters.channel)
    if filters.group is not None:
        tickets = tickets.filter(group_id=filters.group)
    if filters.updated_since is not None:
        tickets = tickets.filter(updated_at__gte=filters.updated_since)
    if filters.q:
        term = filters.q.strip().lstrip("#")
        # A number beyond any ticket number can only be words of the subject.
        if term.isascii() and term.isdigit() and len(term) <= 19 and int(term) <= ID_MAX:
            tickets = tickets.filter(Q(number=int(term)) | Q(subject__icontains=term))
        else:
            tickets = tickets.filter(subject__icontains=term)
    return tickets


# What a list row shows of the people, organization and group it joins. Loading whole rows of
# four tables cost more than the query itself: a 50-ticket page spent 8 ms building models.
_PERSON = ("id", "username", "first_name", "last_name", "role", "organization_id", "is_active")
LIST_COLUMNS = (
    *(f.name for f in Ticket._meta.concrete_fields),
    *(f"requester__{c}" for c in _PERSON),
    *(f"assignee__{c}" for c in _PERSON),
    "organization__id",
    "organization__name",
    "group__id",
    "group__name",
)


def ticket_list(
    user: User, filters: TicketFilters, *, cursor: str | None = None, limit: int = 50
) -> TicketPage:
    """One page of tickets `user` may read, newest update first, and the cursor of the next page."""
    limit = page_limit(limit)
    tickets = _apply_filters(tickets_visible_to(user), user, filters)
    if cursor:
        updated_at, number = decode_cursor(cursor)
        # The redundant `updated_at <= cursor` gives SQLite an index range to walk in list order;
        # with the OR alone it joins first and sorts every older ticket (200 ms at 100,000).
        tickets = tickets.filter(updated_at__lte=updated_at).filter(
            Q(updated_at__lt=updated_at) | Q(number__lt=number)
        )
    rows = list(
        tickets.select_related("requester", "organization", "assignee", "group")
        .only(*LIST_COLUMNS)
        .order_by("-updated_at", "-number")[: limit + 1]
    )
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    rows = rows[:limit]
    if user.is_support_staff:
        # Staff see who may read a restricted ticket: one query for the page, none otherwise.
        prefetch_related_objects([t for t in rows if t.restricted], "restricted_to")
    return TicketPage(tickets=rows, next_cursor=next_cursor)


def ticket_neighbours(
    user: User, ticket: Ticket, filters: TicketFilters
) -> tuple[int | None, int | None]:
    """Numbers of the tickets before and after `ticket` in the list order, for next/previous keys."""
    tickets = _apply_filters(tickets_visible_to(user), user, filters)
    at, number = ticket.updated_at, ticket.number
    # The redundant range on updated_at lets SQLite walk the index from the ticket outwards; with
    # the OR alone it sorts every older ticket first (80 ms at 100,000 tickets, on every page view).
    newer = (
        tickets.filter(updated_at__gte=at)
        .filter(Q(updated_at__gt=at) | Q(number__gt=number))
        .order_by("updated_at", "number")
        .values_list("number", flat=True)
        .first()
    )
    older = (
        tickets.filter(updated_at__lte=at)
        .filter(Q(updated_at__lt=at) | Q(number__lt=number))
        .order_by("-updated_at", "-number")
        .values_list("number", flat=True)
        .first()
    )
    return newer, older


def ticket_messages(user: User, ticket: Ticket) -> QuerySet[Message]:
    """The conversation as `user` may see it: customers never see internal notes."""
    messages = (
        ticket.messages.select_related("author", "inbound_mail")
        # The mail a message came in, for its quoted history; not its raw bytes.
        .defer("inbound_mail__raw")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    if user.is_customer:
        messages = messages.filter(kind=MessageKind.PUBLIC)
    return messages


def ticket_events(user: User, ticket: Ticket) -> QuerySet[TicketEvent]:
    """The change history as `user` may see it: customers follow status and public conversation only."""
    events = ticket.events.select_related("actor").order_by("created_at", "id")
    if user.is_customer:
        events = events.filter(
            Q(kind__in=[EventKind.CREATED, EventKind.MESSAGE])
            | Q(kind=EventKind.CHANGED, field__in=CUSTOMER_VISIBLE_FIELDS)
            | Q(kind=EventKind.ATTACHMENT, message__kind=MessageKind.PUBLIC)
            | Q(kind=EventKind.ATTACHMENT, message__isnull=True)
        )
    return events


@dataclass(frozen=True)
class SlaState:
    """One SLA clock of a ticket as it stands now. Times in seconds of the target's time
    (business or around the clock); `remaining_seconds` is None once the clock stopped and
    negative once it is overdue; `met` is None until decided."""

    metric: str
    cycle: int
    policy: str
    target_seconds: int
    business_hours: bool
    calendar: str | None
    state: str
    started_at: datetime
    stopped_at: datetime | None
    due_at: datetime | None
    met: bool | None
    breached: bool
    elapsed_seconds: float
    remaining_seconds: float | None


def ticket_sla(user: User | None, ticket: Ticket, *, now: datetime | None = None) -> list[SlaState]:
    """The ticket's SLA clocks, oldest first, for staff (see sla.selectors.ticket_clocks: two
    queries, computing them first if the ticket is marked stale); an empty list for customers
    and unknown viewers, since targets are the desk's internal promises."""
    # Imported on use: the SLA app builds on the tickets app, which must load without it.
    from tierdesk.sla.panels import signed_remaining
    from tierdesk.sla.selectors import ticket_clocks

    if user is None or not user.is_support_staff:
        return []
    states = []
    for view in ticket_clocks(ticket, now=now):
        clock = view.clock
        met = True if view.met else (False if view.breached else None)
        states.append(
            SlaState(
                metric=clock.metric,
                cycle=clock.cycle,
                policy=clock.policy_name,
                target_seconds=clock.target_seconds,
                business_hours=clock.business_hours,
                calendar=clock.calendar.name if clock.calendar is not None else None,
                state=clock.state,
                started_at=clock.started_at,
                stopped_at=clock.stopped_at,
                due_at=clock.due_at,
                met=met,
                breached=view.breached,
                elapsed_seconds=round(view.elapsed_seconds, 3),
                remaining_seconds=_rounded(signed_remaining(view)),
            )
        )
    return states


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)


def ticket_readers(user: User, ticket: Ticket) -> QuerySet[User]:
    """The staff named on a restricted ticket, by name; none for an unrestricted ticket, and none
    shown to a customer."""
    if user.is_customer or not ticket.restricted:
        return User.objects.none()
    return ticket.restricted_to.order_by("first_name", "username")


def attachment_get_for_user(user: User, attachment_id: int) -> Attachment:
    """An attachment `user` may download: on a ticket they may read, and not on an internal note
    unless they are staff."""
    attachment = (
        Attachment.objects.select_related("message", "ticket")
        .filter(pk=attachment_id, ticket__in=tickets_visible_to(user))
        .first()
    )
    if attachment is None or (
        user.is_customer and attachment.message and attachment.message.is_internal
    ):
        raise NotFound(_("No such attachment."))
    return attachment
