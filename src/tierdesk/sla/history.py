"""Reading tickets' histories for the clocks: their events, and for phone and chat tickets when
the customer started waiting and when the call was answered or the chat taken. A first response
recorded without a reply (a call answered on a ticket that was waiting) answers at its time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from tierdesk.accounts.choices import Role
from tierdesk.chat.models import ChatSession
from tierdesk.phone.choices import Direction
from tierdesk.phone.models import Call
from tierdesk.sla.clocks import (
    ANSWERED,
    ATTRIBUTES,
    CUSTOMER,
    OPENED,
    REPLY,
    STATUS,
    Attributes,
    Fact,
    TicketHistory,
)
from tierdesk.tickets.choices import Channel, EventKind
from tierdesk.tickets.models import Ticket, TicketEvent

STAFF_ROLES = frozenset({Role.AGENT, Role.MANAGER, Role.ADMIN, Role.REVIEWER})
TRACKED_FIELDS = frozenset({"status", "priority", "tags", "channel"})


def _tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(tag) for tag in value)
    return tuple(tag for tag in str(value or "").split(", ") if tag)


def histories(tickets: Sequence[Ticket]) -> dict[int, TicketHistory]:
    """The histories of these tickets (organization and requester loaded), in at most three
    queries however many."""
    numbers = [t.pk for t in tickets]
    rows: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    events = (
        TicketEvent.objects.filter(ticket_id__in=numbers)
        .filter(
            kind__in=[EventKind.CREATED, EventKind.MESSAGE, EventKind.CHANGED, EventKind.ROUTED]
        )
        .order_by("ticket_id", "created_at", "id")
        .values_list(
            "ticket_id",
            "kind",
            "field",
            "from_value",
            "to_value",
            "created_at",
            "actor__role",
            "data",
        )
    )
    for row in events:
        rows[row[0]].append(row[1:])
    waits = _waits([t for t in tickets if t.channel in {Channel.PHONE, Channel.CHAT}])
    return {t.pk: _history(t, rows.get(t.pk, []), waits.get(t.pk)) for t in tickets}


def _waits(tickets: Sequence[Ticket]) -> dict[int, tuple[datetime, datetime | None]]:
    """For phone tickets the offer and answer of the call that opened them (when the customer
    made it), for chat tickets the first chat's start and take: what the customer waited for on
    those channels."""
    waits: dict[int, tuple[datetime, datetime | None]] = {}
    phone = [t.pk for t in tickets if t.channel == Channel.PHONE]
    chat = [t.pk for t in tickets if t.channel == Channel.CHAT]
    if phone:
        # The call that opened the ticket: a later call joined to it is part of the
        # conversation, not the customer's first wait.
        calls = (
            Call.objects.filter(ticket_id__in=phone, ticket_opened=True)
            .order_by("ticket_id", "offered_at", "id")
            .values_list("ticket_id", "offered_at", "answered_at", "direction")
        )
        first_seen: set[int] = set()
        for number, offered, answered, direction in calls:
            if number in first_seen:
                continue
            first_seen.add(number)
            # A ticket opened for a call the desk made has nobody waiting for a first answer:
            # the customer picking up is not the desk responding.
            if direction == Direction.INBOUND:
                waits[number] = (offered, answered)
    if chat:
        chats = (
            ChatSession.objects.filter(ticket_id__in=chat)
            .order_by("ticket_id", "started_at", "id")
            .values_list("ticket_id", "started_at", "taken_at")
        )
        for number, started, taken in chats:
            waits.setdefault(number, (started, taken))
    return waits


def _history(
    ticket: Ticket, rows: list[tuple[Any, ...]], wait: tuple[datetime, datetime | None] | None
) -> TicketHistory:
    organization = ticket.organization
    attributes = Attributes(
        channel=ticket.channel,
        priority=ticket.priority,
        tags=tuple(ticket.tags or ()),
        plan=organization.plan if organization else "",
        organization_id=ticket.organization_id,
        region=organization.region if organization else (ticket.requester.region or ""),
    )
    if not any(row[0] == EventKind.CREATED for row in rows):
        # Written without its opening event (imported): it opened with the values its first
        # changes started from, not with today's.
        attributes = _before_changes(attributes, rows)
    facts: list[Fact] = []
    opening = attributes
    opened_by_staff = False
    opening_message_seen = False
    # The first response as the ticket recorded it, when no reply gave it: a call answered on
    # a waiting ticket (a callback, a call joined to it) stops the clock as a reply would.
    responded: int | None = None
    replied = False
    for kind, field, _old, new, at, role, data in rows:
        if kind == EventKind.CREATED:
            opened_by_staff = role in STAFF_ROLES
            # The ticket as it was opened; later changes arrive as their own facts.
            attributes = replace(
                attributes,
                channel=data.get("channel", attributes.channel),
                priority=data.get("priority", attributes.priority),
                tags=_tags(data.get("tags", [])),
            )
            opening = attributes
            facts.append(Fact(at, OPENED))
        elif kind == EventKind.MESSAGE:
            if not opening_message_seen:
                opening_message_seen = True
                continue
            if role in STAFF_ROLES:
                replied = True
                facts.append(Fact(at, REPLY))
            elif role == Role.CUSTOMER:
                facts.append(Fact(at, CUSTOMER))
        elif field == "status":
            facts.append(Fact(at, STATUS, status=new))
        elif field == "first_responded_at":
            if new and not replied and responded is None:
                responded = len(facts)
                floor = facts[-1].at if facts else ticket.created_at
                facts.append(Fact(_answered_at(new, floor, at), ANSWERED))
        elif field in TRACKED_FIELDS:
            value: Any = _tags(new) if field == "tags" else new
            changed = replace(attributes, **{field: value})
            if changed != attributes:
                attributes = changed
                label = (data or {}).get("to_label") or new
                facts.append(
                    Fact(
                        at,
                        ATTRIBUTES,
                        attributes=changed,
                        label=f"{field}: {label}",
                        field=field,
                        value=value,
                    )
                )
    answered_call = wait is not None and wait[1] is not None
    if responded is not None and (answered_call or (opened_by_staff and wait is None)):
        # Nobody was waiting, or the answer of the call or chat that opened the ticket, placed
        # below, is this same response.
        del facts[responded]
    if not facts or facts[0].kind != OPENED:
        # A ticket written without its opening event (imported): it opened when created.
        facts.insert(0, Fact(ticket.created_at, OPENED))
    first_from: datetime | None = None if opened_by_staff else ticket.created_at
    if wait is not None:
        first_from = min(wait[0], ticket.created_at)
        if wait[1] is not None:
            # A call is often answered before its ticket is written: the answer still comes
            # right after the opening, at its own time.
            answered = max(wait[1], first_from)
            position = next(
                (i for i, fact in enumerate(facts) if i > 0 and fact.at > answered), len(facts)
            )
            facts.insert(position, Fact(answered, ANSWERED))
    return TicketHistory(
        created_at=ticket.created_at,
        attributes=opening,
        facts=facts,
        first_response_from=first_from,
    )


def _answered_at(value: str, floor: datetime, at: datetime) -> datetime:
    """The instant a recorded first response names, kept in time order: not before `floor`
    (the fact before it), not after the event that recorded it at `at`; unreadable, `at`."""
    try:
        answered = datetime.fromisoformat(value)
    except ValueError:
        return at
    if answered.tzinfo is None:
        answered = answered.replace(tzinfo=at.tzinfo)
    return min(max(answered, floor), at)


def _before_changes(attributes: Attributes, rows: list[tuple[Any, ...]]) -> Attributes:
    found: dict[str, Any] = {}
    for kind, field, old, _new, *_rest in rows:
        tracked = field in TRACKED_FIELDS and field != "status"
        if kind in {EventKind.CHANGED, EventKind.ROUTED} and tracked and field not in found:
            found[field] = _tags(old) if field == "tags" else old
    return replace(attributes, **found)
