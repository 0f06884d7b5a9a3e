"""API shapes of escalations, their counts and complaint ownership: what comes in, what goes out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, ConfigDict

from tierdesk.accounts.schemas import GroupRef, PersonRef
from tierdesk.core.api import RecordId
from tierdesk.tickets.schemas import AttachmentOut

INPUT_CONFIG = ConfigDict(extra="forbid")

PersonReference = int | str


class EscalationIn(Schema):
    """The escalation package. Every text field may be left out here: the service names each one
    the target tier requires (tier 2: summary, customer_impact, tried; tier 3 also
    steps_to_reproduce, expected_result, actual_result, environment)."""

    model_config = INPUT_CONFIG

    to_tier: int | None = Field(None, description="The next tier up: 2 from tier 1, 3 from tier 2.")
    summary: str = ""
    customer_impact: str = ""
    steps_to_reproduce: str = ""
    expected_result: str = ""
    actual_result: str = ""
    environment: str = Field("", description="Versions, account, region.")
    tried: str = Field("", description="What was already tried.")
    links: list[str] = Field([], description="http(s) addresses.")
    attachments: list[RecordId] = Field([], description="Ids of attachments of this ticket.")
    group: int | str | None = Field(
        None, description="Receiving skill group (id or name) of the target tier."
    )


class ReturnIn(Schema):
    model_config = INPUT_CONFIG

    reason: str = Field(..., description="Why it goes back; added as an internal note.")


class WithdrawIn(Schema):
    model_config = INPUT_CONFIG

    reason: str = Field(..., description="Why it is taken back; added as an internal note.")


class ResolveIn(Schema):
    model_config = INPUT_CONFIG

    resolution: str = Field(..., description="The answer; added as an internal note.")


class EscalationOut(Schema):
    id: int
    ticket: int = Field(..., validation_alias="ticket_id")
    from_tier: int
    to_tier: int
    status: str
    group: GroupRef | None
    from_group: GroupRef | None
    requested_by: PersonRef
    accepted_by: PersonRef | None
    summary: str
    customer_impact: str
    steps_to_reproduce: str
    expected_result: str
    actual_result: str
    environment: str
    tried: str
    links: list[str]
    attachments: list[AttachmentOut]
    return_reason: str
    resolution: str
    withdraw_reason: str
    created_at: datetime
    accepted_at: datetime | None
    returned_at: datetime | None
    resolved_at: datetime | None
    withdrawn_at: datetime | None

    @staticmethod
    def resolve_attachments(obj: object) -> list:
        return list(obj.attachments.all())  # type: ignore[attr-defined]


class StatsQuery(Schema):
    since: AwareDatetime | None = Field(
        None,
        description="Start of the period; default: Monday seven weeks ago (eight weeks with this one).",
    )
    until: AwareDatetime | None = Field(None, description="End of the period; default: now.")


class EngineerCountsOut(Schema):
    person: PersonRef
    requested: int
    accepted: int
    requested_per_week: list[int]
    accepted_per_week: list[int]
    accepted_average: float = Field(..., description="Accepted per week over the period.")


class GroupCountsOut(Schema):
    group: GroupRef | None = Field(..., description="Null: escalated to a whole tier.")
    received: int
    accepted: int
    received_per_week: list[int]


class StatsOut(Schema):
    since: datetime
    until: datetime
    weeks: list[date] = Field(..., description="The Monday of each week the lists count.")
    engineers: list[EngineerCountsOut]
    groups: list[GroupCountsOut]


class EscalationOwnerIn(Schema):
    model_config = INPUT_CONFIG

    flag: Literal["complaint", "incident", ""]
    escalation_manager: PersonReference | None = Field(
        None,
        description=(
            "A manager or administrator (id or username); null for none; left out, the ticket "
            "keeps its escalation manager."
        ),
    )


class EscalationOwnerOut(Schema):
    number: int
    escalation_flag: str
    escalation_manager: PersonRef | None
