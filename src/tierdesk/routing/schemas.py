"""API shapes of routing: rules, the order, group assignment and people's availability."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from tierdesk.core.api import RecordId

INPUT_CONFIG = ConfigDict(extra="forbid")


class RuleIn(Schema):
    """A routing rule. `conditions` (all must match) may hold channel, plan, region, language,
    product_area, type (lists of values), tags and keywords (any of), predicted_type and
    predicted_product_area ({"values": [...], "min_confidence": 0-1}). `actions` may hold group
    (id or name), priority, type, product_area, add_tags, apply_prediction
    ({"min_confidence": 0-1})."""

    model_config = INPUT_CONFIG

    name: str
    conditions: dict[str, Any] = Field(default_factory=dict)
    actions: dict[str, Any]
    active: bool = True
    stop_processing: bool = False


class RulePatchIn(Schema):
    """The fields to change; conditions and actions are replaced whole."""

    model_config = INPUT_CONFIG

    name: str | None = None
    conditions: dict[str, Any] | None = None
    actions: dict[str, Any] | None = None
    active: bool | None = None
    stop_processing: bool | None = None


class RuleOut(Schema):
    id: int
    name: str
    position: int
    active: bool
    stop_processing: bool
    conditions: dict[str, Any]
    actions: dict[str, Any]
    created_by: int | None = Field(None, alias="created_by_id")
    updated_by: int | None = Field(None, alias="updated_by_id")
    created_at: datetime
    updated_at: datetime


class ReorderIn(Schema):
    """Every rule id exactly once, in the new order."""

    model_config = INPUT_CONFIG

    ids: list[RecordId]


class AssignmentIn(Schema):
    model_config = INPUT_CONFIG

    mode: str = Field(description="none, round_robin or least_loaded")


class MemberOut(Schema):
    """A member of the group and how much they carry now."""

    id: int
    username: str
    name: str
    on_shift: bool
    away: bool
    load: int = Field(description="Unsolved tickets assigned to them.")
    capacity: int
    available: bool = Field(description="On shift, not away and under capacity.")

    @staticmethod
    def from_candidate(candidate: Any) -> MemberOut:
        return MemberOut(
            id=candidate.person.pk,
            username=candidate.person.username,
            name=candidate.person.display_name,
            on_shift=candidate.on_shift,
            away=candidate.away,
            load=candidate.load,
            capacity=candidate.capacity,
            available=candidate.available,
        )


class AssignmentOut(Schema):
    group: int
    group_name: str
    mode: str
    last_assigned: int | None
    members: list[MemberOut]


class ShiftSchema(Schema):
    model_config = INPUT_CONFIG

    weekday: int = Field(description="0 Monday ... 6 Sunday")
    start: time = Field(description="Local time in the person's time zone, e.g. 09:00")
    end: time = Field(description="An end at or before the start runs past midnight.")


class AvailabilityIn(Schema):
    model_config = INPUT_CONFIG

    max_open_tickets: int
    away: bool = False
    shifts: list[ShiftSchema] = Field(default_factory=list)


class AvailabilityOut(Schema):
    person: int
    time_zone: str
    max_open_tickets: int
    away: bool
    shifts: list[ShiftSchema]
    open_tickets: int
    on_shift_now: bool
