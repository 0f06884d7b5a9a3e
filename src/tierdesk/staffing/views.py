"""Pages of staffing: engineers needed per hour of week against the people on shift, as a chart,
a table one click away, and the same rows as CSV."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tierdesk.core.errors import ValidationFailed
from tierdesk.sla.attainment import time_zone_for
from tierdesk.staffing.selectors import (
    CHANNELS,
    DEFAULT_CHAT_CONCURRENCY,
    DEFAULT_EMAIL_MINUTES,
    DEFAULT_EMAIL_TARGET_HOURS,
    DEFAULT_SHRINKAGE,
    DEFAULT_WEEKS,
    FALLBACK_OCCUPANCY,
    HourPlan,
    PlanQuery,
    StaffingPlan,
    plan_query,
    staffing_plan,
)
from tierdesk.web.decorators import staff_required

FORM_FIELDS = (
    "weeks",
    "tz",
    "shrinkage",
    "email_minutes",
    "email_target_hours",
    "chat_concurrency",
)

# The chart's drawing area in SVG units, as on the SLA attainment page; it scales to the page.
CHART_WIDTH = 960
CHART_HEIGHT = 220
PLOT_LEFT = 36
PLOT_RIGHT = 12
PLOT_TOP = 12
PLOT_BOTTOM = 30


def _question(request: HttpRequest) -> PlanQuery:
    return plan_query(
        weeks=request.GET.get("weeks"),
        tz=request.GET.get("tz"),
        default_tz=time_zone_for(request.user),
        shrinkage_percent=request.GET.get("shrinkage"),
        email_minutes=request.GET.get("email_minutes"),
        email_target_hours=request.GET.get("email_target_hours"),
        chat_concurrency=request.GET.get("chat_concurrency"),
    )


@dataclass(frozen=True)
class Column:
    """One hour's place in the chart: the on-shift bar, the needed bar, and the shortfall."""

    hour: HourPlan
    label: str
    x: float
    width: float
    shift_y: float
    needed_x: float
    needed_width: float
    needed_y: float
    needed_height: float
    # The band between the on-shift top and the needed top when short; None otherwise.
    gap_y: float | None
    gap_height: float


@dataclass(frozen=True)
class Chart:
    """The week's 168 hours laid out for an inline SVG."""

    columns: list[Column]
    # The people on shift as one stepped line across the week, an SVG path.
    on_shift_path: str
    grid: list[tuple[int, float]]
    days: list[tuple[str, float, float]]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    left: int = PLOT_LEFT
    right: int = CHART_WIDTH - PLOT_RIGHT
    top: int = PLOT_TOP
    bottom: int = CHART_HEIGHT - PLOT_BOTTOM

    @property
    def axis_label_x(self) -> int:
        return self.left - 4

    @property
    def day_label_y(self) -> int:
        return self.bottom + 16


def _chart(plan: StaffingPlan) -> Chart:
    top = max([1.0, *(h.needed_scheduled for h in plan.hours), *(h.on_shift for h in plan.hours)])
    scale_max = math.ceil(top)
    plot = CHART_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    bottom = CHART_HEIGHT - PLOT_BOTTOM

    def y(value: float) -> float:
        return round(PLOT_TOP + plot * (1 - value / scale_max), 1)

    slot = (CHART_WIDTH - PLOT_LEFT - PLOT_RIGHT) / len(plan.hours)
    columns = []
    for i, hour in enumerate(plan.hours):
        x = PLOT_LEFT + slot * i
        shift_y = y(hour.on_shift)
        needed_y = y(hour.needed_scheduled)
        columns.append(
            Column(
                hour=hour,
                label=f"{WEEKDAYS_ABBR[hour.weekday]} {hour.hour:02d}:00",
                x=round(x, 2),
                width=round(slot, 2),
                shift_y=shift_y,
                needed_x=round(x + slot * 0.1, 2),
                needed_width=round(slot * 0.8, 2),
                needed_y=needed_y,
                needed_height=round(bottom - needed_y, 1),
                gap_y=needed_y if hour.short else None,
                gap_height=round(shift_y - needed_y, 1) if hour.short else 0,
            )
        )
    half = scale_max / 2
    grid = [(0, y(0)), (scale_max, y(scale_max))]
    if half == int(half) and 0 < half < scale_max:
        grid.insert(1, (int(half), y(half)))
    days = [
        (
            str(WEEKDAYS_ABBR[day]),
            round(PLOT_LEFT + slot * 24 * day, 2),
            round(PLOT_LEFT + slot * (24 * day + 12), 2),
        )
        for day in range(7)
    ]
    steps = [f"M{PLOT_LEFT},{y(plan.hours[0].on_shift)}"]
    for column in columns:
        steps.append(
            f"L{column.x},{column.shift_y}L{round(column.x + column.width, 2)},{column.shift_y}"
        )
    return Chart(columns=columns, on_shift_path="".join(steps), grid=grid, days=days)


@staff_required
@require_GET
def plan_page(request: HttpRequest) -> HttpResponse:
    """Engineers needed per hour of week (Erlang C for chat and phone, the email backlog worked
    within its first-response target, after shrinkage) against the people on shift, from the
    last weeks' calls, chats and tickets, in the chosen time zone (the signed-in person's by
    default)."""
    context: dict[str, Any] = {
        "channels": list(CHANNELS),
        "tools_view": "staffing",
        "errors": [],
        "plan": None,
        "defaults": {
            "weeks": DEFAULT_WEEKS,
            "shrinkage": round(DEFAULT_SHRINKAGE * 100),
            "email_minutes": DEFAULT_EMAIL_MINUTES,
            "email_target_hours": DEFAULT_EMAIL_TARGET_HOURS,
            "chat_concurrency": DEFAULT_CHAT_CONCURRENCY,
        },
        "form": {name: request.GET.get(name, "") for name in FORM_FIELDS},
    }
    try:
        question = _question(request)
    except ValidationFailed as error:
        context["errors"] = error.as_list()
        return render(request, "staffing/plan.html", context, status=422)
    plan = staffing_plan(question)
    context.update(
        plan=plan,
        chart=_chart(plan),
        chat_percent=f"{plan.targets['chat'].level * 100:g}",
        phone_percent=f"{plan.targets['phone'].level * 100:g}",
        form={
            "weeks": question.weeks,
            "tz": question.time_zone,
            "shrinkage": f"{question.shrinkage * 100:g}",
            "email_minutes": f"{question.email_minutes:g}",
            "email_target_hours": f"{question.email_target_hours:g}",
            "chat_concurrency": question.chat_concurrency,
        },
        beyond_calculator_hours=[h for h in plan.hours if h.beyond_calculator],
        beyond_title=_("beyond the calculator: estimated at %(percent)s%% occupancy")
        % {"percent": f"{FALLBACK_OCCUPANCY * 100:g}"},
        fallback_percent=f"{FALLBACK_OCCUPANCY * 100:g}",
        fallback_occupancy=f"{FALLBACK_OCCUPANCY:g}",
        csv_query=request.GET.urlencode(),
    )
    return render(request, "staffing/plan.html", context)


CSV_COLUMNS = [
    "weekday",
    "hour",
    *(f"arrivals_{name}" for name in CHANNELS),
    *(f"needed_{name}" for name in CHANNELS),
    "needed_total",
    "needed_with_shrinkage",
    "on_shift",
    "gap",
    "tz",
    "email_target_hours",
    "chat_concurrency",
    *(f"arrivals_from_{name}" for name in CHANNELS),
    "beyond_calculator",
]


@staff_required
@require_GET
def plan_csv(request: HttpRequest) -> HttpResponse:
    """The page's 168 rows as CSV, Monday 00:00 first: weekday (0 = Monday), hour, average
    arrivals and engineers needed per channel, their total before and after shrinkage, people on
    shift and the gap (on shift - needed with shrinkage); then the plan's time zone, email
    first-response target (hours) and chats per engineer, what each channel's arrivals were
    counted from ("calls", "chats" or "tickets"), and the channels whose need is the traffic
    rule's estimate because their arrivals are beyond the calculator (space-separated, empty
    otherwise). 422 with the reasons as text when the query is refused."""
    try:
        question = _question(request)
    except ValidationFailed as error:
        reasons = "\n".join(f"{item['field']}: {item['reason']}" for item in error.as_list())
        return HttpResponse(reasons, status=422, content_type="text/plain; charset=utf-8")
    plan = staffing_plan(question)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="staffing-plan.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for hour in plan.hours:
        writer.writerow(
            [
                hour.weekday,
                hour.hour,
                *(f"{hour.arrivals[name]:g}" for name in CHANNELS),
                *(hour.needed[name] for name in CHANNELS),
                hour.needed_total,
                hour.needed_scheduled,
                f"{hour.on_shift:g}",
                f"{hour.gap:g}",
                question.time_zone,
                f"{question.email_target_hours:g}",
                question.chat_concurrency,
                *(plan.arrivals_from[name] for name in CHANNELS),
                " ".join(hour.beyond_calculator),
            ]
        )
    return response


urlpatterns = [
    path("staffing/", plan_page, name="plan"),
    path("staffing/plan.csv", plan_csv, name="plan_csv"),
]
