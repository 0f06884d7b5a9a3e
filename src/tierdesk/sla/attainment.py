"""SLA attainment: how many clocks met or breached their target in a period, per target and per
channel, priority, group, policy and day, week or month of a time zone, with percentiles of the
measured times."""

from __future__ import annotations

import functools
import math
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, DateField, Q, QuerySet
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.accounts.models import SkillGroup, User
from tierdesk.core.errors import PermissionDenied, ValidationFailed
from tierdesk.core.pagination import ID_MAX
from tierdesk.sla.choices import ClockState, Metric, Outcome
from tierdesk.sla.models import SlaClock
from tierdesk.tickets.choices import Channel, Priority

# What a row can be keyed by, and the clock column behind each key. Attainment is per target,
# so `metric` is always part of the key.
KEYS = {
    "metric": "metric",
    "channel": "channel",
    "priority": "priority",
    "group": "group_id",
    # The policy's name as the clock recorded it: a renamed or deleted policy keeps its history.
    "policy": "policy_name",
}
PERIODS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
GROUP_BY_CHOICES = (*KEYS, *PERIODS)

DEFAULT_DAYS = 28
# Two years of days, leap day included: the longest period one request may ask for.
MAX_DAYS = 731
POLICY_NAME_MAX = 120
# As User.time_zone.
TIME_ZONE_MAX = 64
DEFAULT_TIME_ZONE = "UTC"


def ensure_staff(user: User) -> None:
    """Attainment is the support team's: PermissionDenied for a customer."""
    if not user.is_support_staff:
        raise PermissionDenied(_("Service levels are for the support team."))


@functools.cache
def _known_time_zones() -> frozenset[str]:
    # The same list User.time_zone is checked against; walking the tz database takes ~25 ms,
    # so once per process.
    return frozenset(zoneinfo.available_timezones())


def known_time_zone(name: str | None) -> bool:
    """Whether `name` is an IANA time zone name of the system's tz database."""
    return name is not None and 0 < len(name) <= TIME_ZONE_MAX and name in _known_time_zones()


def time_zone_for(user: User | AnonymousUser | None) -> str:
    """The person's time zone (User.time_zone), UTC when they have none the system knows."""
    name = getattr(user, "time_zone", "") or ""
    return name if known_time_zone(name) else DEFAULT_TIME_ZONE


# --- the question ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttainmentQuery:
    """A validated question: the clocks decided in [start, end) (UTC datetimes), keyed by
    `group_by` (metric first, at most one period, bucketed in `time_zone`), narrowed by the
    filters that are not None."""

    start: datetime
    end: datetime
    group_by: tuple[str, ...] = ("metric",)
    time_zone: str = DEFAULT_TIME_ZONE
    channel: str | None = None
    priority: str | None = None
    group: int | None = None
    policy: str | None = None
    metric: str | None = None

    @property
    def period(self) -> str | None:
        return next((key for key in self.group_by if key in PERIODS), None)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def first_day(self) -> date:
        """The local date the period starts on."""
        return self.start.astimezone(self.zone).date()

    @property
    def last_day(self) -> date:
        """The last local date the period touches (`end` is excluded)."""
        return (self.end - timedelta(microseconds=1)).astimezone(self.zone).date()

    @property
    def days(self) -> float:
        """The period's length in days of the wall clock of its zone: a week across a daylight
        saving change is 7, not 7 and an hour."""
        return _wall_days(self.start, self.end, self.zone)

    def filters(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "priority": self.priority,
            "group": self.group,
            "policy": self.policy,
            "metric": self.metric,
        }


def _midnight(day: date, zone: tzinfo) -> datetime:
    """The first moment of `day` in `zone`, in UTC. Where a daylight saving change skips
    midnight (America/Santiago) that is the first time the day has."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def _wall_days(start: datetime, end: datetime, zone: tzinfo) -> float:
    wall = end.astimezone(zone).replace(tzinfo=None) - start.astimezone(zone).replace(tzinfo=None)
    return wall / timedelta(days=1)


def _moment(value: str | date | datetime | None, *, is_end: bool, zone: tzinfo) -> datetime | None:
    """A bound as a UTC datetime: a date is its midnight in `zone`, an end date the midnight
    after it, so `to=2024-05-31` includes all of 31 May there. ValueError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            raise ValueError("naive")
        return value.astimezone(UTC)
    return _midnight(value + timedelta(days=1) if is_end else value, zone)


def _split(values: Iterable[str] | str | None) -> list[str]:
    """`group_by` repeated (?group_by=metric&group_by=week) or comma-separated, or both."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def attainment_query(
    *,
    start: str | date | datetime | None = None,
    end: str | date | datetime | None = None,
    group_by: Iterable[str] | str | None = None,
    channel: str | None = None,
    priority: str | None = None,
    group: str | int | None = None,
    policy: str | None = None,
    metric: str | None = None,
    tz: str | None = None,
    default_tz: str = DEFAULT_TIME_ZONE,
    now: datetime | None = None,
) -> AttainmentQuery:
    """The question of the API and of the page, checked once for both. `tz` is the time zone
    (an IANA name) of the periods, `default_tz` (the asker's, see time_zone_for) when not
    given. `start`/`end` are ISO dates (whole days in that zone, `end` included) or datetimes
    with a time zone (`end` excluded); by default the last 28 days, today (in that zone)
    included. ValidationFailed names each refused field ("tz", "from", "to", "group_by" and the
    filters) with its reason."""
    errors: dict[str, str] = {}
    zone_name = (tz or "").strip()
    if not zone_name:
        zone_name = default_tz if known_time_zone(default_tz) else DEFAULT_TIME_ZONE
    elif not known_time_zone(zone_name):
        errors["tz"] = _("Give a time zone by its IANA name, such as Asia/Tokyo or UTC.")
        zone_name = DEFAULT_TIME_ZONE
    zone = zoneinfo.ZoneInfo(zone_name)
    time_format = _(
        "Give a date (2024-05-01) or a date and time with a time zone (2024-05-01T09:00:00Z)."
    )
    bounds: dict[str, datetime | None] = {}
    for name, value, is_end in (("from", start, False), ("to", end, True)):
        try:
            bounds[name] = _moment(value, is_end=is_end, zone=zone)
        except (ValueError, OverflowError):
            errors[name] = time_format
            bounds[name] = None
    if not errors:
        today = (now or timezone.now()).astimezone(zone).date()
        until = bounds["to"] or _midnight(today + timedelta(days=1), zone)
        try:
            # 28 days of the zone's calendar: across a daylight saving change the start is
            # still a midnight there.
            since = bounds["from"] or (until.astimezone(zone) - timedelta(days=DEFAULT_DAYS))
            since = since.astimezone(UTC)
            days = _wall_days(since, until, zone)
        except OverflowError:
            # At the ends of the calendar: too long a period whatever it was.
            since, days = datetime.min.replace(tzinfo=UTC), math.inf
        if until <= since:
            errors["to"] = _("Give an end after the start.")
        elif days > MAX_DAYS:
            errors["to"] = _("Give a period of at most %(days)d days.") % {"days": MAX_DAYS}

    keys = _split(group_by)
    unknown = [key for key in keys if key not in GROUP_BY_CHOICES]
    if unknown:
        errors["group_by"] = _("Unknown: %(unknown)s. Choose from %(choices)s.") % {
            "unknown": ", ".join(unknown),
            "choices": ", ".join(GROUP_BY_CHOICES),
        }
    elif sum(key in PERIODS for key in set(keys)) > 1:
        errors["group_by"] = _("Choose at most one of %(periods)s.") % {
            "periods": ", ".join(PERIODS)
        }

    def choice(name: str, value: str | None, allowed: Sequence[str]) -> str | None:
        if value is None or value == "":
            return None
        if value not in allowed:
            errors[name] = _("Choose one of %(choices)s.") % {"choices": ", ".join(allowed)}
        return value

    channel = choice("channel", channel, Channel.values)
    priority = choice("priority", priority, Priority.values)
    metric = choice("metric", metric, Metric.values)
    group_id: int | None = None
    if group not in (None, ""):
        try:
            group_id = int(group)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            errors["group"] = _("Give the id of a group.")
        else:
            known = 0 < group_id <= ID_MAX and SkillGroup.objects.filter(pk=group_id).exists()
            if not known:
                errors["group"] = _("No such group.")
    policy = (policy or "").strip() or None
    if policy is not None and len(policy) > POLICY_NAME_MAX:
        errors["policy"] = _("Give at most %(max)d characters.") % {"max": POLICY_NAME_MAX}

    if errors:
        raise ValidationFailed(errors)
    # Keys in a fixed order, metric first, whatever order they were asked in.
    ordered = tuple(key for key in GROUP_BY_CHOICES if key == "metric" or key in keys)
    return AttainmentQuery(
        start=since,
        end=until,
        group_by=ordered,
        time_zone=zone_name,
        channel=channel,
        priority=priority,
        group=group_id,
        policy=policy,
        metric=metric,
    )


def period_starts(start: datetime, end: datetime, period: str, zone: tzinfo = UTC) -> list[date]:
    """The first day of each day, week (Monday) or month bucket that [start, end) touches, in
    `zone`: the buckets a chart shows even when no clock was decided in them."""
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    if period == "week":
        first -= timedelta(days=first.weekday())
    elif period == "month":
        first = first.replace(day=1)
    starts = []
    day = first
    while day <= last:
        starts.append(day)
        if period == "day":
            day += timedelta(days=1)
        elif period == "week":
            day += timedelta(weeks=1)
        else:
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return starts


# --- the answer --------------------------------------------------------------------------------


@dataclass
class AttainmentRow:
    """One row: the clocks of a target (metric) decided in the period, with the other keys of
    the question (None when not asked for; `group` None with "group" asked for means no group).

    `goal_percent` is the goal the row's clocks asked for together: each clock's target goal
    weighted by how many clocks had it, so a row meets it exactly when as many clocks met their
    targets as the targets wanted. `goal_min_percent`/`goal_max_percent` show when a row mixes
    goals. Percentiles are of the measured (business) time of the clocks that stopped, None when
    none did; clocks still running past their due time count as breached but have no measured
    time yet."""

    metric: str
    channel: str | None = None
    priority: str | None = None
    group_id: int | None = None
    group_name: str | None = None
    policy: str | None = None
    period: date | None = None
    met: int = 0
    breached: int = 0
    goal_percent: Decimal | None = None
    goal_min_percent: Decimal | None = None
    goal_max_percent: Decimal | None = None
    p50_seconds: float | None = None
    p90_seconds: float | None = None
    p95_seconds: float | None = None
    # Clocks per goal, to weigh the goals.
    goals: dict[Decimal, int] = field(default_factory=dict, repr=False)

    @property
    def total(self) -> int:
        return self.met + self.breached

    @property
    def attainment_percent(self) -> float | None:
        """met / (met + breached) * 100, None with no clocks."""
        return round(self.met * 100 / self.total, 2) if self.total else None

    @property
    def goal_met(self) -> bool | None:
        """Whether the row met its goal, None with no clocks or no goal."""
        if not self.total or not self.goals:
            return None
        asked = sum(goal * count for goal, count in self.goals.items())
        return Decimal(self.met * 100) >= asked

    def _settle_goals(self) -> None:
        if not self.goals:
            return
        asked = sum((goal * count for goal, count in self.goals.items()), Decimal(0))
        weighted = asked / sum(self.goals.values())
        self.goal_percent = weighted.quantize(Decimal("0.01"))
        self.goal_min_percent = min(self.goals)
        self.goal_max_percent = max(self.goals)


def percentile(ordered: Sequence[float], share: float) -> float | None:
    """The `share` (0..1) percentile of sorted values, interpolated between the two nearest
    ranks as PostgreSQL's percentile_cont does; None for no values."""
    if not ordered:
        return None
    rank = (len(ordered) - 1) * share
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _filtered(clocks: QuerySet[SlaClock], filters: dict[str, Any]) -> QuerySet[SlaClock]:
    for name, value in filters.items():
        if value is not None:
            clocks = clocks.filter(**{KEYS[name]: value})
    return clocks


def attainment(
    *,
    start: datetime,
    end: datetime,
    group_by: Sequence[str] = ("metric",),
    channel: str | None = None,
    priority: str | None = None,
    group: int | None = None,
    policy: str | None = None,
    metric: str | None = None,
    time_zone: str | tzinfo = UTC,
    now: datetime | None = None,
) -> list[AttainmentRow]:
    """Clocks whose outcome was decided in [start, end): a met clock at its stop, a breached one
    at its due time. A clock still running whose due time passed before `now` but whose stored
    outcome was not written yet (neither the sweep nor a recompute reached it) counts as breached
    at its due time too. Rows are keyed by metric and the other `group_by` keys (at most one of
    day, week, month: the local date of the decision in `time_zone` (a name or a tzinfo), its
    week from Monday or its month); only rows with clocks come back, ordered by metric,
    channel, priority, group name, policy, period.

    At most four queries whatever the size: counts per goal (SQL), overdue running clocks
    (SQL), the measured times of stopped clocks (only the key columns and the time), group
    names. The buckets are SQL's too: the database truncates in the zone (PostgreSQL with AT
    TIME ZONE, SQLite with Django's zoneinfo function). The caller checks who asks
    (ensure_staff) and the period (attainment_query)."""
    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(time_zone) if isinstance(time_zone, str) else time_zone
    period = next((key for key in group_by if key in PERIODS), None)
    columns = [KEYS[key] for key in KEYS if key == "metric" or key in group_by]
    keyed = [*columns, "period"] if period else columns
    filters = {
        "channel": channel,
        "priority": priority,
        "group": group,
        "policy": policy,
        "metric": metric,
    }

    decided = _filtered(
        SlaClock.objects.filter(
            decided_at__gte=start,
            decided_at__lt=end,
            outcome__in=[Outcome.MET, Outcome.BREACHED],
        ),
        filters,
    )
    if period:
        decided = decided.annotate(period=_bucket(period, "decided_at", zone))
    counts = (
        decided.values(*keyed, "goal_percent")
        .annotate(
            met=Count("pk", filter=Q(outcome=Outcome.MET)),
            breached=Count("pk", filter=Q(outcome=Outcome.BREACHED)),
        )
        .order_by()
    )

    rows: dict[tuple, AttainmentRow] = {}

    def row_of(values: dict[str, Any]) -> AttainmentRow:
        key = tuple(values[name] for name in keyed)
        row = rows.get(key)
        if row is None:
            row = rows[key] = AttainmentRow(
                metric=values["metric"],
                channel=values.get("channel"),
                priority=values.get("priority"),
                group_id=values.get("group_id"),
                policy=values.get("policy_name"),
                period=values.get("period"),
            )
        return row

    def add_goal(row: AttainmentRow, goal: Decimal, count: int) -> None:
        goal = Decimal(goal)
        row.goals[goal] = row.goals.get(goal, 0) + count

    for values in counts:
        row = row_of(values)
        row.met += values["met"]
        row.breached += values["breached"]
        add_goal(row, values["goal_percent"], values["met"] + values["breached"])

    overdue_until = min(end, now)
    if overdue_until > start:
        overdue = _filtered(
            SlaClock.objects.filter(
                state=ClockState.RUNNING,
                outcome=Outcome.PENDING,
                due_at__gte=start,
                due_at__lt=overdue_until,
            ),
            filters,
        )
        if period:
            overdue = overdue.annotate(period=_bucket(period, "due_at", zone))
        for values in (
            overdue.values(*keyed, "goal_percent").annotate(breached=Count("pk")).order_by()
        ):
            row = row_of(values)
            row.breached += values["breached"]
            add_goal(row, values["goal_percent"], values["breached"])

    # Only the key columns and the time, unordered: the sort happens per row in Python.
    times: dict[tuple, list[float]] = defaultdict(list)
    for *key, elapsed in (
        decided.filter(state=ClockState.STOPPED).values_list(*keyed, "elapsed_seconds").order_by()
    ):
        times[tuple(key)].append(elapsed)
    for key, measured in times.items():
        timed = rows.get(key)
        if timed is None:
            continue
        measured.sort()
        timed.p50_seconds = _rounded(percentile(measured, 0.5))
        timed.p90_seconds = _rounded(percentile(measured, 0.9))
        timed.p95_seconds = _rounded(percentile(measured, 0.95))

    for row in rows.values():
        row._settle_goals()
    if "group" in group_by:
        ids = {row.group_id for row in rows.values() if row.group_id is not None}
        names = dict(SkillGroup.objects.filter(pk__in=ids).values_list("pk", "name"))
        for row in rows.values():
            row.group_name = names.get(row.group_id) if row.group_id is not None else None

    return sorted(rows.values(), key=_sort_key)


def _bucket(period: str, column: str, zone: tzinfo) -> Any:
    """The local date that starts the day, week (Monday) or month of `column` in `zone`."""
    return PERIODS[period](column, output_field=DateField(), tzinfo=zone)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _order(values: Sequence[str], value: str | None) -> int:
    return values.index(value) if value in values else len(values)


def _sort_key(row: AttainmentRow) -> tuple:
    return (
        _order(Metric.values, row.metric),
        _order(Channel.values, row.channel),
        _order(Priority.values, row.priority),
        (row.group_name is None, (row.group_name or "").casefold()),
        (row.policy or "").casefold(),
        row.period or date.min,
    )


def attainment_of(query: AttainmentQuery, *, now: datetime | None = None) -> list[AttainmentRow]:
    """`attainment` for a validated question."""
    return attainment(
        start=query.start,
        end=query.end,
        group_by=query.group_by,
        time_zone=query.zone,
        now=now,
        **query.filters(),
    )
