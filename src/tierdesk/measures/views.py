"""Pages of measures: the KPI definitions with their targets, the team dashboard, the CSV."""

from __future__ import annotations

import csv
import zoneinfo
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tierdesk.accounts.choices import Region, Role
from tierdesk.accounts.models import SkillGroup, User
from tierdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from tierdesk.core.spreadsheet import csv_cell
from tierdesk.measures import charts, selectors, services
from tierdesk.measures.book import KpiBook
from tierdesk.measures.definitions import KPIS, NOTES, SURVEY_KPIS, TICKETS
from tierdesk.measures.models import Comparison
from tierdesk.measures.rollups import rollup_zones
from tierdesk.sla.attainment import known_time_zone, time_zone_for
from tierdesk.tickets.choices import Channel
from tierdesk.web.decorators import staff_required

PRESET_WEEKS = (4, 12, 26)
FILTERS = ("group", "channel", "region", "tz")
# The dashboard's trend charts: every ticket KPI per week.
TRENDS = [name for name in KPIS if name not in (*SURVEY_KPIS, "sla_attainment")]


def _is_manager(request: HttpRequest) -> bool:
    return request.user.role in {Role.MANAGER, Role.ADMIN}


@staff_required
@require_http_methods(["GET", "POST"])
def definitions_page(request: HttpRequest) -> HttpResponse:
    """Each KPI with its exact formula and its targets; managers set and remove targets here."""
    errors: list[dict[str, str]] = []
    status = 200
    if request.method == "POST":
        try:
            services.kpi_target_set(
                actor=request.user,
                metric=request.POST.get("metric", ""),
                comparison=request.POST.get("comparison", ""),
                value=request.POST.get("value", ""),
                group=int(request.POST["group"]) if request.POST.get("group") else None,
            )
        except ValidationFailed as error:
            errors, status = error.as_list(), 422
        except ValueError:
            errors, status = [{"field": "group", "reason": _("No such group.")}], 422
        except PermissionDenied as error:
            return HttpResponse(str(error), status=403)
        else:
            messages.success(request, _("Target saved."))
            return redirect("measures:definitions")
    context = {
        "kpis": selectors.definitions(),
        "notes": NOTES,
        "comparisons": Comparison.choices,
        "groups": SkillGroup.objects.order_by("name").values_list("pk", "name"),
        "can_edit": _is_manager(request),
        "errors": errors,
        "tools_view": "measures",
    }
    return render(request, "measures/definitions.html", context, status=status)


@staff_required
@require_POST
def target_remove(request: HttpRequest, target_id: int) -> HttpResponse:
    try:
        services.kpi_target_delete(actor=request.user, target_id=target_id)
    except PermissionDenied as error:
        return HttpResponse(str(error), status=403)
    except NotFound:
        pass  # Already gone (a second click): the page shows what is left.
    return redirect("measures:definitions")


def _team_zone(request: HttpRequest) -> str:
    """The time zone the team's figures are read in unless one is asked for: the person's own
    when the daily rollups are kept in it, else the desk's first rollup zone (its reporting
    zone), so the dashboard answers from the rollups rather than from every event."""
    asked = request.GET.get("tz", "").strip()
    if known_time_zone(asked):
        return asked
    own = time_zone_for(request.user)
    zones = rollup_zones()
    return own if own in zones or not zones else zones[0]


def _query(request: HttpRequest, metric: str, group_by: str | None) -> selectors.KpiQuery:
    return selectors.kpi_query(
        metric=metric,
        start=request.GET.get("from"),
        end=request.GET.get("to"),
        group_by=group_by,
        group=request.GET.get("group"),
        channel=request.GET.get("channel"),
        region=request.GET.get("region"),
        tz=request.GET.get("tz"),
        default_tz=_team_zone(request),
    )


def _breakdown(request: HttpRequest, key: str, book: KpiBook) -> dict[str, Any]:
    """Every ticket KPI over the whole period split by `key` (group or tier): a row per value,
    a column per KPI, each cell with its value and whether it meets the target."""
    reports = [selectors.kpi_report(_query(request, name, key), book) for name in TRENDS]
    keys: dict[Any, str | None] = {}
    for report in reports:
        for row in report["rows"]:
            keys.setdefault(row["key"], row["label"])
    rows = []
    for value, label in sorted(keys.items(), key=lambda item: (item[0] is None, str(item[1]))):
        cells = []
        for report in reports:
            found = next((row for row in report["rows"] if row["key"] == value), None)
            cells.append({"unit": report["unit"], "row": found})
        rows.append({"key": value, "label": label, "cells": cells})
    return {"key": key, "columns": reports, "rows": rows}


def _heatmap(request: HttpRequest, book: KpiBook) -> dict[str, Any]:
    """Tickets created per hour of the week (Monday 00:00 first) in the zone, shaded by count."""
    report = selectors.kpi_report(_query(request, "volume", "hour_of_week"), book)
    counts = {row["key"]: row["value"] for row in report["rows"]}
    top = max(counts.values(), default=0) or 1
    days = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    return {
        "hours": list(range(24)),
        "days": [
            {
                "label": label,
                "cells": [
                    {
                        "count": counts.get(day * 24 + hour, 0),
                        "shade": round(counts.get(day * 24 + hour, 0) / top, 2),
                    }
                    for hour in range(24)
                ],
            }
            for day, label in enumerate(days)
        ],
    }


@staff_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The team's KPIs over the period with their targets, and each KPI's trend per week."""
    zone_name = _team_zone(request)
    default, presets = _periods(request, zone_name, FILTERS)
    params = request.GET.copy()
    if not params.get("from"):
        params["from"], params["to"] = default
    request.GET = params
    context: dict[str, Any] = {
        "presets": presets,
        "channels": Channel.choices,
        "regions": Region.choices,
        "groups": SkillGroup.objects.order_by("name").values_list("pk", "name"),
        "form": {name: params.get(name, "") for name in ("from", "to", *FILTERS)},
        "time_zone": zone_name,
        "tools_view": "measures",
        "errors": [],
        "cards": [],
    }
    try:
        # One book counts every ticket KPI of the period once, for all the cards and tables.
        book = selectors.kpi_book(_query(request, "volume", None))
        for name in TRENDS:
            team = selectors.kpi_report(_query(request, name, None), book)
            weekly = selectors.kpi_report(_query(request, name, "week"), book)
            context["cards"].append(
                {
                    "team": team,
                    "row": team["rows"][0] if team["rows"] else None,
                    "weekly": weekly,
                    "chart": charts.line_chart(weekly["rows"], weekly["unit"], weekly["target"]),
                }
            )
        for name in SURVEY_KPIS:
            try:
                team = selectors.kpi_report(_query(request, name, None))
                weekly = selectors.kpi_report(_query(request, name, "week"))
            except ValidationFailed as error:
                if "metric" not in error.errors:
                    raise
                continue  # No surveys app, no figures: nothing is shown rather than made up.
            context["cards"].append(
                {
                    "team": team,
                    "row": team["rows"][0] if team["rows"] else None,
                    "weekly": weekly,
                    "chart": charts.line_chart(weekly["rows"], weekly["unit"], weekly["target"]),
                }
            )
        context["sla"] = selectors.kpi_report(_query(request, "sla_attainment", None))
        context["ages"] = selectors.kpi_report(_query(request, "backlog", "age"), book)
        context["sla_chart"] = charts.sla_chart(context["sla"]["rows"], context["sla"]["target"])
        context["ages_chart"] = charts.bar_chart(context["ages"]["rows"])
        context["per_group"] = _breakdown(request, "group", book)
        context["per_tier"] = _breakdown(request, "tier", book)
        context["heatmap"] = _heatmap(request, book)
        context["counted_from"] = sorted(book.sources_used)
    except ValidationFailed as error:
        context["errors"] = error.as_list()
        return render(request, "measures/dashboard.html", context, status=422)
    context["csv_query"] = urlencode({k: v for k, v in context["form"].items() if v})
    return render(request, "measures/dashboard.html", context)


@staff_required
@require_GET
def kpis_csv(request: HttpRequest) -> HttpResponse:
    """The rows of one KPI as CSV, for the API's query; 422 with the reasons as text."""
    try:
        report = selectors.kpi_report(
            _query(request, request.GET.get("metric", ""), request.GET.get("group_by"))
        )
    except ValidationFailed as error:
        reasons = "\n".join(f"{item['field']}: {item['reason']}" for item in error.as_list())
        return HttpResponse(reasons, status=422, content_type="text/plain; charset=utf-8")
    start, end = report["from"].date(), (report["to"] - timedelta(microseconds=1)).date()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{report["metric"]}-{start:%Y-%m-%d}-{end:%Y-%m-%d}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        ["key", "label", "series", "value", "numerator", "denominator", "met", "unit", "tz"]
    )
    for row in report["rows"]:
        writer.writerow(
            [
                csv_cell(row[name])
                for name in ("key", "label", "series", "value", "numerator", "denominator", "met")
            ]
            + [report["unit"], report["tz"]]
        )
    return response


def _periods(
    request: HttpRequest, zone_name: str, kept_names: tuple[str, ...]
) -> tuple[tuple[str, str], list[dict[str, Any]]]:
    """The default period (the last 12 weeks to today in the zone, from-to as dates) and the
    presets' links, keeping the request's `kept_names` parameters."""
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(zone_name)).date()
    monday = today - timedelta(days=today.weekday())
    kept = {name: request.GET[name] for name in kept_names if request.GET.get(name)}
    presets = []
    for weeks in PRESET_WEEKS:
        start = monday - timedelta(weeks=weeks - 1)
        query = urlencode({"from": start.isoformat(), "to": today.isoformat(), **kept})
        presets.append({"weeks": weeks, "from": start.isoformat(), "query": query})
    return ((monday - timedelta(weeks=11)).isoformat(), today.isoformat()), presets


def _own_period(request: HttpRequest, zone_name: str) -> tuple[dict[str, str], list[dict]]:
    """The period asked for on the engineer's view, and the presets' links."""
    (start, end), presets = _periods(request, zone_name, ("engineer", "tz"))
    form = {
        "from": request.GET.get("from") or start,
        "to": request.GET.get("to") or end,
        "tz": request.GET.get("tz", ""),
    }
    return form, presets


@staff_required
@require_GET
def engineer_view(request: HttpRequest) -> HttpResponse:
    """An engineer's own numbers beside the team's (not a ranking: nobody else's are shown).
    Managers may open an engineer's view with ?engineer=<id>."""
    engineer = request.user
    asked = request.GET.get("engineer", "").strip()
    if asked and asked != str(request.user.pk):
        if not _is_manager(request):
            return HttpResponse(_("Only managers open another engineer's view."), status=403)
        found = User.objects.filter(pk=int(asked)).first() if asked.isdigit() else None
        if found is None or not found.is_support_staff:
            return HttpResponse(_("No such engineer."), status=404)
        engineer = found
    zone_name = _team_zone(request)
    form, presets = _own_period(request, zone_name)
    context: dict[str, Any] = {
        "form": form,
        "presets": presets,
        "time_zone": zone_name,
        "tools_view": "measures_own",
        "errors": [],
        "engineers": (
            User.objects.exclude(role=Role.CUSTOMER).filter(is_active=True).order_by("username")
            if _is_manager(request)
            else []
        ),
    }
    try:
        query = selectors.kpi_query(
            metric="volume",
            start=form["from"],
            end=form["to"],
            tz=form["tz"] or None,
            default_tz=zone_name,
        )
    except ValidationFailed as error:
        context["errors"] = error.as_list()
        context["engineer"] = engineer
        return render(request, "measures/engineer.html", context, status=422)
    context |= selectors.engineer_figures(query, engineer)
    own_weeks = [
        {"key": week["week"].isoformat(), "value": week["mine"]} for week in context["weeks"]
    ]
    context["solved_chart"] = charts.line_chart(own_weeks, TICKETS, None)
    return render(request, "measures/engineer.html", context)
