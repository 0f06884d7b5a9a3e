"""API shapes of measures: the KPI question, its rows, the catalog and the targets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class KpiQueryIn(Schema):
    """Query parameters of a KPI; kpi_query checks them (422 naming each refused one)."""

    metric: str | None = Field(None, description="The KPI's name (see /kpis/definitions).")
    from_: str | None = Field(
        None,
        alias="from",
        description="A date (its midnight in `tz`) or a date and time with a time zone. "
        "Default: 28 days before `to`.",
    )
    to: str | None = Field(
        None,
        description="A date, included whole, or a date and time with a time zone, excluded. "
        "Default: the end of today in `tz`.",
    )
    group_by: str | None = Field(
        None,
        description="One key: week (Monday in `tz`; the first and last weeks are cut to the "
        "period), group, channel, tier; backlog also age; volume also type, product_area, "
        "hour_of_week (0 = Monday 00:00-01:00 in `tz`).",
    )
    group: str | None = Field(None, description="Only tickets of this group (id).")
    channel: str | None = Field(None, description="Only tickets of this channel.")
    region: str | None = Field(None, description="Only tickets of organizations of this region.")
    tz: str | None = Field(
        None, description="IANA time zone of dates and weeks. Default: yours, else UTC."
    )
    source: str | None = Field(
        None,
        description="auto (default: the daily rollups where they hold the answer, else the raw "
        "events), raw, or rollups (422 when they cannot answer).",
    )


class TargetOut(Schema):
    id: int
    comparison: str
    value: float
    group: int | None


class KpiRowOut(Schema):
    key: Any = Field(None, description="The week's Monday, the group id, channel, tier, ...")
    label: str | None = None
    series: str | None = Field(None, description="The SLA target's metric for sla_attainment.")
    value: float | None
    numerator: float | None
    denominator: float | None
    met: bool | None = Field(None, description="Whether the value meets the target.")
    details: dict[str, Any] = Field(
        default_factory=dict, description="p90, business time, age buckets, ..."
    )


class KpiOut(Schema):
    metric: str
    label: str
    unit: str
    formula: str
    target: TargetOut | None
    group_by: str | None
    from_: datetime = Field(..., alias="from")
    to: datetime
    tz: str
    source: str = Field(
        ...,
        description="Where the figures were counted: rollups (daily sums kept by the worker) "
        "or raw (the ticket events themselves).",
    )
    rows: list[KpiRowOut]


class DefinitionTargetOut(TargetOut):
    group_name: str | None


class DefinitionOut(Schema):
    metric: str
    label: str
    unit: str
    formula: str
    group_by: list[str]
    targets: list[DefinitionTargetOut]


class TargetIn(Schema):
    metric: str
    comparison: str = Field(..., description="at_most or at_least")
    value: str | float
    group: int | None = Field(None, description="A group's id; none for the team's target.")


class KpiTargetOut(TargetOut):
    metric: str
