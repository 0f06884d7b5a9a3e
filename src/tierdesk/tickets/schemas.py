"""API shapes of tickets, messages, attachments and events: what comes in, what goes out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AwareDatetime, ConfigDict, field_validator

from tierdesk.accounts.choices import Language, Tier
from tierdesk.accounts.models import SkillGroup, User
from tierdesk.accounts.schemas import (
    GroupRef,
    OrganizationRef,
    PersonRef,
    api_viewer,
    sees_staff_details,
)
from tierdesk.core.api import RecordId
from tierdesk.core.pagination import ID_MAX, PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX
from tierdesk.tickets.choices import Channel, Priority, ProductArea, Status, TicketType
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.selectors import SlaState, TicketFilters, ticket_sla

# Inputs refuse unknown fields, so a misspelt field is named instead of silently ignored.
INPUT_CONFIG = ConfigDict(extra="forbid", use_enum_values=True)
# Files one message (or one upload) may carry, in the API and the portal; more are refused
# naming the count. Django refuses any request with over DATA_UPLOAD_MAX_NUMBER_FILES (100).
ATTACHMENTS_MAX = 20

PersonReference = int | str


def _absolute(context: Any, path: str) -> str:
    request = (context or {}).get("request")
    return request.build_absolute_uri(path) if request is not None else path


# --- out ---------------------------------------------------------------------------------------


# Routing is the desk's business: customers see who asked and where the ticket stands.
STAFF_ONLY = "Null for customers."


class TicketOut(Schema):
    """A ticket. For a customer, `tier`, `tags`, `assignee`, `group` and `readers` are always
    null, and staff people are named without id or username (see PersonRef)."""

    number: int
    subject: str
    status: str
    priority: str
    type: str
    product_area: str
    channel: str
    tier: int | None = Field(None, description=STAFF_ONLY)
    language: str
    tags: list[str] | None = Field(None, description=STAFF_ONLY)
    restricted: bool
    requester: PersonRef
    organization: OrganizationRef | None
    assignee: PersonRef | None = Field(None, description=f"Null when unassigned. {STAFF_ONLY}")
    group: GroupRef | None = Field(None, description=f"Null when no group. {STAFF_ONLY}")
    readers: list[PersonRef] | None = Field(
        None,
        description="The staff named on a restricted ticket, by name; null when the ticket is "
        f"not restricted. {STAFF_ONLY}",
    )
    created_at: datetime
    updated_at: datetime
    first_responded_at: datetime | None
    solved_at: datetime | None
    closed_at: datetime | None
    url: str = Field(
        "", description="The ticket's page: the console for staff, the portal for customers."
    )

    @staticmethod
    def resolve_tier(obj: Ticket, context: Any) -> int | None:
        return obj.tier if sees_staff_details(context) else None

    @staticmethod
    def resolve_tags(obj: Ticket, context: Any) -> list[str] | None:
        return obj.tags if sees_staff_details(context) else None

    @staticmethod
    def resolve_assignee(obj: Ticket, context: Any) -> User | None:
        return obj.assignee if sees_staff_details(context) else None

    @staticmethod
    def resolve_group(obj: Ticket, context: Any) -> SkillGroup | None:
        return obj.group if sees_staff_details(context) else None

    @staticmethod
    def resolve_readers(obj: Ticket, context: Any) -> list[User] | None:
        if not obj.restricted or not sees_staff_details(context):
            return None
        return sorted(obj.restricted_to.all(), key=lambda p: (p.display_name.lower(), p.pk))

    @staticmethod
    def resolve_url(obj: Ticket, context: Any) -> str:
        viewer = api_viewer(context)
        prefix = "/portal" if viewer is not None and viewer.is_customer else ""
        return _absolute(context, f"{prefix}/tickets/{obj.number}")


class SlaStateOut(Schema):
    """One SLA clock: a target of the policy in force measured once (the first response, each
    next response, each resolution after a reopen: `cycle` counts them)."""

    metric: str = Field(
        ..., description="first_response, next_response, periodic_update or resolution."
    )
    cycle: int
    policy: str = Field(..., description="The name of the policy whose target is in force.")
    target_seconds: int
    business_hours: bool = Field(
        ..., description="Counted in the calendar's business hours; false: around the clock."
    )
    calendar: str | None = Field(
        None, description="The business calendar's name; null around the clock."
    )
    state: str = Field(..., description="running, paused or stopped.")
    started_at: datetime
    stopped_at: datetime | None
    due_at: datetime | None = Field(
        None, description="Null while paused (unless already breached)."
    )
    met: bool | None = Field(None, description="Null until decided; false once breached.")
    breached: bool
    elapsed_seconds: float = Field(
        ...,
        description="Seconds counted against the target: business seconds for a business-hours "
        "target; up to now, or to the stop.",
    )
    remaining_seconds: float | None = Field(
        None,
        description="Seconds (business seconds for a business-hours target) left before the due "
        "time, negative once overdue (0 when overdue with no business time since the due time: "
        "`breached` tells); kept while paused; null once stopped.",
    )


class TicketDetailOut(TicketOut):
    """A ticket with its SLA state. Lists carry no `sla`; read the ticket for it."""

    sla: list[SlaStateOut] = Field(
        [],
        description="The ticket's SLA clocks, oldest first. Always empty for customers: the "
        "targets are the desk's internal promises.",
    )

    @staticmethod
    def resolve_sla(obj: Ticket, context: Any) -> list[SlaState]:
        return ticket_sla(api_viewer(context), obj)


class TicketPageOut(Schema):
    items: list[TicketOut]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; null on the last."
    )


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str = ""

    @staticmethod
    def resolve_url(obj: Any, context: Any) -> str:
        return _absolute(
            context, reverse("api-v1:attachment_download", kwargs={"attachment_id": obj.id})
        )


class MessageOut(Schema):
    id: int
    # The ticket the message belongs to: a customer's reply past the reopen window opens a
    # follow-up ticket, and the message is that ticket's.
    ticket: int = Field(..., alias="ticket_id")
    kind: str
    author: PersonRef
    body_text: str
    body_html: str
    created_at: datetime
    attachments: list[AttachmentOut]


class EventOut(Schema):
    """One change. `from`/`to` hold stored values (ids for people and groups), the labels their names."""

    id: int
    kind: str
    field: str
    from_value: str = Field(..., serialization_alias="from")
    to_value: str = Field(..., serialization_alias="to")
    from_label: str = ""
    to_label: str = ""
    actor: PersonRef | None
    message: int | None = Field(None, validation_alias="message_id")
    created_at: datetime

    @staticmethod
    def resolve_from_label(obj: Any) -> str:
        return (obj.data or {}).get("from_label", obj.from_value)

    @staticmethod
    def resolve_to_label(obj: Any) -> str:
        return (obj.data or {}).get("to_label", obj.to_value)


# --- in ----------------------------------------------------------------------------------------


class TicketIn(Schema):
    model_config = INPUT_CONFIG

    subject: str
    body: str = Field(..., description="The first message, as plain text.")
    body_html: str = Field("", description="The first message as HTML; sanitised on arrival.")
    priority: Priority = Priority.NORMAL
    type: TicketType = TicketType.QUESTION
    product_area: ProductArea | Literal[""] = ""
    tags: list[str] = []
    language: Language | Literal[""] = Field(
        "", description="Defaults to the requester's language."
    )
    channel: Channel = Channel.API
    requester: PersonReference | None = Field(
        None, description="Staff only: a person's id or username."
    )
    group: int | str | None = Field(None, description="Staff only: a skill group's id or name.")
    restricted: bool = Field(False, description="Staff only: only named staff may read the ticket.")

    # A form sends one tag as a plain value and leaves unused fields blank.
    @field_validator("tags", mode="before")
    @classmethod
    def _tags_from_form(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [tag for tag in value.split(",") if tag.strip()]
        return value

    @field_validator("requester", "group", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


class TicketPatchIn(Schema):
    """Only the fields present are changed; `null` clears assignee, group or product area."""

    model_config = INPUT_CONFIG

    subject: str | None = None
    status: Status | None = None
    priority: Priority | None = None
    type: TicketType | None = None
    product_area: ProductArea | Literal[""] | None = None
    tier: Tier | None = None
    group: int | str | None = None
    assignee: PersonReference | None = Field(
        None, description='A person\'s id or username, "me", or null.'
    )
    language: Language | None = None
    tags: list[str] | None = None
    restricted: bool | None = None


class MessageIn(Schema):
    """A reply (the customer sees it) or, with `internal`, a note for staff only. Send JSON, or a
    multipart form with the same fields and files under `attachments`."""

    model_config = INPUT_CONFIG

    body: str = ""
    body_html: str = ""
    internal: bool = False
    status: Status | None = Field(
        None, description="Staff replies only: the status after the reply."
    )


class FollowUpIn(Schema):
    """The message that continues a closed ticket in a new one. Send JSON, or a multipart form
    with the same fields and files under `attachments`."""

    model_config = INPUT_CONFIG

    body: str = Field("", description="The message, as plain text.")
    body_html: str = Field("", description="The message as HTML; sanitised on arrival.")
    channel: Channel | None = Field(
        None, description="Defaults to the API for customers and to the closed ticket's for staff."
    )


class ReadersIn(Schema):
    """Staff to name on a restricted ticket, by id or username."""

    model_config = INPUT_CONFIG

    people: list[PersonReference] = Field(..., min_length=1, max_length=50)

    @field_validator("people", mode="before")
    @classmethod
    def _people_from_form(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


class TicketListQuery(Schema):
    """Filters of the ticket list; statuses and priorities repeat or come comma-separated."""

    model_config = ConfigDict(use_enum_values=True)

    status: list[Status] = []
    priority: list[Priority] = []
    tier: Tier | None = None
    assignee: str | None = Field(None, description='A person\'s id, "me" or "none".')
    organization: RecordId | None = None
    channel: Channel | None = None
    group: RecordId | None = None
    updated_since: AwareDatetime | None = Field(None, description="ISO 8601 with a time zone.")
    q: str | None = Field(
        None, max_length=200, description="Words of the subject, or a ticket number."
    )
    cursor: str | None = None
    limit: int = Field(PAGE_LIMIT_DEFAULT, ge=1, le=PAGE_LIMIT_MAX)

    @field_validator("status", "priority", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            return [part.strip() for item in value for part in str(item).split(",") if part.strip()]
        return value

    @field_validator("assignee")
    @classmethod
    def _assignee(cls, value: str | None) -> str | None:
        if value is None or value in {"me", "none"}:
            return value
        if value.isascii() and value.isdigit() and len(value) <= 19 and 0 < int(value) <= ID_MAX:
            return value
        raise ValueError(_('Give a person\'s id, "me" or "none".'))

    def filters(self) -> TicketFilters:
        assignee: int | str | None = self.assignee
        if isinstance(assignee, str) and assignee.isdigit():
            assignee = int(assignee)
        return TicketFilters(
            status=[str(s) for s in self.status] or None,
            priority=[str(p) for p in self.priority] or None,
            tier=int(self.tier) if self.tier is not None else None,
            assignee=assignee,
            organization=self.organization,
            channel=str(self.channel) if self.channel else None,
            group=self.group,
            updated_since=self.updated_since,
            q=self.q,
        )
