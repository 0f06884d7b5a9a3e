"""API shapes of live chat: chats with their clock, their lines, and the take-time figures."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from tierdesk.accounts.schemas import GroupRef, OrganizationRef, PersonRef

INPUT_CONFIG = ConfigDict(extra="forbid")


class ChatListQuery(Schema):
    status: Literal["waiting", "active", "ended"] = Field(
        "waiting", description="Waiting chats come oldest first; the others newest first."
    )
    limit: int = Field(50, ge=1, le=200)


class ChatOut(Schema):
    id: int
    ticket: int = Field(..., validation_alias="ticket_id")
    subject: str = Field(..., validation_alias="ticket.subject")
    group: GroupRef | None = Field(..., validation_alias="ticket.group")
    status: str
    origin: str = Field(..., description="widget or portal.")
    site: str | None = Field(None, description="The widget site it started on.")
    customer: PersonRef
    organization: OrganizationRef | None = Field(..., validation_alias="customer.organization")
    visitor_name: str
    visitor_email: str
    verified: bool = Field(..., description="The customer was signed in (portal).")
    existing_contact: bool = Field(
        ...,
        description=(
            "A widget visitor typed the address of an existing customer without signing in; "
            "the ticket is tagged unverified-chat."
        ),
    )
    page_url: str
    started_at: datetime
    taken_at: datetime | None
    taken_by: PersonRef | None
    ended_at: datetime | None
    end_reason: str
    wait_seconds: float | None = Field(
        ..., description="Until taken; for a chat nobody took, until it ended."
    )
    first_answer_seconds: float | None = Field(
        ..., description="From taking until the engineer's first line."
    )

    @staticmethod
    def resolve_site(obj: object) -> str | None:
        site = getattr(obj, "site", None)
        return site.name if site else None


class ChatLineIn(Schema):
    model_config = INPUT_CONFIG

    body: str = Field(..., description="The line, plain text, at most 5,000 characters.")


class ChatEndIn(Schema):
    model_config = INPUT_CONFIG

    solve: bool = Field(False, description="Also mark the chat's ticket solved.")


class ChatLineOut(Schema):
    """A line: one message of the chat's ticket."""

    id: int = Field(..., description="The ticket message's id; lines come in id order.")
    side: str = Field(..., description="agent or customer.")
    author: PersonRef
    body: str = Field(..., validation_alias="body_text")
    internal: bool = Field(..., description="An internal note, which the customer never sees.")
    created_at: datetime

    @staticmethod
    def resolve_side(obj: object) -> str:
        return "agent" if obj.author.is_support_staff else "customer"  # type: ignore[attr-defined]

    @staticmethod
    def resolve_internal(obj: object) -> bool:
        return getattr(obj, "kind", "") == "internal"


class TakeFiguresOut(Schema):
    label: str
    since: datetime
    started: int
    counted: int = Field(
        ...,
        description="Taken chats, and untaken ones that waited past the target (still waiting "
        "or ended); a customer who left within the target is not counted.",
    )
    within_target: int
    percent: float | None
    target_met: bool | None
    average_wait: float | None
    average_first_answer: float | None


class ChatFiguresOut(Schema):
    target_seconds: int
    target_percent: int
    today: TakeFiguresOut
    last_7_days: TakeFiguresOut
