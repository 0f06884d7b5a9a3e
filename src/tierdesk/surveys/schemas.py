"""Shapes of the surveys API."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class ResponseQueryIn(Schema):
    kind: str | None = Field(None, description="csat, ces or nps")
    from_: datetime | None = Field(None, alias="from", description="Answered at or after")
    to: datetime | None = Field(None, description="Answered before")


class ResponseOut(Schema):
    id: int
    kind: str
    score: int
    comment: str
    ticket: int = Field(..., alias="ticket_id")
    person: int = Field(..., alias="person_id")
    created_at: datetime


class SettingsOut(Schema):
    ces_enabled: bool
    nps_enabled: bool
    nps_interval_days: int
    nps_daily_max: int
    updated_at: datetime | None


class SettingsPatchIn(Schema):
    ces_enabled: bool | None = None
    nps_enabled: bool | None = None
    nps_interval_days: int | None = None
    nps_daily_max: int | None = None


class FollowUpOut(Schema):
    id: int
    ticket: int = Field(..., alias="ticket_id")
    kind: str = Field(..., alias="response.kind")
    score: int = Field(..., alias="response.score")
    comment: str = Field(..., alias="response.comment")
    customer: int = Field(..., alias="response.person_id")
    assignee: int | None = Field(None, alias="assignee_id")
    status: str
    outcome: str
    created_at: datetime
    due_at: datetime
    done_at: datetime | None


class FollowUpDoneIn(Schema):
    outcome: str = ""
