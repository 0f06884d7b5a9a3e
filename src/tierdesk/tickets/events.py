"""Writing a ticket's history: one TicketEvent per change, with ids for people and groups and
their names at the time, so later renames keep the history true."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from tierdesk.accounts.models import Organization, SkillGroup, User
from tierdesk.tickets.choices import EventKind
from tierdesk.tickets.models import Message, Ticket, TicketEvent


def _label(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# Capabilities that keep state derived from a ticket's history (SLA clocks) listen here; each is
# called as listener(ticket_ids, changes) inside the writing transaction, where changes holds
# (kind, field) of what was written. The tickets app knows none of them.
HISTORY_LISTENERS: list[Callable[[Collection[int], Collection[tuple[str, str]]], None]] = []


def history_written(ticket_ids: Collection[int], changes: Collection[tuple[str, str]]) -> None:
    """Tells the listeners that events were written for these tickets (also called by writers
    that insert event rows in bulk)."""
    for listener in HISTORY_LISTENERS:
        listener(ticket_ids, changes)


def record_event(
    ticket: Ticket,
    *,
    actor: User | None,
    kind: str,
    at: datetime,
    field: str = "",
    old: Any = None,
    new: Any = None,
    message: Message | None = None,
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=kind,
        field=field,
        from_value=stored_value(old),
        to_value=stored_value(new),
        message=message,
        data=data or {},
        created_at=at,
    )
    history_written((ticket.pk,), ((kind, field),))
    return event


def stored_value(value: Any) -> str:
    """Stored form of a field value: ids for people and groups, so later renames keep history true."""
    if isinstance(value, User | SkillGroup | Organization):
        return str(value.pk)
    return _label(value)


def display_value(value: Any) -> str:
    if isinstance(value, User):
        return value.display_name
    if isinstance(value, SkillGroup | Organization):
        return value.name
    return _label(value)


def change_field(
    ticket: Ticket,
    actor: User | None,
    field: str,
    value: Any,
    at: datetime,
    *,
    label: Callable[[Any], str] = display_value,
) -> None:
    """Sets one ticket field and records the change, with the labels of both values as they
    read now; an unchanged value records nothing. The caller saves the ticket."""
    old = getattr(ticket, field)
    if old == value:
        return
    setattr(ticket, field, value)
    record_event(
        ticket,
        actor=actor,
        kind=EventKind.CHANGED,
        at=at,
        field=field,
        old=old,
        new=value,
        data={"from_label": label(old), "to_label": label(value)},
    )
