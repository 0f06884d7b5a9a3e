"""API shapes of the service-level setup: calendars with their dates and coming holidays, policies
with their targets, and business-time answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import AwareDatetime, ConfigDict

from tierdesk.core.api import RecordId
from tierdesk.sla.setup_selectors import weekly_hours

INPUT_CONFIG = ConfigDict(extra="forbid")

HOURS_HELP = (
    'Openings per day of the week: {"mon": [["09:00", "18:00"]], ...}; a missing or empty day '
    "is closed, an end at or before the start runs past midnight, 24:00 ends at midnight."
)


# --- calendars ----------------------------------------------------------------------------------


class CalendarIn(Schema):
    """A business calendar."""

    model_config = INPUT_CONFIG

    name: str
    time_zone: str = Field(description="An IANA zone, e.g. Asia/Tokyo.")
    around_the_clock: bool = False
    hours: dict[str, Any] = Field(default_factory=dict, description=HOURS_HELP)
    holiday_country: str = Field(
        "", description="ISO 3166 code whose public holidays close the calendar, e.g. JP."
    )
    holiday_subdivision: str = Field("", description="A state or province code, e.g. NY.")
    regions: list[str] = Field(
        default_factory=list,
        description="Customers in these regions are measured on this calendar: japan, russia, "
        "emea, americas, apac. Each region has at most one calendar.",
    )
    is_default: bool = Field(
        False, description="For customers whose region no calendar serves; moves the default."
    )


class CalendarPatchIn(Schema):
    """The fields to change; hours and regions are replaced whole."""

    model_config = INPUT_CONFIG

    name: str | None = None
    time_zone: str | None = None
    around_the_clock: bool | None = None
    hours: dict[str, Any] | None = Field(None, description=HOURS_HELP)
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    regions: list[str] | None = None
    is_default: bool | None = None


class DateIn(Schema):
    """A date the calendar treats differently: closed (no hours) or open with its own."""

    model_config = INPUT_CONFIG

    date: dt.date
    name: str = ""
    hours: list[Any] = Field(
        default_factory=list,
        description='The day\'s openings, e.g. [["10:00", "15:00"]]; empty: closed all day.',
    )


class DateOut(Schema):
    date: dt.date
    name: str
    hours: list[list[str]]


class HolidayOut(Schema):
    date: dt.date
    name: str
    source: str = Field(description="public (the country's holiday) or custom (a calendar date)")
    hours: list[list[str]] = Field(description="Empty: closed all day.")


class PolicyRefOut(Schema):
    id: int
    name: str


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    around_the_clock: bool
    hours: dict[str, list[list[str]]] = Field(description=HOURS_HELP)
    holiday_country: str
    holiday_subdivision: str
    regions: list[str]
    is_default: bool
    dates: list[DateOut]
    policies: list[PolicyRefOut] = Field(description="The policies measured on this calendar.")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_hours(calendar: Any) -> dict[str, list[list[str]]]:
        return weekly_hours(calendar)

    @staticmethod
    def resolve_dates(calendar: Any) -> list[Any]:
        return list(calendar.dates.all())

    @staticmethod
    def resolve_policies(calendar: Any) -> list[Any]:
        return list(calendar.policies.all())


class CalendarDetailOut(CalendarOut):
    upcoming_holidays: list[HolidayOut] = Field(
        description="Public holidays and the calendar's own dates in the coming 12 months."
    )


class BusinessTimeQuery(Schema):
    """Either `seconds` (when that much business time has passed) or `to` (how much business
    time lies between)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: AwareDatetime = Field(alias="from", description="An instant with its offset.")
    seconds: float | None = Field(None, description="Business seconds to add to `from`.")
    to: AwareDatetime | None = Field(None, description="Measure business time up to here.")


class BusinessTimeOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    start: dt.datetime = Field(alias="from")
    seconds: float
    due_at: dt.datetime | None = Field(None, description="`from` plus `seconds` of business time.")
    to: dt.datetime | None = None


# --- policies -----------------------------------------------------------------------------------


class TargetIn(Schema):
    """One promise: meet `metric` within `seconds`, business or calendar time."""

    model_config = INPUT_CONFIG

    metric: str = Field(description="first_response, next_response, periodic_update, resolution")
    seconds: int = Field(description="1 to 7,776,000 (90 days).")
    business_hours: bool = Field(
        True, description="Counted in the calendar's business hours; false: around the clock."
    )
    goal_percent: float = Field(90, description="The share of tickets that should meet it.")
    warn_before_seconds: int = Field(0, description="0: no warning; else less than seconds.")
    notify: bool = True
    breach_priority: str = Field("", description="On breach raise the priority to this; empty: no.")
    breach_notify_managers: bool = False


class TargetOut(Schema):
    metric: str
    seconds: int
    business_hours: bool
    goal_percent: float
    warn_before_seconds: int
    notify: bool
    breach_priority: str
    breach_notify_managers: bool


class PolicyIn(Schema):
    """An SLA policy. Conditions left empty match every ticket; all given must match (tags: any
    of). Each of a ticket's targets comes from the first policy in the order that matches it
    and sets that target."""

    model_config = INPUT_CONFIG

    name: str
    description: str = ""
    active: bool = True
    plans: list[str] = Field(default_factory=list, description="basic, standard, premium, …")
    channels: list[str] = Field(default_factory=list, description="email, portal, chat, phone, …")
    priorities: list[str] = Field(default_factory=list, description="low, normal, high, urgent")
    organizations: list[RecordId] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list, description="Matches a ticket with any of them.")
    calendar: RecordId | None = Field(
        None, description="null: the calendar of the customer's region."
    )
    pause_on_hold: bool = False
    targets: list[TargetIn] = Field(default_factory=list)
    position: int | None = Field(
        None, description="Place in the order, 1 is tried first; null: after every other."
    )


class PolicyPatchIn(Schema):
    """The fields to change; lists and targets are replaced whole. Move with /move."""

    model_config = INPUT_CONFIG

    name: str | None = None
    description: str | None = None
    active: bool | None = None
    plans: list[str] | None = None
    channels: list[str] | None = None
    priorities: list[str] | None = None
    organizations: list[RecordId] | None = None
    tags: list[str] | None = None
    calendar: RecordId | None = None
    pause_on_hold: bool | None = None
    targets: list[TargetIn] | None = None


class PolicyOut(Schema):
    id: int
    name: str
    description: str
    position: int = Field(description="Place in the order: 1 is tried first.")
    active: bool
    plans: list[str]
    channels: list[str]
    priorities: list[str]
    organizations: list[int]
    tags: list[str]
    calendar: int | None = Field(None, alias="calendar_id")
    calendar_name: str | None = Field(None, description="null: the customer's region's calendar.")
    pause_on_hold: bool
    targets: list[TargetOut]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_position(policy: Any) -> int:
        return getattr(policy, "place", policy.position)

    @staticmethod
    def resolve_organizations(policy: Any) -> list[int]:
        return [organization.pk for organization in policy.organizations.all()]

    @staticmethod
    def resolve_calendar_name(policy: Any) -> str | None:
        return policy.calendar.name if policy.calendar_id else None

    @staticmethod
    def resolve_targets(policy: Any) -> list[Any]:
        return list(policy.targets.all())


class MoveIn(Schema):
    """Either `position` (1 is tried first) or `offset` (places up, negative, or down)."""

    model_config = INPUT_CONFIG

    position: int | None = None
    offset: int | None = None


class ReorderIn(Schema):
    """Every policy id exactly once, in the new order."""

    model_config = INPUT_CONFIG

    ids: list[RecordId]
