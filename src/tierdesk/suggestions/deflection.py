"""Deflection figures per week: portal drafts shown a suggestion, how many ended without a request
because an article answered them, impressions, clicks and the articles that deflected most.

The rule: a draft is deflected when the customer says an article answered them, or when they
opened an article from it and left without submitting a request for an hour. Deflection rate
= deflected drafts / drafts shown at least one suggestion and decided (no longer open), by the
week the draft started. A draft still open cannot be deflected yet (the hour has not passed),
so counting it would make the current week read too low; it is shown apart as "still open"."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.core.errors import ValidationFailed
from tierdesk.suggestions.choices import DraftOutcome, EventKind
from tierdesk.suggestions.models import PortalDraft, SuggestionEvent

DEFAULT_WEEKS = 12
SPAN_MAX_DAYS = 366


@dataclass(frozen=True)
class DeflectionQuery:
    """Weeks from the Monday on or before `first_day` to the week of `last_day` (included),
    in `zone`."""

    first_day: date
    last_day: date
    zone: tzinfo
    time_zone: str

    @property
    def first_monday(self) -> date:
        return self.first_day - timedelta(days=self.first_day.weekday())

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_monday, time.min, tzinfo=self.zone)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=self.zone)

    def weeks(self) -> list[date]:
        weeks, monday = [], self.first_monday
        while monday <= self.last_day:
            weeks.append(monday)
            monday += timedelta(days=7)
        return weeks


def _zone_of(name: str) -> tuple[tzinfo, str]:
    try:
        return zoneinfo.ZoneInfo(name), name
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC"), "UTC"


def deflection_query(
    *, start: str | date | None, end: str | date | None, time_zone: str = "UTC"
) -> DeflectionQuery:
    """The period asked for, checked: ISO dates, `from` on or before `to`, at most a year.
    Defaults: the last DEFAULT_WEEKS weeks up to today in the time zone."""
    zone, zone_name = _zone_of(time_zone or "UTC")
    errors: dict[str, str] = {}

    def parse(value: str | date | None, field: str) -> date | None:
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            errors[field] = _("Give a date as YYYY-MM-DD.")
            return None

    first, last = parse(start, "from"), parse(end, "to")
    if errors:
        raise ValidationFailed(errors)
    today = timezone.now().astimezone(zone).date()
    last = last or today
    first = first or last - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
    if first > last:
        raise ValidationFailed({"to": _("The end must be on or after the start.")})
    if (last - first).days >= SPAN_MAX_DAYS:
        raise ValidationFailed(
            {"from": _("Ask for at most %(days)d days at a time.") % {"days": SPAN_MAX_DAYS}}
        )
    return DeflectionQuery(first_day=first, last_day=last, zone=zone, time_zone=zone_name)


@dataclass(frozen=True)
class DeflectionWeek:
    """One week's drafts (by the day they started) and suggestion events."""

    week: date
    drafts: int = 0
    shown: int = 0
    deflected: int = 0
    deflected_explicitly: int = 0
    submitted: int = 0
    abandoned: int = 0
    # Shown a suggestion but not decided yet: the customer may still deflect or submit.
    still_open: int = 0
    impressions: int = 0
    clicks: int = 0
    helpful: int = 0

    @property
    def decided(self) -> int:
        """Drafts shown a suggestion whose outcome is known (not still open)."""
        return self.shown - self.still_open

    @property
    def deflection_rate(self) -> float | None:
        """Percent of decided drafts shown a suggestion that were deflected; None with none."""
        return round(100 * self.deflected / self.decided, 1) if self.decided else None

    @property
    def click_through_rate(self) -> float | None:
        """Percent of impressions that were opened; None with no impression."""
        return round(100 * self.clicks / self.impressions, 1) if self.impressions else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "week": self.week,
            "drafts": self.drafts,
            "shown": self.shown,
            "deflected": self.deflected,
            "deflected_explicitly": self.deflected_explicitly,
            "submitted": self.submitted,
            "abandoned": self.abandoned,
            "still_open": self.still_open,
            "impressions": self.impressions,
            "clicks": self.clicks,
            "helpful": self.helpful,
            "deflection_rate": self.deflection_rate,
            "click_through_rate": self.click_through_rate,
        }


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def deflection_weeks(question: DeflectionQuery) -> list[DeflectionWeek]:
    """Every week of the period, those with nothing included (two queries, grouped by day in
    the period's time zone, then summed per week here: TruncWeek's time zone handling differs
    between SQLite and PostgreSQL, a day's does not)."""
    weeks: dict[date, dict[str, int]] = {week: {} for week in question.weeks()}

    def add(row: Any) -> None:
        bucket = weeks.get(_monday(row["day"]))
        if bucket is not None:
            for name, value in row.items():
                if name != "day":
                    bucket[name] = bucket.get(name, 0) + (value or 0)

    deflected = Q(outcome=DraftOutcome.DEFLECTED, shown_count__gt=0)
    drafts = (
        PortalDraft.objects.filter(started_at__gte=question.start, started_at__lt=question.end)
        .annotate(day=TruncDate("started_at", tzinfo=question.zone))
        .values("day")
        .annotate(
            drafts=Count("pk"),
            shown=Count("pk", filter=Q(shown_count__gt=0)),
            deflected=Count("pk", filter=deflected),
            deflected_explicitly=Count("pk", filter=deflected & Q(deflected_explicitly=True)),
            submitted=Count("pk", filter=Q(outcome=DraftOutcome.SUBMITTED)),
            abandoned=Count("pk", filter=Q(outcome=DraftOutcome.ABANDONED)),
            still_open=Count("pk", filter=Q(outcome=DraftOutcome.OPEN, shown_count__gt=0)),
        )
        .order_by()
    )
    for row in drafts:
        add(row)
    events = (
        SuggestionEvent.objects.filter(at__gte=question.start, at__lt=question.end)
        .annotate(day=TruncDate("at", tzinfo=question.zone))
        .values("day")
        .annotate(
            impressions=Count("pk", filter=Q(kind=EventKind.IMPRESSION)),
            clicks=Count("pk", filter=Q(kind=EventKind.CLICK)),
            helpful=Count("pk", filter=Q(kind=EventKind.HELPFUL)),
        )
        .order_by()
    )
    for event_row in events:
        add(event_row)
    return [DeflectionWeek(week=week, **values) for week, values in weeks.items()]


def deflection_totals(weeks: list[DeflectionWeek]) -> DeflectionWeek:
    """The whole period as one row (its `week` is the first week's)."""
    names = [
        "drafts",
        "shown",
        "deflected",
        "deflected_explicitly",
        "submitted",
        "abandoned",
        "still_open",
        "impressions",
        "clicks",
        "helpful",
    ]
    return DeflectionWeek(
        week=weeks[0].week if weeks else date.min,
        **{name: sum(getattr(w, name) for w in weeks) for name in names},
    )


@dataclass(frozen=True)
class DeflectingArticle:
    article_id: int
    title: str
    deflections: int
    helpful: int


def top_deflecting_articles(question: DeflectionQuery, limit: int = 10) -> list[DeflectingArticle]:
    """The articles opened in most deflected drafts of the period (drafts by the day they
    started), with how many of those customers said it answered them."""
    rows = (
        SuggestionEvent.objects.filter(
            draft__started_at__gte=question.start,
            draft__started_at__lt=question.end,
            draft__outcome=DraftOutcome.DEFLECTED,
            kind__in=[EventKind.CLICK, EventKind.HELPFUL],
        )
        .values("article_id", "article__title")
        .annotate(
            deflections=Count("draft", distinct=True),
            helpful=Count("pk", filter=Q(kind=EventKind.HELPFUL)),
        )
        .order_by("-deflections", "-helpful", "article_id")[:limit]
    )
    return [
        DeflectingArticle(
            article_id=row["article_id"],
            title=row["article__title"],
            deflections=row["deflections"],
            helpful=row["helpful"],
        )
        for row in rows
    ]
