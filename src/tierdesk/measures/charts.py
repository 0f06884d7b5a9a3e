"""Layouts of the dashboard's charts, drawn as inline SVG by the templates (no JavaScript).

Each function takes rows of a KPI report (see `selectors.kpi_report`) and returns coordinates in
a fixed viewBox, with the axis labels already written in the KPI's unit: a line per KPI's weekly
trend with its target, bars of the backlog by age, and a horizontal bar per SLA target against
its goal. The numbers themselves stay in the tables beside the charts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from tierdesk.measures.definitions import PERCENT, SCORE, SECONDS, TICKETS
from tierdesk.sla.choices import Metric
from tierdesk.sla.templatetags.sla import sla_duration

# A trend fills a dashboard card (about 20rem) at about 1:1; the age and SLA charts are wider
# and the page caps them at their own width, so 10px text stays 10px.
WIDTH, WIDE, HEIGHT = 320, 480, 150
LEFT, RIGHT, TOP, BOTTOM = 46, 8, 10, 22
X_LABELS_MAX = 8
TICKS = 4
# The smallest span of a y axis: a flat series of zeros still gets a readable axis.
MIN_SPAN = {PERCENT: 10.0, SECONDS: 3600.0, TICKETS: 4.0, SCORE: 5.0}
# Steps of a time axis that read well: seconds, minutes, hours.
TIME_STEPS = (1, 5, 10, 15, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)

# SLA bars: one row per target, the label on the left, the status text on the right.
SLA_ROW, SLA_BAR, SLA_LABEL, SLA_TEXT = 30, 20, 120, 170


@dataclass(frozen=True)
class Scale:
    """A y axis from `low` to `high` (both ticks) mapped onto `top`..`bottom` of the viewBox."""

    low: float
    high: float
    step: float
    top: float = TOP
    bottom: float = HEIGHT - BOTTOM

    def y(self, value: float) -> float:
        """The SVG y of `value`; larger values are higher up (smaller y)."""
        share = (value - self.low) / (self.high - self.low)
        return round(self.bottom - share * (self.bottom - self.top), 1)

    @property
    def ticks(self) -> list[float]:
        count = round((self.high - self.low) / self.step)
        return [_clean(self.low + i * self.step) for i in range(count + 1)]


@dataclass(frozen=True)
class Tick:
    """A labelled grid line of the y axis."""

    value: float
    y: float
    label: str


@dataclass(frozen=True)
class Point:
    """One week of a trend; `y` is None when the week has no value (the line breaks there)."""

    key: str
    value: float | None
    x: float
    y: float | None
    label: bool


@dataclass(frozen=True)
class LineChart:
    """A KPI's weekly trend: `segments` are the polylines' points, split at weeks with no
    value; `target_y` is None without a target."""

    points: list[Point]
    segments: list[str]
    ticks: list[Tick]
    zero_y: float
    target_y: float | None
    target_label: str
    target_label_y: float | None
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    axis_y: int = HEIGHT - 6


@dataclass(frozen=True)
class Bar:
    """One vertical bar: a bucket's count."""

    key: str
    value: float
    x: float
    width: float
    y: float
    height: float

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def value_y(self) -> float:
        return round(self.y - 3, 1)


@dataclass(frozen=True)
class BarChart:
    """Counts per bucket (the backlog by age), scaled from 0 to a round maximum."""

    bars: list[Bar]
    ticks: list[Tick]
    width: int = WIDE
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDE - RIGHT
    axis_y: int = HEIGHT - 6


@dataclass(frozen=True)
class SlaBar:
    """One SLA target: attainment from 0 to 100 % as a horizontal bar, its goal (or the KPI
    target) as a mark named by `mark_label`; `met` is None when there is nothing to compare."""

    series: str
    label: str
    value: float | None
    met: bool | None
    y: float
    width: float
    mark_x: float | None
    mark_label: str
    height: int = SLA_BAR

    @property
    def status(self) -> str:
        return "none" if self.met is None else "met" if self.met else "missed"

    @property
    def middle(self) -> float:
        return round(self.y + self.height / 2, 1)

    @property
    def mark_top(self) -> float:
        return round(self.y - 3, 1)

    @property
    def mark_bottom(self) -> float:
        return round(self.y + self.height + 3, 1)


@dataclass(frozen=True)
class SlaChart:
    """Attainment per SLA target, a row each, with a 0-50-100 % axis below."""

    bars: list[SlaBar]
    width: int = WIDE
    height: int = SLA_ROW
    left: int = SLA_LABEL
    right: int = WIDE - SLA_TEXT

    @property
    def track_width(self) -> int:
        return self.right - self.left

    @property
    def label_x(self) -> int:
        return self.left - 6

    @property
    def text_x(self) -> int:
        return self.right + 8

    @property
    def grid_bottom(self) -> int:
        return self.height - 14

    @property
    def ticks(self) -> list[tuple[int, float]]:
        return [(percent, _sla_x(percent)) for percent in (0, 50, 100)]

    @property
    def axis_y(self) -> int:
        return self.height - 4


def _clean(value: float) -> float:
    # 0.1 * 3 is 0.30000000000000004: ticks are rounded so their labels are exact.
    return round(value, 9) + 0.0


def nice_step(span: float, unit: str, ticks: int = TICKS) -> float:
    """A round step that cuts `span` into about `ticks` parts: 1, 2 or 5 times a power of ten;
    whole tickets; minutes and hours for durations."""
    raw = max(span, 1e-9) / ticks
    if unit == SECONDS:
        for step in TIME_STEPS:
            if step >= raw:
                return float(step)
        return float(TIME_STEPS[-1] * math.ceil(raw / TIME_STEPS[-1]))
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))
    return max(1.0, step) if unit == TICKETS else float(step)


def scale(values: Iterable[float | None], unit: str, target: float | None = None) -> Scale:
    """A y axis holding every value, the target and 0 (so a negative NPS goes below the zero
    line), widened to round ticks; at least MIN_SPAN of the unit tall."""
    known = [float(value) for value in values if value is not None]
    if target is not None:
        known.append(float(target))
    low, high = min([0.0, *known]), max([0.0, *known])
    span = max(high - low, MIN_SPAN.get(unit, 1.0))
    if high - low < span:
        if high > 0 or low == 0:
            high = low + span
        else:
            low = high - span
    step = nice_step(high - low, unit)
    return Scale(
        low=_clean(math.floor(low / step + 1e-9) * step),
        high=_clean(math.ceil(high / step - 1e-9) * step),
        step=step,
    )


def decimals(value: float) -> int:
    """How many decimals `value` needs to be shown exactly, up to 2: 0 for 5.0, 1 for 0.2."""
    return next((places for places in (0, 1) if round(value, places) == round(value, 9)), 2)


def duration_label(seconds: float) -> str:
    """A short duration for an axis: "1.5 h" rather than "1 h 30 min", which would not fit
    left of a plot; minutes and seconds as `sla_duration` says them."""
    if abs(seconds) < 3600:
        return sla_duration(seconds)
    hours = seconds / 3600
    return _("%(hours)s h") % {"hours": number_format(hours, decimals(hours))}


def axis_label(value: float, unit: str, step: float = 1.0) -> str:
    """A label in the unit: "20%", "1.5", "2 h", "12"; decimals only as fine as `step` needs
    (a tick's step, or the value itself)."""
    places = decimals(step)
    if unit == SECONDS and value:
        return duration_label(value)
    if unit == PERCENT:
        return f"{number_format(value, places)}%"
    if unit == SCORE:
        return number_format(value, places)
    return number_format(value, 0)


def target_label(comparison: str, value: float, unit: str) -> str:
    """ "target ≤ 5%", "target ≥ 2 h"."""
    shown = axis_label(value, unit, value)
    if comparison == "at_most":
        return _("target ≤ %(value)s") % {"value": shown}
    return _("target ≥ %(value)s") % {"value": shown}


def goal_label(percent: float) -> str:
    """ "goal 90%", "goal 99.5%": an SLA goal."""
    shown = axis_label(percent, PERCENT, percent)
    return _("goal %(value)s") % {"value": shown}


def _ticks(axis: Scale, unit: str) -> list[Tick]:
    return [Tick(value, axis.y(value), axis_label(value, unit, axis.step)) for value in axis.ticks]


def _x_positions(count: int) -> list[float]:
    slot = (WIDTH - LEFT - RIGHT) / max(1, count)
    return [round(LEFT + slot * i + slot / 2, 1) for i in range(count)]


def _labelled(i: int, count: int) -> bool:
    return i % max(1, -(-count // X_LABELS_MAX)) == 0


def line_chart(
    rows: Sequence[dict[str, Any]], unit: str, target: dict[str, Any] | None
) -> LineChart:
    """The weekly trend of a KPI report's rows (one per week, in order) as a line with a dot
    per week with a value, against the report's target when it has one."""
    target_value = float(target["value"]) if target else None
    axis = scale((row["value"] for row in rows), unit, target_value)
    points: list[Point] = []
    segments: list[str] = []
    current: list[str] = []
    for i, (row, x) in enumerate(zip(rows, _x_positions(len(rows)), strict=True)):
        y = axis.y(row["value"]) if row["value"] is not None else None
        points.append(Point(str(row["key"]), row["value"], x, y, _labelled(i, len(rows))))
        if y is None:
            if current:
                segments.append(" ".join(current))
            current = []
        else:
            current.append(f"{x},{y}")
    if current:
        segments.append(" ".join(current))
    target_y = label_y = None
    label = ""
    if target and target_value is not None:
        target_y = axis.y(target_value)
        # Above the line, unless that would leave the plot.
        label_y = round(target_y - 4 if target_y - 4 > TOP + 8 else target_y + 11, 1)
        label = target_label(target["comparison"], target_value, unit)
    return LineChart(
        points=points,
        segments=segments,
        ticks=_ticks(axis, unit),
        zero_y=axis.y(0),
        target_y=target_y,
        target_label=label,
        target_label_y=label_y,
    )


def bar_chart(rows: Sequence[dict[str, Any]], unit: str = TICKETS) -> BarChart:
    """A bar per row (in order, e.g. the backlog's age buckets) from 0 to its value."""
    axis = scale((row["value"] for row in rows), unit)
    slot = (WIDE - LEFT - RIGHT) / max(1, len(rows))
    width = round(slot * 0.6, 1)
    bars = []
    for i, row in enumerate(rows):
        value = row["value"] or 0
        y = axis.y(max(0, value))
        bars.append(
            Bar(
                key=str(row["key"]),
                value=value,
                x=round(LEFT + slot * i + (slot - width) / 2, 1),
                width=width,
                y=y,
                height=round(axis.y(0) - y, 1),
            )
        )
    return BarChart(bars=bars, ticks=_ticks(axis, unit))


def _sla_x(percent: float) -> float:
    share = min(100.0, max(0.0, percent)) / 100
    return round(SLA_LABEL + share * (WIDE - SLA_TEXT - SLA_LABEL), 1)


def sla_chart(rows: Sequence[dict[str, Any]], target: dict[str, Any] | None) -> SlaChart:
    """A bar per SLA target (rows of the `sla_attainment` report) with a mark at its goal, or
    at the KPI target when one is set, since `met` then follows the target."""
    bars = []
    for i, row in enumerate(rows):
        series = str(row["series"])
        if target:
            mark: float | None = float(target["value"])
            mark_label = target_label(target["comparison"], target["value"], PERCENT)
        else:
            goal = row["details"].get("goal_percent")
            mark = float(goal) if goal is not None else None
            mark_label = "" if mark is None else goal_label(mark)
        bars.append(
            SlaBar(
                series=series,
                label=str(Metric(series).label) if series in Metric.values else series,
                value=row["value"],
                met=row["met"],
                y=i * SLA_ROW + 6,
                width=round(_sla_x(row["value"] or 0) - SLA_LABEL, 1),
                mark_x=_sla_x(mark) if mark is not None else None,
                mark_label=mark_label,
            )
        )
    return SlaChart(bars=bars, height=SLA_ROW * len(bars) + 22)
