"""Reading the ticket KPIs of one question: every KPI per week and for the whole period, from
the daily rollups where they reach and fit the question, from the raw facts otherwise."""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import chain
from typing import Any

import numpy as np
from django.db.models import Case, F, IntegerField, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.core.errors import ValidationFailed
from tierdesk.measures import facts as f
from tierdesk.measures import rollups, sql_rows
from tierdesk.measures.kpis import (
    SOLVED_TIME,
    Cell,
    Periods,
    Row,
    Scope,
    Tally,
    cells_of,
    tally,
)
from tierdesk.measures.models import KpiDurations, KpiRollup
from tierdesk.measures.sources import open_now_rows, raw_rows, touched_tickets
from tierdesk.sla.attainment import period_starts

RAW, ROLLUPS, AUTO = "raw", "rollups", "auto"
DIMENSIONS = ("group", "channel", "tier", "region")


@dataclass(frozen=True)
class Plan:
    """Which rollup rows answer: `level` ("" for the team), narrowed to `member` or not."""

    level: str
    member: str | None


def rollup_plan(scope: Scope, key: str | None) -> Plan | None:
    """The rollup level that holds the answer, or None when one level cannot (two filters,
    or a filter on one dimension and rows by another)."""
    if scope.engineer is not None:
        return None  # an engineer's work is read from the tickets they touched
    filters = [
        (level, value)
        for level, value in (
            ("group", scope.group),
            ("channel", scope.channel),
            ("region", scope.region),
        )
        if value is not None
    ]
    key_level = key if key in DIMENSIONS else None
    if len(filters) > 1 or (filters and key in ("type", "product_area")):
        return None
    if filters:
        level, value = filters[0]
        if key_level and key_level != level:
            return None
        return Plan(level, str(value))
    return Plan(key_level, None) if key_level else Plan("", "")


class KpiBook:
    """All ticket KPIs of a period [start, end) in a scope, each counted once per shape
    (weekly or whole period, by a key) and kept for the other KPIs that need it."""

    def __init__(
        self,
        scope: Scope,
        start: datetime,
        end: datetime,
        zone_name: str,
        *,
        source: str = AUTO,
        now: datetime | None = None,
        in_database: bool = True,
    ) -> None:
        self.scope, self.start, self.end = scope, start, end
        self.zone_name, self.source = zone_name, source
        self.now = now or timezone.now()
        self.weeks = self._weeks()
        self._tallies: dict[tuple[bool, str | None], tuple[Tally, str]] = {}
        self._raw: list[Row] | None = None
        self._rollup_rows: dict[str | None, list[Row]] = {}
        self._open: dict[str | None, list[Row]] = {}
        self._stale: rollups.Recount | None = None
        self._version: int | None = None  # of the rollups the cached rows were read from
        self.sources_used: set[str] = set()
        # Raw figures the database can count itself are counted there; False reads every
        # ticket's facts instead (the reference the database's counting is held to).
        self.in_database = in_database
        self._sql: dict[str | None, sql_rows.Counted] = {}

    def _weeks(self) -> list[tuple[date, datetime, datetime]]:
        zone = self.scope.zone
        windows = []
        for monday in period_starts(self.start, self.end, "week", zone):
            week_start = datetime.combine(monday, datetime.min.time(), tzinfo=zone)
            week_end = week_start + timedelta(weeks=1)
            windows.append((monday, max(week_start, self.start), min(week_end, self.end)))
        return windows

    def _bounds(self, weekly: bool) -> list[datetime]:
        if not weekly:
            return [self.start, self.end]
        return [s for _m, s, _e in self.weeks] + [self.weeks[-1][2]] if self.weeks else []

    # -- answers ------------------------------------------------------------------------------

    def weekly(self, metric: str) -> list[tuple[date, Cell]]:
        out, _source = self._tally(True, None)
        return [
            (monday, cells_of(out, metric, None, i).get(None, Cell()))
            for i, (monday, _s, _e) in enumerate(self.weeks)
        ]

    def whole(self, metric: str, key: str | None) -> dict[Any, Cell]:
        out, _source = self._tally(False, key)
        return cells_of(out, metric, key, 0)

    def answered_by(self, weekly: bool, key: str | None) -> str:
        """Where the figures of that shape were counted: rollups or raw."""
        return self._tally(weekly, key)[1]

    # -- counting -----------------------------------------------------------------------------

    def _tally(self, weekly: bool, key: str | None) -> tuple[Tally, str]:
        # The backlog by age is in the team's sums already (their ages): no count of its own.
        key = None if key == "age" else key
        if (weekly, key) not in self._tallies:
            bounds = self._bounds(weekly)
            counted = None
            if self.source != RAW and len(bounds) > 1:
                counted = self._from_rollups(bounds, key)
            if counted is None:
                if self.source == ROLLUPS:
                    raise ValidationFailed(
                        source=_(
                            "The daily rollups do not hold this question (time zone, filters, "
                            "or not built yet); ask with source=raw or auto."
                        )
                    )
                if self.in_database and sql_rows.answers(self.scope, key):
                    counted = (self._from_sql(bounds, key), RAW)
                else:
                    counted = (self._from_raw(bounds, key), RAW)
            self._tallies[weekly, key] = counted
            self.sources_used.add(counted[1])
        return self._tallies[weekly, key]

    def _from_sql(self, bounds: list[datetime], key: str | None) -> Tally:
        """The raw figures counted by the database, numbered by week (see sql_rows)."""
        if key not in self._sql:
            keyed = key if key in ("channel", "region") else None
            counter = sql_rows.PeriodRows(self.scope, self._bounds(True), self.now, keyed)
            if key in sql_rows.ARRIVAL_KEYS:
                self._sql[key] = sql_rows.Counted(counter.arrivals(key), {})
            else:
                self._sql[key] = counter.read()
        counted = self._sql[key]
        out = self._numbered(counted.rows, bounds, key, merge=False)
        _add_durations(out, counted.durations, len(bounds) - 1, len(self.weeks), key)
        return out

    def _numbered(
        self, rows: list[Row], bounds: list[datetime], key: str | None, *, merge: bool = True
    ) -> Tally:
        """The tally of rows numbered by week (the whole period's are the weeks' renumbered,
        alike ones `merge`d), with the tickets unsolved now for a period that has not ended."""
        weeks = len(self.weeks)
        if len(bounds) == 2 and weeks > 1:
            wholes = (whole for row in rows if (whole := _as_whole(row, weeks)) is not None)
            rows = _merged(wholes) if merge else list(wholes)
        count = len(bounds) - 1
        periods = Periods(range(count), range(1, count + 1), range(1, count + 1))
        now = self.now.timestamp()
        for i, moment in enumerate(bounds[1:]):
            if moment.timestamp() > now:
                rows = rows + self._open_now(key if key in DIMENSIONS else None, i + 1)
        return tally(rows, periods, key, self.scope)

    def _from_raw(self, bounds: list[datetime], key: str | None) -> Tally:
        now = self.now.timestamp()
        # The backlog of a period not ended is the tickets unsolved now, stamped just after
        # now: a period ending at now itself counts its open-at facts alone.
        later = math.nextafter(now, math.inf)
        stamps = [moment.timestamp() for moment in bounds]
        periods = Periods(stamps[:-1], stamps[1:], [e if e <= now else later for e in stamps[1:]])
        rows: list[Row] = self._raw_rows()
        if key in rollups.DETAIL_KEYS:  # only volume is asked by these: arrivals alone
            rows = [row for row in rows if row[0] == f.CREATED]
        if any(e > now for e in stamps[1:]):
            unsolved = open_now_rows(self.scope, self.now, later, key)
            return tally(chain(rows, unsolved), periods, key, self.scope)
        return tally(rows, periods, key, self.scope)

    def _raw_rows(self) -> list[Row]:
        """Every fact of the touched tickets, open-at facts at every bound that has passed."""
        if self._raw is None:
            instants = sorted(
                {m for weekly in (True, False) for m in self._bounds(weekly) if m <= self.now}
            )
            touched = touched_tickets(self.scope, self.start, self.end)
            self._raw = list(raw_rows(self.scope, touched, instants))
        return self._raw

    def _from_rollups(self, bounds: list[datetime], key: str | None) -> tuple[Tally, str] | None:
        """Rollup rows of the weeks (one query serves the weekly and the whole-period shapes:
        the whole period's rows are the weeks' renumbered), the stale tickets' corrections,
        and the tickets unsolved now for a period that has not ended."""
        plan = rollup_plan(self.scope, key)
        if plan is None or self.zone_name not in rollups.rollup_zones():
            return None
        zone = self.scope.zone
        weekly_bounds = self._bounds(True)
        days = [rollups.day_of(moment, zone) for moment in weekly_bounds]
        aligned = all(
            rollups.midnight(d, zone) == m for d, m in zip(days, weekly_bounds, strict=True)
        )
        if not aligned:
            return None
        # The team's rows serve every KPI and the backlog by age alike: one read per shape.
        shape = key if key in (*DIMENSIONS, *rollups.DETAIL_KEYS) else None
        read = self._read(plan, days, shape, bounds if shape not in rollups.DETAIL_KEYS else [])
        if read is None:
            return None
        return self._numbered(read, bounds, key), ROLLUPS

    def _read(
        self, plan: Plan, days: list[int], shape: str | None, backlog_at: list[datetime]
    ) -> list[Row] | None:
        """The shape's rows and the stale tickets' corrections, read against one version of the
        rollups (a writer committing between the two would have them disagree: the reading is
        done again); None when a backlog is asked at a midnight the rollups' open runs do not
        reach yet, or the rollups keep changing."""
        for _attempt in range(3):
            state = rollups.state_of(self.zone_name, self.now)
            if state is None:
                return None
            horizon, version = state
            zone = self.scope.zone
            for moment in backlog_at:
                if rollups.day_of(moment, zone) > horizon and moment <= self.now:
                    return None
            if version != self._version:
                self._rollup_rows, self._stale, self._version = {}, None, version
            if shape not in self._rollup_rows:
                rows = rollup_rows(self.zone_name, plan, days, shape, horizon)
                rows += correction_rows(plan, days, horizon, self._corrections(horizon), shape)
                self._rollup_rows[shape] = rows
            if rollups.state_of(self.zone_name, self.now) == state:
                return self._rollup_rows[shape]
        return None

    def _open_now(self, key: str | None, stamp: int) -> list[Row]:
        if key not in self._open:
            self._open[key] = open_now_rows(self.scope, self.now, 0, key)
        return [(row[0], stamp, *row[2:]) for row in self._open[key]]

    def _corrections(self, horizon: int) -> rollups.Recount:
        if self._stale is None:
            self._stale = rollups.stale_corrections(self.zone_name, horizon)
        return self._stale


def _add_durations(
    out: Tally,
    durations: dict[str, sql_rows.Durations],
    periods: int,
    weeks: int,
    key: str | None,
) -> None:
    """The durations measured in each period (the weeks', or the whole period's when there is
    one period of several weeks) as the tally's values, per key: a solve's only where the
    ticket's next solve is after the period."""
    for kind, found in durations.items():
        table, keys = found.table, found.keys
        for i in range(periods):
            first, end = (0, weeks) if periods == 1 else (i, i + 1)
            inside = (table[:, 0] >= first) & (table[:, 0] < end) & (table[:, 1] >= end)
            for k in set(keys[inside]) if keys is not None else [None]:
                chosen = inside if keys is None else inside & (keys == k)
                values = table[chosen, 2]
                if len(values):
                    out.values[kind][i, k] = np.column_stack((values, np.ones(len(values))))


def _as_whole(row: Row, weeks: int) -> Row | None:
    """A row numbered by week as the whole period's: inside it is period 0, a previous fact
    before its start stays before it, a next fact after its end stays after it; open-at rows
    count only at its first and last bounds."""
    kind, at, before, after = row[0], row[1], row[2], row[3]
    if kind == f.OPEN_AT:
        if at not in (0, weeks):
            return None
        return (kind, 0 if at == 0 else 1, *row[2:])
    if not 0 <= at < weeks:
        return None
    return (kind, 0, -1 if before < 0 else 0, 1 if after >= weeks else 0, *row[4:])


def _merged(rows: Iterable[Row]) -> list[Row]:
    """Rows alike but for their count and seconds as one (the weeks' rows of a whole period)."""
    sums: dict[Row, list[float]] = {}
    for row in rows:
        key = row[:6] + row[8:]
        if key in sums:
            sums[key][0] += row[6]
            sums[key][1] += row[7]
        else:
            sums[key] = [row[6], row[7]]
    return [(*key[:6], n, s, *key[6:]) for key, (n, s) in sums.items()]


def _case(column: str, days: list[int], below: int) -> Case:
    """The period number of a day column (`below` before the first period)."""
    return Case(
        When(**{f"{column}__lt": days[0]}, then=Value(below)),
        *[When(**{f"{column}__lt": day}, then=Value(i)) for i, day in enumerate(days[1:])],
        default=Value(len(days) - 1),
        output_field=IntegerField(),
    )


def rollup_rows(
    zone_name: str, plan: Plan, days: list[int], key: str | None, horizon: int
) -> list[Row]:
    """The rollup rows of the periods between the `days` bounds, summed per period (their
    times are period numbers), open-at rows at the bounds (numbered by bound)."""
    rows = KpiRollup.objects.filter(zone=zone_name, level=plan.level)
    if plan.member is not None:
        rows = rows.filter(member=plan.member)
    extra = ["member"] if plan.member is None else []
    if key == "hour_of_week":
        extra.append("slot")
    if key in ("type", "product_area"):
        extra += ["type", "product_area"]
    in_days = rows.filter(day__gte=days[0], day__lt=days[-1])
    if key == "hour_of_week":
        in_days = in_days.filter(kind=rollups.ARRIVED, slot__gte=0)  # only volume is asked
    elif key in rollups.DETAIL_KEYS:
        in_days = in_days.filter(kind=rollups.ARRIVED, slot=-1)
    else:
        in_days = in_days.exclude(kind__in=(rollups.OPEN_IN, rollups.OPEN_OUT, rollups.ARRIVED))
    facts = (
        in_days.annotate(
            at=_case("day", days, -1),
            before=_case("prev", days, -1),
            after=_case("next", days, -1),
        )
        .values("kind", "at", "before", "after", "flags", "bucket", *extra)
        .annotate(n=Sum("count"), s=Sum("seconds"))
        .order_by()
        .values_list("kind", "at", "before", "after", "flags", "bucket", "n", "s", *extra)
    )
    out = []
    for kind, at, before, after, flags, bucket, n, s, *more in facts:
        r = {"flags": flags, "bucket": bucket, "n": n, **dict(zip(extra, more, strict=True))}
        out.append(_row(plan, r, _arrival(kind), at, before, after, s))
    if key not in rollups.DETAIL_KEYS:
        out += _duration_rows(zone_name, plan, days)
    return out + _open_at_bounds(rows, plan, [day for day in days if day <= horizon], extra)


def _duration_rows(zone_name: str, plan: Plan, days: list[int]) -> list[Row]:
    """The duration histograms of the periods between the `days` bounds, summed per period
    (and per `next` period for solves), one row per bucket."""
    histograms = KpiDurations.objects.filter(
        zone=zone_name, level=plan.level, day__gte=days[0], day__lt=days[-1]
    )
    if plan.member is not None:
        histograms = histograms.filter(member=plan.member)
    found: dict[tuple[str, int, int, str], list[str]] = defaultdict(list)
    for kind, day, nxt, counts, member in histograms.values_list(
        "kind", "day", "next", "counts", "member"
    ):
        at, after = bisect_right(days, day) - 1, bisect_right(days, nxt) - 1
        found[kind, at, after, member].append(counts)
    rows = []
    for (stored, at, after, member), texts in found.items():
        # [bucket, count, bucket, count, ...] of every day's histogram, summed per bucket.
        joined = ",".join(text[1:-1] for text in texts if len(text) > 2)
        pairs = np.array(json.loads("[" + joined + "]"), dtype=np.int64)
        summed = (
            np.bincount(pairs[0::2], weights=pairs[1::2]).astype(np.int64) if len(pairs) else pairs
        )
        kind = SOLVED_TIME if stored == f.SOLVED else stored
        for bucket in np.flatnonzero(summed):
            r = {"flags": 0, "bucket": int(bucket), "n": int(summed[bucket]), "member": member}
            rows.append(_row(plan, r, kind, at, -1, after, 0.0))
    return rows


def _open_at_bounds(
    rows: QuerySet[KpiRollup], plan: Plan, days: list[int], extra: list[str]
) -> list[Row]:
    """OPEN_AT rows at each bound up to the horizon (numbered by bound): the running sum of the open runs that
    started on or before its day less those that ended on or before it."""
    if not days:
        return []
    dims = [name for name in extra if name == "member"]
    # Every run that started or ended by the first bound is summed as of its day: years of
    # days come back as one.
    as_of = Case(
        When(day__lte=days[0], then=Value(days[0])),
        default=F("day"),
        output_field=IntegerField(),
    )
    changes = (
        rows.filter(kind__in=(rollups.OPEN_IN, rollups.OPEN_OUT), day__lte=days[-1])
        .annotate(as_of=as_of)
        .values("kind", "as_of", "flags", *dims)
        .annotate(n=Sum("count"))
        .order_by("as_of")
        .values_list("kind", "as_of", "flags", "n", *dims)
    )
    open_now: dict[tuple[Any, ...], int] = defaultdict(int)
    at_bound: list[dict[tuple[Any, ...], int]] = []
    bound = 0
    for kind, day, flags, n, *member in changes:
        while bound < len(days) and day > days[bound]:
            at_bound.append(dict(open_now))
            bound += 1
        key = (flags, member[0] if member else None)
        open_now[key] += n if kind == rollups.OPEN_IN else -n
    while bound < len(days):
        at_bound.append(dict(open_now))
        bound += 1
    return [
        _row(plan, {"flags": flags, "n": n, **member}, f.OPEN_AT, i, 0, 0, 0.0)
        for i, counts in enumerate(at_bound)
        for (flags, value), n in counts.items()
        if n
        for member in [{"member": value} if dims else {}]
    ]


def _arrival(kind: str) -> str:
    return f.CREATED if kind == rollups.ARRIVED else kind


def correction_rows(
    plan: Plan,
    days: list[int],
    horizon: int,
    corrections: rollups.Recount,
    key: str | None,
) -> list[Row]:
    """The rows of the stale tickets' recount (their shares as they read now less the stored
    ones, summed per rollup row) as rollup_rows reads the stored rows: period numbers for days,
    running sums of open runs at the bounds."""
    bounds = [day for day in days if day <= horizon]
    detail = key in rollups.DETAIL_KEYS
    out: list[Row] = []
    for row_key, n in corrections.totals.items():
        level, member, kind, day, prev, nxt, flags, bucket, slot, kind_of, area = row_key
        seconds = corrections.seconds.get(row_key, 0.0)
        if (not n and not seconds) or level != plan.level or plan.member not in (None, member):
            continue
        if kind in (rollups.ARRIVED, f.CREATED):
            # As rollup_rows reads them: one of the arrival rows.
            if (kind == rollups.ARRIVED) != detail or (
                detail and (slot >= 0) != (key == "hour_of_week")
            ):
                continue
            kind = f.CREATED
        elif detail:
            continue
        if rollups.is_duration(row_key) and kind == f.SOLVED:
            kind = SOLVED_TIME
        r = {"flags": flags, "bucket": bucket, "slot": slot, "type": kind_of}
        r |= {"product_area": area, "n": n}
        if plan.member is None:
            r["member"] = member
        if kind in (rollups.OPEN_IN, rollups.OPEN_OUT):
            r["n"] = n if kind == rollups.OPEN_IN else -n
            out += [
                _row(plan, r, f.OPEN_AT, k, 0, 0, 0.0)
                for k, bound in enumerate(bounds)
                if bound >= day
            ]
        elif days[0] <= day < days[-1]:
            at, before, after = (bisect_right(days, d) - 1 for d in (day, prev, nxt))
            out.append(_row(plan, r, kind, at, before, after, seconds))
    return out


def _row(
    plan: Plan, r: dict[str, Any], kind: str, at: int, before: int, after: int, s: float
) -> Row:
    dims: list[Any] = [None, None, None, None]
    level = plan.level
    if level:
        member = r.get("member", plan.member)
        if level in ("group", "tier"):
            member = int(member) if member else None
        dims[DIMENSIONS.index(level)] = member
    bucket = r.get("bucket", -1)
    value = rollups.bucket_value(bucket, level) if bucket is not None and bucket >= 0 else None
    return (
        kind,
        at,
        before,
        after,
        r["flags"],
        value,
        r["n"],
        s or 0.0,
        dims[0],
        dims[1],
        dims[2],
        dims[3],
        r.get("type", ""),
        r.get("product_area", ""),
        r.get("slot"),
        None,
    )
