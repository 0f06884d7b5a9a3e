"""What routing reads about tickets and writes back: the triage classifier's answers, the state
rules run over, routed events, and grouped bulk updates for the batch path."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from tierdesk.accounts.models import Organization, User
from tierdesk.core.bulk import append_rows, update_rows
from tierdesk.routing.rulebook import Prediction, RuleBook, State
from tierdesk.tickets.choices import EventKind, MessageKind, Priority, ProductArea, TicketType
from tierdesk.tickets.events import display_value, history_written
from tierdesk.tickets.models import Message, Ticket, TicketEvent

# Rows per statement of the batch path: well under SQLite's 32,766 bound parameters.
BATCH = 1000


def triage() -> Any:
    """The triage services module, or None while it cannot be imported."""
    try:
        from tierdesk.triage import services as triage_services
    except ImportError:
        return None
    return triage_services


def suggest(ticket: Ticket) -> Prediction | None:
    """The triage suggestion for the ticket (which triage stores), or None without a model."""
    make = getattr(triage(), "triage_suggest", None)
    return Prediction.of(make(ticket)) if make is not None else None


def predict_many(texts: list[str]) -> list[Prediction | None]:
    predict = getattr(triage(), "triage_predict_many", None)
    predictions = predict(texts) if predict is not None else None
    if predictions is None:
        return [None] * len(texts)
    return [Prediction.of(p) for p in predictions]


def triage_text(subject: str, body: str) -> str:
    make = getattr(triage(), "ticket_triage_text", None)
    return make(subject, body) if make is not None else f"{subject}\n{body}"


def state(ticket: Ticket, body: str, prediction: Prediction | None, book: RuleBook) -> State:
    organization = ticket.organization if book.uses_organization else None
    return State(
        channel=ticket.channel,
        type=ticket.type,
        product_area=ticket.product_area,
        priority=ticket.priority,
        language=ticket.language,
        tags=ticket.tags or [],
        group_id=ticket.group_id,
        plan=organization.plan if organization else "",
        region=organization.region if organization else "",
        text=f"{ticket.subject}\n{body}" if book.uses_text else "",
        prediction=prediction,
    )


_CHOICES = {"priority": Priority, "type": TicketType, "product_area": ProductArea}


def label(book: RuleBook, field: str, value: Any) -> str:
    if field == "group_id":
        return book.group_names.get(value, "") if value else ""
    choices = _CHOICES.get(field)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    return display_value(value)


# An event as a row of the events table, in this column order; the batch path writes thousands
# and model instances through bulk_create cost more than the routing itself.
EVENT_COLUMNS = (
    "ticket_id",
    "actor_id",
    "kind",
    "field",
    "from_value",
    "to_value",
    "message_id",
    "data",
    "created_at",
)
EventRow = tuple[Any, ...]


class Labels:
    """Labels of field values, each made once per routing run (choices are translated lazily)."""

    def __init__(self, book: RuleBook) -> None:
        self.book = book
        self.cache: dict[tuple[str, Any], str] = {}

    def __call__(self, field: str, value: Any) -> str:
        key = (field, tuple(value) if isinstance(value, list) else value)
        text = self.cache.get(key)
        if text is None:
            text = self.cache[key] = label(self.book, field, value)
        return text


def _stored(value: Any) -> str:
    # Rules set strings, lists of tags and group ids, stored as tickets.events.stored_value
    # stores them; this shortcut skips its checks for people and groups, thousands of times.
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def routed_event(
    labels: Labels, ticket: Ticket, at: datetime, rule: str, field: str, old: Any, new: Any
) -> EventRow:
    data = {"rule": rule, "from_label": labels(field, old), "to_label": labels(field, new)}
    return (
        ticket.pk,
        None,
        EventKind.ROUTED,
        "group" if field == "group_id" else field,
        _stored(old),
        _stored(new),
        None,
        data,
        at,
    )


def assignment_event(
    ticket: Ticket, at: datetime, person: User, mode: str, group_name: str
) -> EventRow:
    data = {
        "rule": "",
        "assignment": mode,
        "group": group_name,
        "from_label": "",
        "to_label": person.display_name,
    }
    return (ticket.pk, None, EventKind.ROUTED, "assignee", "", str(person.pk), None, data, at)


def insert_events(rows: Sequence[EventRow]) -> None:
    """Appends the events in bulk and tells the history listeners which tickets moved."""
    if not rows:
        return
    append_rows(TicketEvent, EVENT_COLUMNS, rows)
    history_written({row[0] for row in rows}, {(row[2], row[3]) for row in rows})


def apply(ticket: Ticket, changes: Iterable[tuple[str, str, Any, Any]]) -> set[str]:
    fields: set[str] = set()
    for _rule, field, _old, new in changes:
        setattr(ticket, field, new)
        fields.add("group" if field == "group_id" else field)
    return fields


def first_message_bodies(numbers: Sequence[int]) -> dict[int, str]:
    bodies: dict[int, str] = {}
    rows = (
        Message.objects.filter(ticket__in=numbers, kind=MessageKind.PUBLIC)
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "body_text")
    )
    for number, body in rows:
        bodies.setdefault(number, body)
    return bodies


def load_organizations(tickets: Sequence[Ticket]) -> None:

    missing = {
        t.organization_id
        for t in tickets
        if t.organization_id and not Ticket.organization.is_cached(t)
    }
    if not missing:
        return
    organizations = Organization.objects.only("id", "name", "plan", "region").in_bulk(missing)
    for ticket in tickets:
        if ticket.organization_id in organizations:
            ticket.organization = organizations[ticket.organization_id]


def save_changed(tickets: Sequence[Ticket], changed: dict[int, set[str]], now: datetime) -> None:
    """Writes the changed fields and updated_at: one prepared UPDATE per set of changed fields,
    run for all its tickets with executemany. Tags make nearly every outcome distinct, so an
    UPDATE per outcome (or bulk_update's CASE over every row) would cost more than routing."""
    by_fields: dict[tuple[str, ...], list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        fields = changed.get(ticket.pk)
        if not fields:
            continue
        ticket.updated_at = now
        by_fields[tuple(sorted(fields))].append(ticket)
    for names, group in by_fields.items():
        update_rows(group, [*names, "updated_at"])
