"""API shapes of service levels: the attainment question and its rows."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from tierdesk.sla.attainment import GROUP_BY_CHOICES, MAX_DAYS


class AttainmentQueryIn(Schema):
    """Query parameters of the attainment report; attainment_query checks them (422 naming
    each refused one), the same check the page uses."""

    tz: str | None = Field(
        None,
        description="The time zone of the periods, an IANA name (Asia/Tokyo, Europe/Moscow, "
        "UTC): date-only `from`/`to`, today, and the day, week and month buckets. "
        "Default: the caller's own time zone, UTC when they have none.",
    )
    from_: str | None = Field(
        None,
        alias="from",
        description="A date (its midnight in `tz`) or a date and time with a time zone. "
        "Default: 28 days before `to`.",
    )
    to: str | None = Field(
        None,
        description="A date, included whole (until the next midnight in `tz`), or a date and "
        "time with a time zone, excluded. Default: the end of today in `tz`. "
        f"At most {MAX_DAYS} days after `from`.",
    )
    group_by: list[str] = Field(
        [],
        description="Keys of the rows besides the metric, repeated or comma-separated: "
        f"{', '.join(GROUP_BY_CHOICES)} (at most one of day, week, month).",
    )
    channel: str | None = Field(None, description="Only clocks of tickets in this channel.")
    priority: str | None = Field(None, description="Only clocks of tickets of this priority.")
    group: str | None = Field(None, description="Only clocks of tickets of this group (its id).")
    policy: str | None = Field(None, description="Only clocks of this policy (its name).")
    metric: str | None = Field(
        None,
        description="Only this target: first_response, next_response, periodic_update, resolution.",
    )


class AttainmentRowOut(Schema):
    metric: str
    channel: str | None = Field(..., description="Null unless grouped by channel.")
    priority: str | None = Field(..., description="Null unless grouped by priority.")
    group: int | None = Field(
        ...,
        validation_alias="group_id",
        description="Null unless grouped by group; then null for tickets in no group.",
    )
    group_name: str | None
    policy: str | None = Field(..., description="The policy's name; null unless grouped by it.")
    period: date | None = Field(
        ...,
        description="The first day of the day, week (Monday) or month, in `tz`; null unless "
        "grouped by one of them.",
    )
    met: int
    breached: int = Field(
        ..., description="Stopped late, or still running past the due time (decided then)."
    )
    total: int
    attainment_percent: float | None = Field(..., description="met / total * 100.")
    goal_percent: float | None = Field(
        ...,
        description="The targets' goal; when the row mixes goals, each weighted by its "
        "clocks (see goal_min_percent and goal_max_percent).",
    )
    goal_min_percent: float | None
    goal_max_percent: float | None
    goal_met: bool | None
    p50_seconds: float | None = Field(
        ...,
        description="Median measured time (business time where the target counts it) "
        "of the stopped clocks; null when none stopped.",
    )
    p90_seconds: float | None
    p95_seconds: float | None


class AttainmentOut(Schema):
    from_: datetime = Field(..., alias="from", description="The start, in the offset of `tz`.")
    to: datetime = Field(..., description="The end (excluded), in the offset of `tz`.")
    tz: str = Field(..., description="The time zone of the periods and of date-only bounds.")
    group_by: list[str]
    rows: list[AttainmentRowOut]
