"""Pages of service levels: attainment per target over a period of a time zone, as a table, a
chart per target against its goal, and the same rows as CSV."""

from __future__ import annotations

import csv
import zoneinfo
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tierdesk.accounts.models import SkillGroup
from tierdesk.core.errors import ValidationFailed
from tierdesk.core.spreadsheet import csv_cell
from tierdesk.sla.attainment import (
    PERIODS,
    AttainmentQuery,
    AttainmentRow,
    attainment,
    attainment_of,
    attainment_query,
    known_time_zone,
    period_starts,
    time_zone_for,
)
from tierdesk.sla.choices import Metric
from tierdesk.sla.models import BusinessCalendar, SlaPolicy
from tierdesk.tickets.choices import Channel, Priority
from tierdesk.web.decorators import staff_required

PRESETS = (7, 28, 90)
FILTERS = ("channel", "priority", "group", "policy", "metric")

# The chart's drawing area in SVG units; the SVG scales to the page's width.
CHART_WIDTH = 960
CHART_HEIGHT = 200
PLOT_LEFT = 44
# Room on the right for the goal's label beside its line.
PLOT_RIGHT = 72
PLOT_TOP = 16
PLOT_BOTTOM = 34
# At most this many date labels under the bars; the others are in each bar's title.
X_LABELS_MAX = 12


def _question(request: HttpRequest) -> AttainmentQuery:
    """The page's query checked as the API checks it (ValidationFailed naming each field), in
    the signed-in person's time zone unless `tz` names another."""
    return attainment_query(
        tz=request.GET.get("tz"),
        default_tz=time_zone_for(request.user),
        start=request.GET.get("from"),
        end=request.GET.get("to"),
        group_by=request.GET.getlist("group_by"),
        channel=request.GET.get("channel"),
        priority=request.GET.get("priority"),
        group=request.GET.get("group"),
        policy=request.GET.get("policy"),
        metric=request.GET.get("metric"),
    )


def chart_period(question: AttainmentQuery) -> str:
    """Bars per day up to a month, per week up to half a year, per month beyond."""
    days = question.days
    if days <= 31:
        return "day"
    if days <= 190:
        return "week"
    return "month"


@dataclass(frozen=True)
class Bar:
    """One period's bar: its place, its number, and what its title says."""

    period: date
    x: float
    width: float
    y: float
    height: float
    percent: float | None
    met: int
    breached: int
    # Whether the period's clocks met their goal; None with no clocks.
    goal_met: bool | None
    label: bool

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def value_y(self) -> float:
        return round(self.y - 4, 1)


@dataclass(frozen=True)
class Chart:
    """A target's attainment per period against its goal, laid out for an inline SVG."""

    metric: str
    label: str
    period: str
    totals: AttainmentRow
    bars: list[Bar]
    goal_percent: float | None
    goal_y: float | None
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    left: int = PLOT_LEFT
    right: int = CHART_WIDTH - PLOT_RIGHT
    top: int = PLOT_TOP
    bottom: int = CHART_HEIGHT - PLOT_BOTTOM

    @property
    def grid(self) -> list[tuple[int, float]]:
        return [(percent, _y(percent)) for percent in (0, 50, 100)]

    @property
    def axis_label_x(self) -> int:
        return self.left - 6

    @property
    def date_label_y(self) -> int:
        return self.bottom + 16

    @property
    def goal_label_x(self) -> int:
        return self.right + 6


def _y(percent: float) -> float:
    plot = CHART_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    return round(PLOT_TOP + plot * (1 - percent / 100), 1)


def _chart(
    metric: str, totals: AttainmentRow, series: list[AttainmentRow], starts: list[date], period: str
) -> Chart:
    by_period = {row.period: row for row in series}
    slot = (CHART_WIDTH - PLOT_LEFT - PLOT_RIGHT) / max(1, len(starts))
    width = round(slot * 0.7, 1)
    every = -(-len(starts) // X_LABELS_MAX)
    bars = []
    for i, start in enumerate(starts):
        row = by_period.get(start)
        percent = row.attainment_percent if row else None
        # A period at 0% still shows a sliver, unlike one with no clocks.
        y = min(_y(percent or 0), _y(0) - 2) if percent is not None else _y(0)
        bars.append(
            Bar(
                period=start,
                x=round(PLOT_LEFT + slot * i + (slot - width) / 2, 1),
                width=width,
                y=y,
                height=round(_y(0) - y, 1),
                percent=percent,
                met=row.met if row else 0,
                breached=row.breached if row else 0,
                goal_met=row.goal_met if row else None,
                label=i % every == 0,
            )
        )
    goal = float(totals.goal_percent) if totals.goal_percent is not None else None
    return Chart(
        metric=metric,
        label=str(Metric(metric).label),
        period=period,
        totals=totals,
        bars=bars,
        goal_percent=goal,
        goal_y=_y(goal) if goal is not None else None,
    )


def _charts(question: AttainmentQuery, rows: list[AttainmentRow]) -> list[Chart]:
    """One chart per target with clocks in the period, in the order of the metrics."""
    period = chart_period(question)
    filters = question.filters()
    totals = (
        rows
        if question.group_by == ("metric",)
        else attainment(start=question.start, end=question.end, **filters)
    )
    series = attainment(
        start=question.start,
        end=question.end,
        group_by=("metric", period),
        time_zone=question.zone,
        **filters,
    )
    starts = period_starts(question.start, question.end, period, question.zone)
    return [
        _chart(
            total.metric,
            total,
            [row for row in series if row.metric == total.metric],
            starts,
            period,
        )
        for total in totals
    ]


def _labels(row: AttainmentRow) -> dict[str, Any]:
    return {
        "row": row,
        "metric": Metric(row.metric).label,
        "channel": Channel(row.channel).label if row.channel in Channel.values else row.channel,
        "priority": Priority(row.priority).label
        if row.priority in Priority.values
        else row.priority,
    }


def _query_string(params: dict[str, Any]) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "", [])}, doseq=True)


def _presets(request: HttpRequest, today: date) -> list[dict[str, Any]]:
    """Links to the last 7, 28 and 90 days, today (in the page's time zone) included, keeping
    the rest of the query."""
    kept = {k: request.GET.getlist(k) for k in ("group_by", *FILTERS, "tz")}
    presets = []
    for days in PRESETS:
        start = today - timedelta(days=days - 1)
        presets.append(
            {
                "days": days,
                "from": start,
                "to": today,
                "query": _query_string({"from": start, "to": today, **kept}),
            }
        )
    return presets


def _time_zones(current: str) -> list[str]:
    """Zones to offer in the form: the business calendars', UTC and the one shown."""
    zones = set(BusinessCalendar.objects.values_list("time_zone", flat=True).distinct())
    return sorted({*zones, "UTC", current})


@staff_required
@require_GET
def attainment_page(request: HttpRequest) -> HttpResponse:
    """Attainment per target over the chosen period: the rows of the chosen keys, a chart per
    target of its attainment per day, week or month against its goal, with met and breached
    counts and the median and 90th percentile of the measured time."""
    asked_tz = request.GET.get("tz", "").strip()
    zone_name = asked_tz if known_time_zone(asked_tz) else time_zone_for(request.user)
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(zone_name)).date()
    context: dict[str, Any] = {
        "presets": _presets(request, today),
        "time_zone": zone_name,
        "time_zones": _time_zones(zone_name),
        "metrics": Metric.choices,
        "channels": Channel.choices,
        "priorities": Priority.choices,
        "groups": SkillGroup.objects.order_by("name").values_list("pk", "name"),
        "policies": SlaPolicy.objects.order_by("position", "id").values_list("name", flat=True),
        "keys": [
            ("channel", _("Channel")),
            ("priority", _("Priority")),
            ("group", _("Group")),
            ("policy", _("Policy")),
        ],
        "period_choices": [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
        "tools_view": "sla_attainment",
        "errors": [],
        "question": None,
    }
    try:
        question = _question(request)
    except ValidationFailed as error:
        context["errors"] = error.as_list()
        context["form"] = {
            name: request.GET.get(name, "") for name in ("from", "to", "tz", *FILTERS)
        }
        context["form"]["group_by"] = request.GET.getlist("group_by")
        return render(request, "sla/attainment.html", context, status=422)
    rows = attainment_of(question)
    context.update(
        question=question,
        rows=[_labels(row) for row in rows],
        charts=_charts(question, rows),
        form={
            "from": question.first_day.isoformat(),
            "to": question.last_day.isoformat(),
            "tz": question.time_zone,
            "group_by": list(question.group_by),
            **{name: request.GET.get(name, "") for name in FILTERS},
        },
        csv_query=request.GET.urlencode(),
    )
    return render(request, "sla/attainment.html", context)


# Columns of the CSV, as the API names its fields.
NUMBERS = [
    "met",
    "breached",
    "total",
    "attainment_percent",
    "goal_percent",
    "goal_min_percent",
    "goal_max_percent",
    "goal_met",
    "p50_seconds",
    "p90_seconds",
    "p95_seconds",
]


@staff_required
@require_GET
def attainment_csv(request: HttpRequest) -> HttpResponse:
    """The rows of the page as CSV, for the same query; the last column, `tz`, names the time
    zone of the periods. 422 with the reasons as text when the query is refused."""
    try:
        question = _question(request)
    except ValidationFailed as error:
        reasons = "\n".join(f"{item['field']}: {item['reason']}" for item in error.as_list())
        return HttpResponse(reasons, status=422, content_type="text/plain; charset=utf-8")
    rows = attainment_of(question)
    columns = ["metric"]
    for key in question.group_by[1:]:
        if key == "group":
            columns += ["group", "group_name"]
        elif key in PERIODS:
            columns.append("period")
        else:
            columns.append(key)
    filename = f"sla-attainment-{question.first_day:%Y-%m-%d}-{question.last_day:%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([*columns, *NUMBERS, "tz"])
    for row in rows:
        values = {
            "metric": row.metric,
            "channel": row.channel,
            "priority": row.priority,
            "group": row.group_id,
            "group_name": row.group_name,
            "policy": row.policy,
            "period": row.period.isoformat() if row.period else None,
        }
        writer.writerow(
            [csv_cell(values[name]) for name in columns]
            + [csv_cell(getattr(row, name)) for name in NUMBERS]
            + [question.time_zone]
        )
    return response


urlpatterns = [
    path("sla/", attainment_page, name="attainment"),
    path("sla/attainment.csv", attainment_csv, name="attainment_csv"),
]
