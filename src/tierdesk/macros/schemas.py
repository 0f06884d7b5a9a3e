"""API shapes of macros, notifications and merges: what comes in, what goes out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from tierdesk.accounts.schemas import GroupRef, PersonRef
from tierdesk.core.api import RecordId
from tierdesk.macros.choices import MacroKind, MacroScope
from tierdesk.tickets.schemas import INPUT_CONFIG, MessageOut, TicketOut

CHANGES_HELP = (
    'Field changes: {"status": "pending", "priority": "high", "type": "problem", '
    '"product_area": "query_engine", "tags_add": ["logs"], "tags_remove": ["new"], '
    '"group": <id or name>, "assignee": "me" | "none"}.'
)
BODY_HELP = (
    "Text with placeholders: {{ ticket.number }}, {{ ticket.subject }}, "
    "{{ requester.first_name }}, {{ requester.name }}, {{ organization.name }}, "
    "{{ agent.first_name }}, {{ agent.name }}."
)


class MacroOut(Schema):
    id: int
    name: str
    scope: str = Field(..., description="personal, group or global.")
    group: GroupRef | None
    owner: PersonRef | None
    kind: str = Field(..., description="reply (public) or note (internal).")
    body: str
    changes: dict[str, Any]
    usage_count: int
    created_at: datetime
    updated_at: datetime


class MacroIn(Schema):
    model_config = INPUT_CONFIG

    name: str
    body: str = Field("", description=BODY_HELP)
    kind: MacroKind = MacroKind.REPLY
    scope: MacroScope = MacroScope.PERSONAL
    group: int | str | None = Field(None, description="For a group macro: the group's id or name.")
    changes: dict[str, Any] = Field({}, description=CHANGES_HELP)


class MacroPatchIn(Schema):
    model_config = INPUT_CONFIG

    name: str | None = None
    body: str | None = Field(None, description=BODY_HELP)
    kind: MacroKind | None = None
    scope: MacroScope | None = None
    group: int | str | None = None
    changes: dict[str, Any] | None = Field(None, description=CHANGES_HELP)


class MacroApplyOut(Schema):
    """The ticket after the macro, and the reply or note it wrote (null if it only changes fields)."""

    ticket: TicketOut
    message: MessageOut | None


class NotificationOut(Schema):
    id: int
    kind: str
    ticket: int = Field(..., validation_alias="ticket_id")
    ticket_subject: str
    actor: PersonRef | None
    message: int | None = Field(None, validation_alias="message_id")
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_ticket_subject(obj: Any) -> str:
        return obj.ticket.subject


class ReadAllOut(Schema):
    read: int = Field(..., description="How many notifications were unread.")


class MergeIn(Schema):
    model_config = INPUT_CONFIG

    into: RecordId = Field(..., description="The number of the ticket that survives.")
