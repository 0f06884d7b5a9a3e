"""A ticket's conversation and change history merged into the one timeline the console and the
portal show: messages with their files, and the changes between them in words."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from tierdesk.accounts.models import User
from tierdesk.tickets.choices import EventKind
from tierdesk.tickets.models import Message, Ticket, TicketEvent

# Fields stored as a choice value; the timeline shows the choice's (translated) label instead.
_CHOICE_FIELDS = frozenset(
    {"status", "priority", "type", "product_area", "tier", "language", "channel"}
)

# Events that link two tickets: the follow-up names the closed ticket, the closed one its follow-up.
_LINK_FIELDS = frozenset({"follow_up_of", "followed_up_by"})


@dataclass
class Change:
    """One line of a change entry: a field moved from one value to another."""

    # "field", "created", "attachment", "viewed", "shared", "first_response", "follow_up_of",
    # "followed_up_by", "merged_into", "merged_from", "escalation", "routed", "assigned",
    # "engineering", "sla"
    kind: str
    field: str = ""
    from_label: str = ""
    to_label: str = ""
    attachment_id: int | None = None
    ticket_number: int | None = None
    # For "escalation": the escalation's summary; "routed": the rule's name; "assigned": the
    # assignment mode; "engineering": the action (opened, failed, status).
    detail: str = ""
    # For "engineering": the issue's address in the tracker.
    url: str = ""
    # For "sla": the clock's due time.
    due: datetime | None = None


@dataclass
class Entry:
    """One block of the timeline: a message, or the changes one person made at one moment."""

    at: datetime
    actor: User | None
    message: Message | None = None
    changes: list[Change] = field(default_factory=list)

    @property
    def is_message(self) -> bool:
        return self.message is not None


def _field_label(name: str) -> str:
    try:
        return str(Ticket._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name.replace("_", " ")


def _value_label(name: str, raw: str, fallback: Any) -> str:
    if name in _CHOICE_FIELDS and raw:
        choices = dict(Ticket._meta.get_field(name).choices or [])
        key: Any = int(raw) if name == "tier" and raw.isdigit() else raw
        if key in choices:
            return str(choices[key])
    if name == "restricted":
        return _("yes") if raw == "true" else _("no")
    text = "" if fallback is None else str(fallback)
    return text or raw


def _describe(event: TicketEvent) -> Change | None:
    data = event.data or {}
    if event.kind == EventKind.CREATED:
        return Change(
            kind="created", to_label=_value_label("channel", str(data.get("channel", "")), "")
        )
    if event.kind == EventKind.ATTACHMENT:
        return Change(
            kind="attachment", to_label=event.to_value, attachment_id=data.get("attachment")
        )
    if event.kind == EventKind.VIEWED:
        return Change(kind="viewed")
    if event.kind == EventKind.ESCALATION:
        return _describe_escalation(data)
    if event.kind == EventKind.ROUTED:
        return _describe_routing(event, data)
    if event.kind == EventKind.ENGINEERING:
        return _describe_engineering(event, data)
    if event.kind == EventKind.SLA:
        return _describe_sla(event, data)
    if event.kind == EventKind.MERGED:
        # "merged_into" on the duplicate, "merged_from" on the ticket that survived.
        if event.field not in {"merged_into", "merged_from"} or not event.to_value.isdigit():
            return None
        return Change(kind=event.field, ticket_number=int(event.to_value))
    if event.kind != EventKind.CHANGED:
        return None
    if event.field == "first_responded_at":
        return Change(kind="first_response")
    if event.field == "restricted_to":
        return Change(kind="shared", to_label=str(data.get("to_label") or event.to_value))
    if event.field in _LINK_FIELDS:
        # The other ticket's number; a row that does not hold one is left out, not guessed at.
        if not event.to_value.isdigit():
            return None
        return Change(kind=event.field, ticket_number=int(event.to_value))
    return Change(
        kind="field",
        field=_field_label(event.field),
        from_label=_value_label(event.field, event.from_value, data.get("from_label")),
        to_label=_value_label(event.field, event.to_value, data.get("to_label")),
    )


def _describe_escalation(data: dict[str, Any]) -> Change | None:
    """An escalation step: `field` is the action (requested, accepted, returned, resolved,
    withdrawn), the labels are the tiers it goes from and to."""
    action = data.get("action")
    if action not in {"requested", "accepted", "returned", "resolved", "withdrawn"}:
        return None
    return Change(
        kind="escalation",
        field=action,
        from_label=_value_label("tier", str(data.get("from_tier", "")), ""),
        to_label=_value_label("tier", str(data.get("to_tier", "")), ""),
        detail=str(data.get("summary", "")),
    )


def _describe_routing(event: TicketEvent, data: dict[str, Any]) -> Change:
    """A routing rule's change (`detail` the rule's name), or an automatic assignment within a
    group (`detail` the mode, round-robin or least-loaded)."""
    if data.get("assignment"):
        return Change(
            kind="assigned",
            to_label=str(data.get("to_label", "")),
            from_label=str(data.get("group", "")),
            detail=_assignment_label(str(data["assignment"])),
        )
    return Change(
        kind="routed",
        field=_field_label(event.field),
        from_label=_value_label(event.field, event.from_value, data.get("from_label")),
        to_label=_value_label(event.field, event.to_value, data.get("to_label")),
        detail=str(data.get("rule", "")),
    )


def _describe_engineering(event: TicketEvent, data: dict[str, Any]) -> Change | None:
    """The engineering issue of a tier-3 escalation: opened in the tracker (`field` its key),
    could not be opened (`field` the connector, `to_label` the error), no connector serves the
    receiving group (`field` the group), or its status moved (`to_label` the status's label)."""
    from tierdesk.engineering.choices import IssueStatus

    action = str(data.get("action", ""))
    if action == "no_connector":
        return Change(kind="engineering", detail=action, field=str(data.get("group", "")))
    if action == "failed":
        return Change(
            kind="engineering",
            detail=action,
            field=str(data.get("connector", "")),
            to_label=str(data.get("error", "")),
        )
    if action not in {"opened", "status"}:
        return None
    status = event.to_value if action == "status" else ""
    return Change(
        kind="engineering",
        detail=action,
        field=str(data.get("key") or data.get("connector") or ""),
        to_label=str(IssueStatus(status).label) if status in IssueStatus.values else status,
        url=_web_address(str(data.get("url") or "")),
    )


def _describe_sla(event: TicketEvent, data: dict[str, Any]) -> Change | None:
    """A clock's warning or breach, written by the SLA sweep: `field` the clock ("Next response
    2" from the second cycle on), `to_label` "warning" or "breached", `detail` the policy."""
    from tierdesk.sla.panels import clock_label

    if event.to_value not in {"warning", "breached"} or not event.field:
        return None
    try:
        cycle = int(data.get("cycle") or 1)
    except (TypeError, ValueError):
        cycle = 1
    try:
        due = datetime.fromisoformat(str(data["due_at"])) if data.get("due_at") else None
    except ValueError:
        due = None
    return Change(
        kind="sla",
        field=clock_label(event.field, cycle),
        to_label=event.to_value,
        detail=str(data.get("policy") or data.get("policy_name") or ""),
        due=due,
    )


def _assignment_label(mode: str) -> str:
    from tierdesk.routing.choices import AssignmentMode

    return str(AssignmentMode(mode).label) if mode in AssignmentMode.values else mode


def _web_address(url: str) -> str:
    # The address comes from the tracker: only a web address becomes a link.
    from tierdesk.engineering.models import is_web_url

    return url if is_web_url(url) else ""


def _rank(entry: Entry) -> int:
    # At one instant: "opened the ticket" (and what it follows up), then the message, then what
    # changed with it ("replied, then set pending").
    if entry.is_message:
        return 1
    return 0 if entry.changes[0].kind in {"created", "follow_up_of"} else 2


def build_timeline(messages: Iterable[Message], events: Iterable[TicketEvent]) -> list[Entry]:
    """Messages and events in time order. The events that only say "a message was added" are
    dropped (the message shows itself), as are files sent with a message (they show under it);
    changes one person made at the same moment share one entry."""
    entries: list[Entry] = [Entry(at=m.created_at, actor=m.author, message=m) for m in messages]
    for event in events:
        if event.kind in {EventKind.MESSAGE, EventKind.NOTE}:
            continue
        if event.kind == EventKind.ATTACHMENT and event.message_id is not None:
            continue
        change = _describe(event)
        if change is None:
            continue
        entries.append(Entry(at=event.created_at, actor=event.actor, changes=[change]))
    entries.sort(key=lambda e: (e.at, _rank(e)))
    merged: list[Entry] = []
    for entry in entries:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and not entry.is_message
            and not previous.is_message
            and previous.at == entry.at
            and getattr(previous.actor, "pk", None) == getattr(entry.actor, "pk", None)
        ):
            previous.changes.extend(entry.changes)
        else:
            merged.append(entry)
    return merged
