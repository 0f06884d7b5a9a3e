"""The team KPIs counted from facts (see measures.facts) over consecutive periods at once.

One counting serves both sources: raw facts, whose times are instants, and rollup rows, whose
times are the numbers of the periods (period i is [i, i + 1)). A ticket is counted once per
period by its last fact of a kind there (`next` beyond the period's end) or, for the open
tickets, by its first spell there (`prev` before the period's start)."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

import numpy as np

from tierdesk.measures import facts as f

# The fields of a row, in order.
KIND, AT, PREV, NEXT, FLAGS, VALUE, COUNT, SECONDS = range(8)
GROUP, CHANNEL, TIER, REGION, TYPE, AREA, SLOT, ENGINEER = range(8, 16)
Row = tuple[Any, ...]
NONE_BEFORE, NONE_AFTER = float("-inf"), float("inf")
# Tickets unsolved as they stand now, for the backlog of a period that has not ended.
OPEN_NOW = "open_now"
HANDLED_KINDS = frozenset({f.HANDLED, f.HANDLED_BY, f.HANDLED_IN_GROUP, f.HANDLED_IN_TIER})
OPENED_KINDS = frozenset({f.OPENED, f.OPENED_IN_GROUP, f.OPENED_IN_TIER})
# Rollups keep a solve's count and its duration in separate rows: the duration's rows (a
# count of solves with one duration, `next` their next solve) have this kind and no flags.
SOLVED_TIME = "solved_time"

KEY_FIELDS = {
    "group": GROUP,
    "channel": CHANNEL,
    "tier": TIER,
    "region": REGION,
    "type": TYPE,
    "product_area": AREA,
    "hour_of_week": SLOT,
}
AGE_BUCKETS = f.AGE_BUCKETS
TIMES = {
    "first_response_time": (f.FIRST_RESPONSE, f.SLA_FIRST_RESPONSE),
    "resolution_time": (f.SOLVED, f.SLA_RESOLUTION),
    "time_to_close": (f.CLOSED, None),
}
RATES = frozenset(
    {
        "weekly_resolution_rate",
        "escalation_rate",
        "escalation_rate_engineering",
        "one_touch_rate",
        "reopen_rate",
    }
)
METRICS = (
    "weekly_resolution_rate",
    "escalation_rate",
    "escalation_rate_engineering",
    "first_response_time",
    "resolution_time",
    "mttr",
    "time_to_close",
    "one_touch_rate",
    "reopen_rate",
    "backlog",
    "volume",
)


@dataclass(frozen=True)
class Scope:
    """Which facts count: None filters are not applied. Group is the one in force when the fact
    happened; channel and region are the ticket's. `zone` places hours of the week."""

    zone: tzinfo
    group: int | None = None
    channel: str | None = None
    region: str | None = None
    engineer: int | None = None  # the facts of one engineer's own work

    def admits(self, row: Row) -> bool:
        return (
            (self.engineer is None or row[ENGINEER] == self.engineer)
            and (self.group is None or row[GROUP] == self.group)
            and (self.channel is None or row[CHANNEL] == self.channel)
            and (self.region is None or row[REGION] == self.region)
        )


@dataclass
class Cell:
    """One figure: `value` in the KPI's unit, None when there was nothing to measure."""

    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    details: dict[str, Any] = field(default_factory=dict)


Cells = dict[Any, Cell]
# (value, count) pairs: a list, or an array of two columns where a period holds many.
Values = list[tuple[float, int]] | np.ndarray


@dataclass
class Periods:
    """Consecutive periods [starts[i], ends[i]) in the rows' unit, and the point each one's
    backlog is taken at (its end, or now for a period that has not ended)."""

    starts: Sequence[float]
    ends: Sequence[float]
    backlog_at: Sequence[float]

    def index_of(self, moment: float) -> int | None:
        i = bisect_right(self.starts, moment) - 1
        return i if i >= 0 and moment < self.ends[i] else None


@dataclass
class Tally:
    """Sums per (period, key) of everything the KPIs divide."""

    counts: dict[str, dict[tuple[int, Any], int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    values: dict[str, dict[tuple[int, Any], Values]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    solve_seconds: dict[tuple[int, Any], float] = field(default_factory=lambda: defaultdict(float))
    ages: dict[tuple[int, Any], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0] * len(AGE_BUCKETS))
    )


def _key_getter(key: str | None) -> Callable[[Row], Any]:
    if key is None or key == "age":
        return lambda row: None
    index = KEY_FIELDS[key]
    return lambda row: row[index]


def chains(scope: Scope, key: str | None) -> tuple[str, str]:
    """Which handled and which opened facts count a ticket once per period for this
    question's rows: the team's, or those kept per engineer, per group or per tier."""
    if scope.engineer is not None:
        return f.HANDLED_BY, f.OPENED
    if key == "group" or (scope.group is not None and key != "tier"):
        return f.HANDLED_IN_GROUP, f.OPENED_IN_GROUP
    if key == "tier":
        return f.HANDLED_IN_TIER, f.OPENED_IN_TIER
    return f.HANDLED, f.OPENED


def tally(rows: Iterable[Row], periods: Periods, key: str | None, scope: Scope) -> Tally:
    """One pass over the rows, each added to its period's sums."""
    out = Tally()
    handled, opened = chains(scope, key)
    counts, values = out.counts, out.values
    key_of = _key_getter(key)
    start_index = {s: i for i, s in enumerate(periods.starts)}
    backlog_index: dict[float, list[int]] = defaultdict(list)
    for i, point in enumerate(periods.backlog_at):
        backlog_index[point].append(i)
    for row in rows:
        if not scope.admits(row):
            continue
        kind, count = row[KIND], row[COUNT]
        if kind in HANDLED_KINDS or kind in OPENED_KINDS:
            # Each chain counts a ticket once a period for its own key: the team, an engineer,
            # a group, a tier. The question's key picks the chain.
            if kind not in (handled, opened):
                continue
            kind = f.HANDLED if kind in HANDLED_KINDS else f.OPENED
        if kind in (f.OPEN_AT, OPEN_NOW):
            k = key_of(row)
            if kind == f.OPEN_AT and row[AT] in start_index:
                counts["open"][start_index[row[AT]], k] += count
            for i in backlog_index.get(row[AT], ()):
                if kind == OPEN_NOW or periods.ends[i] == periods.backlog_at[i]:
                    counts["backlog"][i, k] += count
                    out.ages[i, k if key != "age" else None][row[FLAGS]] += count
            continue
        period = periods.index_of(row[AT])
        if period is None:
            continue
        i = period
        slot = (i, key_of(row))
        if kind == f.SOLVED:
            if row[NEXT] >= periods.ends[i]:
                counts["solved"][slot] += count
                if row[FLAGS] & f.ONE_TOUCH:
                    counts["one_touch"][slot] += count
                if row[PREV] >= periods.starts[i] or row[FLAGS] & f.REOPENED_AFTER:
                    counts["reopened"][slot] += count
                out.solve_seconds[slot] += row[SECONDS]
                if row[VALUE] is not None:
                    values[f.SOLVED][slot].append((row[VALUE], count))
        elif kind == SOLVED_TIME:
            if row[NEXT] >= periods.ends[i]:
                values[f.SOLVED][slot].append((row[VALUE], count))
        elif kind == f.OPENED:
            if row[PREV] < periods.starts[i]:
                counts["open"][slot] += count
        elif kind in (f.HANDLED, f.ESCALATED, f.ENGINEERING):
            if row[NEXT] >= periods.ends[i]:
                counts[kind][slot] += count
        elif kind == f.CREATED:
            counts["created"][slot] += count
        else:
            values[kind][slot].append((row[VALUE], count))
    return out


# --- from sums to figures --------------------------------------------------------------------------


def weighted_percentiles(values: Values, shares: Sequence[float]) -> list[float | None]:
    """Each share's percentile (interpolated between the nearest ranks) of values given with
    counts, the values sorted once (a raw period holds a hundred thousand of them)."""
    if not len(values):
        return [None] * len(shares)
    pairs = values if isinstance(values, np.ndarray) else np.array(values, dtype=float)
    pairs = pairs.reshape(-1, 2)
    distinct, where = np.unique(pairs[:, 0], return_inverse=True)
    # A stale ticket's stored share comes out with a count of -1: counts are netted per value.
    netted = np.bincount(where, weights=pairs[:, 1])
    kept = netted > 0
    distinct, ends = distinct[kept], np.cumsum(netted[kept])
    if not len(distinct):
        return [None] * len(shares)
    total = int(ends[-1])
    out: list[float | None] = []
    for share in shares:
        rank = (total - 1) * share
        low, high = int(rank), min(int(rank) + 1, total - 1)
        # The value at rank r is that of the first value whose running count passes r.
        below, above = (
            float(distinct[np.searchsorted(ends, r, side="right")]) for r in (low, high)
        )
        out.append(below + (above - below) * (rank - low))
    return out


def _total(values: Values) -> int:
    if isinstance(values, np.ndarray):
        return int(values[:, 1].sum()) if len(values) else 0
    return sum(count for _value, count in values)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _rate(numerator: int, denominator: int) -> Cell:
    value = round(numerator * 100 / denominator, 2) if denominator else None
    return Cell(value, numerator, denominator)


def _keys(*tables: dict[tuple[int, Any], Any], period: int) -> set[Any]:
    return {k for table in tables for (i, k) in table if i == period}


def _rates(num: dict, den: dict, period: int) -> Cells:
    return {
        k: _rate(num.get((period, k), 0), den.get((period, k), 0))
        for k in _keys(num, den, period=period)
    }


def _times(out: Tally, metric: str, period: int) -> Cells:
    calendar_kind, business_kind = TIMES[metric]
    calendar = out.values.get(calendar_kind, {})
    business = out.values.get(business_kind, {}) if business_kind else {}
    cells: Cells = {}
    for k in _keys(calendar, business, period=period):
        measured = calendar.get((period, k), [])
        p50, p90 = weighted_percentiles(measured, (0.5, 0.9))
        details: dict[str, Any] = {"p50_seconds": _round(p50), "p90_seconds": _round(p90)}
        if business_kind:
            clocks = business.get((period, k), [])
            business_p50, business_p90 = weighted_percentiles(clocks, (0.5, 0.9))
            details |= {
                "business_p50_seconds": _round(business_p50),
                "business_p90_seconds": _round(business_p90),
                "business_count": _total(clocks),
            }
        count = _total(measured)
        cells[k] = Cell(details["p50_seconds"], None, count, details)
    return cells


def _mttr(out: Tally, period: int) -> Cells:
    solved = out.counts["solved"]
    cells: Cells = {}
    for k in _keys(solved, period=period):
        count = solved[period, k]
        total = out.solve_seconds[period, k]
        cells[k] = Cell(_round(total / count) if count else None, _round(total), count)
    return cells


def _backlog(out: Tally, key: str | None, period: int) -> Cells:
    if key == "age":
        ages = out.ages.get((period, None), [0] * len(AGE_BUCKETS))
        return {label: Cell(ages[i], None, None) for i, (label, _d) in enumerate(AGE_BUCKETS)}
    backlog = out.counts["backlog"]
    cells: Cells = {}
    for k in _keys(backlog, period=period) or ({None} if key is None else set()):
        ages = out.ages.get((period, k), [0] * len(AGE_BUCKETS))
        cells[k] = Cell(
            backlog.get((period, k), 0),
            None,
            None,
            {"ages": {label: ages[i] for i, (label, _d) in enumerate(AGE_BUCKETS)}},
        )
    return cells


def cells_of(out: Tally, metric: str, key: str | None, period: int) -> Cells:
    """The figures of one KPI in one period, per key value (the team's always, even empty)."""
    cells = _cells_of(out, metric, key, period)
    if key is None and None not in cells:
        counted = metric in RATES
        cells[None] = (
            Cell(0, None, None)
            if metric in ("volume", "backlog")
            else Cell(None, 0 if counted else None, 0)
        )
    return cells


def _cells_of(out: Tally, metric: str, key: str | None, period: int) -> Cells:
    counts = out.counts
    if metric == "weekly_resolution_rate":
        return _rates(counts["solved"], counts["open"], period)
    if metric == "escalation_rate":
        return _rates(counts[f.ESCALATED], counts[f.HANDLED], period)
    if metric == "escalation_rate_engineering":
        return _rates(counts[f.ENGINEERING], counts[f.HANDLED], period)
    if metric == "one_touch_rate":
        return _rates(counts["one_touch"], counts["solved"], period)
    if metric == "reopen_rate":
        return _rates(counts["reopened"], counts["solved"], period)
    if metric in TIMES:
        return _times(out, metric, period)
    if metric == "mttr":
        return _mttr(out, period)
    if metric == "backlog":
        return _backlog(out, key, period)
    if metric == "volume":
        created = counts["created"]
        return {k: Cell(created[period, k]) for k in _keys(created, period=period)}
    raise KeyError(metric)


# --- the raw path ------------------------------------------------------------------------------------


def fact_rows(
    history: f.TicketHistory, instants: Sequence[datetime], scope: Scope
) -> Iterable[Row]:
    """The ticket's facts as rows timed in seconds since the epoch."""
    zone = scope.zone
    for fact in f.ticket_facts(history, instants, per_engineer=scope.engineer is not None):
        slot = None
        if fact.kind == f.CREATED:
            slot = f.hour_of_week(fact.at, zone)
        seconds = fact.seconds or 0.0
        yield (
            fact.kind,
            fact.at.timestamp(),
            fact.prev.timestamp() if fact.prev else NONE_BEFORE,
            fact.next.timestamp() if fact.next else NONE_AFTER,
            fact.flags,
            seconds,
            1,
            seconds,
            fact.group,
            history.channel,
            fact.tier,
            history.region,
            history.type,
            history.product_area,
            slot,
            fact.engineer,
        )
