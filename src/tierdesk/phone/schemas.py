"""API shapes of phone: a call report coming in, calls and their stats going out."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AwareDatetime, ConfigDict, field_validator

from tierdesk.accounts.schemas import PersonRef
from tierdesk.core.api import RecordId
from tierdesk.core.pagination import ID_MAX, PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX
from tierdesk.phone.choices import Direction, Outcome
from tierdesk.phone.numbers import normalize_number
from tierdesk.phone.selectors import CallFilters
from tierdesk.phone.services import (
    CALLER_NAME_MAX,
    EXTERNAL_ID_MAX,
    NOTES_MAX,
    QUEUE_MAX,
    RECORDING_URL_MAX,
    SOURCE_MAX,
)

# Inputs refuse unknown fields, so a misspelt field is named instead of silently ignored.
INPUT_CONFIG = ConfigDict(extra="forbid", use_enum_values=True)


class CallIn(Schema):
    """A call as the telephony system knows it. The first report of a call needs
    `caller_number` and `offered_at`; later reports of the same `source` and `external_id` may
    carry only what changed. Times need a time zone, and offered <= answered <= ended."""

    model_config = INPUT_CONFIG

    external_id: str = Field(
        ..., min_length=1, max_length=EXTERNAL_ID_MAX, description="The telephony system's call id."
    )
    source: str = Field(
        "default",
        min_length=1,
        max_length=SOURCE_MAX,
        description="Which telephony system reports; call ids are unique per source.",
    )
    caller_number: str | None = Field(
        None,
        max_length=40,
        description="The customer's number: who called (inbound) or was called (outbound). "
        'Spaces, dashes, dots and parentheses are ignored; null or "anonymous" when withheld.',
    )
    caller_name: str = Field("", max_length=CALLER_NAME_MAX)
    direction: Direction = Direction.INBOUND
    queue: str = Field("", max_length=QUEUE_MAX)
    offered_at: AwareDatetime | None = Field(None, description="When the call reached the desk.")
    answered_at: AwareDatetime | None = Field(
        None, description="Null while nobody answered; once given, it stays."
    )
    ended_at: AwareDatetime | None = Field(None, description="Null while the call goes on.")
    agent: int | str | None = Field(
        None, description="Who answered: a person's id, username or email address."
    )
    recording_url: str = Field("", max_length=RECORDING_URL_MAX, description="http or https.")
    notes: str = Field("", max_length=NOTES_MAX)
    ticket: RecordId | None = Field(
        None, description="Add the call to this ticket instead of opening one."
    )


class CallOut(Schema):
    """A call. `outcome` is answered, abandoned (ended unanswered) or ringing; wait and talk are
    whole seconds; `answered_within_target` is null for outbound calls and calls still ringing."""

    id: int
    source: str
    external_id: str
    direction: str
    caller_number: str
    caller_name: str
    queue: str
    offered_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: str
    wait_seconds: int | None
    talk_seconds: int | None
    answered_within_target: bool | None
    agent: PersonRef | None
    contact: PersonRef | None = Field(
        None, description="The customer contact the number matched; null for unknown callers."
    )
    recording_url: str
    notes: str
    ticket: int | None = Field(None, validation_alias="ticket_id")
    ticket_opened: bool = Field(
        ..., description="Whether the call opened its ticket rather than joining one."
    )
    created_at: datetime
    updated_at: datetime


class CallPageOut(Schema):
    items: list[CallOut]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; null on the last."
    )


def _parse_agent(value: str | None) -> int | str | None:
    if value is None or value == "me":
        return value
    if value.isascii() and value.isdigit() and len(value) <= 19 and 0 < int(value) <= ID_MAX:
        return int(value)
    raise ValueError(_('Give a person\'s id or "me".'))


class CallListQuery(Schema):
    model_config = ConfigDict(use_enum_values=True)

    since: AwareDatetime | None = Field(None, description="Offered at or after.")
    until: AwareDatetime | None = Field(None, description="Offered before.")
    queue: str | None = Field(None, max_length=QUEUE_MAX)
    direction: Direction | None = None
    outcome: Outcome | None = None
    agent: str | None = Field(None, description='A person\'s id, or "me".')
    caller_number: str | None = Field(None, max_length=40, description="Any formatting.")
    ticket: RecordId | None = None
    source: str | None = Field(None, max_length=SOURCE_MAX)
    external_id: str | None = Field(None, max_length=EXTERNAL_ID_MAX)
    cursor: str | None = None
    limit: int = Field(PAGE_LIMIT_DEFAULT, ge=1, le=PAGE_LIMIT_MAX)

    @field_validator("agent")
    @classmethod
    def _agent(cls, value: str | None) -> str | None:
        _parse_agent(value)
        return value

    @field_validator("caller_number")
    @classmethod
    def _caller_number(cls, value: str | None) -> str | None:
        if value is None:
            return None
        number = normalize_number(value)
        if number is None:
            raise ValueError(_("Give a phone number: 2 to 20 digits with an optional leading +."))
        return number

    def filters(self) -> CallFilters:
        return CallFilters(
            since=self.since,
            until=self.until,
            queue=self.queue,
            direction=str(self.direction) if self.direction else None,
            outcome=str(self.outcome) if self.outcome else None,
            agent=_parse_agent(self.agent),
            caller_number=self.caller_number,
            ticket=self.ticket,
            source=self.source,
            external_id=self.external_id,
        )


class StatsQuery(Schema):
    since: AwareDatetime | None = Field(None, description="Default: seven days before `until`.")
    until: AwareDatetime | None = Field(None, description="Default: now.")
    queue: str | None = Field(None, max_length=QUEUE_MAX, description="One queue only.")


class QueueStatsOut(Schema):
    """Inbound calls offered in the period, except `outbound`, which counts calls the desk made."""

    queue: str | None = Field(
        ..., description='The queue ("" for calls in none); null in the total.'
    )
    offered: int
    answered: int
    abandoned: int
    ringing: int
    answered_within_target: int
    service_level: float | None = Field(
        ..., description="answered_within_target / offered; null when nothing was offered."
    )
    target_met: bool | None
    abandon_rate: float | None
    average_wait_seconds: float | None = Field(..., description="Time to answer, answered calls.")
    average_talk_seconds: float | None
    longest_wait_seconds: int | None
    outbound: int


class StatsOut(Schema):
    since: datetime
    until: datetime
    target_seconds: int = Field(..., description="The SLA's answer target.")
    target_share: float = Field(..., description="The share of calls to answer within it.")
    total: QueueStatsOut
    queues: list[QueueStatsOut]
