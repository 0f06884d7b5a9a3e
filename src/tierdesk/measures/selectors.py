"""Reads of the KPIs: the checked question, the report rows with their targets, the catalog."""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Region, Tier
from tierdesk.accounts.models import SkillGroup, User
from tierdesk.core.errors import PermissionDenied, ValidationFailed
from tierdesk.measures.book import AUTO, RAW, ROLLUPS, KpiBook
from tierdesk.measures.definitions import KPIS, SURVEY_KPIS, Kpi
from tierdesk.measures.kpis import AGE_BUCKETS, Cell, Cells, Scope
from tierdesk.measures.models import KpiTarget
from tierdesk.sla.attainment import (
    AttainmentQuery,
    attainment,
    attainment_query,
)
from tierdesk.tickets.choices import Channel

SURVEYS_MODULE = "tierdesk.surveys.selectors"


def ensure_staff(user: User) -> None:
    """KPIs are the support team's: PermissionDenied for a customer."""
    if not user.is_support_staff:
        raise PermissionDenied(_("Measures are for the support team."))


@dataclass(frozen=True)
class KpiQuery:
    """A checked question: one metric over [start, end) of `period` (time zone, filters),
    its rows split by at most one key."""

    kpi: Kpi
    period: AttainmentQuery
    group_by: str | None = None
    region: str | None = None
    source: str = AUTO

    @property
    def scope(self) -> Scope:
        return Scope(
            zone=self.period.zone,
            group=self.period.group,
            channel=self.period.channel,
            region=self.region,
        )


def kpi_query(
    *,
    metric: str | None,
    start: str | date | datetime | None = None,
    end: str | date | datetime | None = None,
    group_by: str | None = None,
    group: str | int | None = None,
    channel: str | None = None,
    region: str | None = None,
    tz: str | None = None,
    default_tz: str = "UTC",
    now: datetime | None = None,
    source: str | None = None,
) -> KpiQuery:
    """The question of the API, the pages and the CSV, checked once. The period, time zone,
    group and channel are checked as the SLA attainment report checks them (dates are whole
    days in `tz`, `to` included; default the last 28 days). ValidationFailed names each refused
    field: an unknown `metric` lists the valid names."""
    errors: dict[str, str] = {}
    kpi = KPIS.get(metric or "")
    if kpi is None:
        errors["metric"] = _("Unknown metric. Choose one of %(names)s.") % {
            "names": ", ".join(KPIS)
        }
    key = (group_by or "").strip() or None
    if kpi is not None and key is not None and key not in kpi.group_by:
        errors["group_by"] = _("%(metric)s can be grouped by %(keys)s.") % {
            "metric": kpi.name,
            "keys": ", ".join(kpi.group_by),
        }
    region = (region or "").strip() or None
    if region is not None and region not in Region.values:
        errors["region"] = _("Choose one of %(choices)s.") % {"choices": ", ".join(Region.values)}
    elif region is not None and kpi is not None and kpi.name == "sla_attainment":
        errors["region"] = _("SLA attainment cannot be narrowed by region yet.")
    try:
        period = attainment_query(
            start=start,
            end=end,
            group=group,
            channel=channel,
            tz=tz,
            default_tz=default_tz,
            now=now,
        )
    except ValidationFailed as refused:
        for name, reasons in refused.errors.items():
            errors.setdefault(name, reasons[0])
    source = (source or "").strip() or AUTO
    if source not in (AUTO, RAW, ROLLUPS):
        errors["source"] = _("Choose one of %(choices)s.") % {
            "choices": ", ".join((AUTO, RAW, ROLLUPS))
        }
    if errors:
        raise ValidationFailed(errors)
    assert kpi is not None
    return KpiQuery(kpi=kpi, period=period, group_by=key, region=region, source=source)


# --- targets -----------------------------------------------------------------------------------


def targets() -> QuerySet[KpiTarget]:
    return KpiTarget.objects.select_related("group").order_by("metric", "group__name")


def _targets_of(metric: str) -> dict[int | None, KpiTarget]:
    return {target.group_id: target for target in KpiTarget.objects.filter(metric=metric)}


# --- the report --------------------------------------------------------------------------------


def _label(key: str | None, value: Any, groups: dict[int, str]) -> str | None:
    if value is None:
        return None if key is None else _("(none)")
    if key == "group":
        return groups.get(value, str(value))
    if key == "channel" and value in Channel.values:
        return str(Channel(value).label)
    if key == "tier" and value in Tier.values:
        return str(Tier(value).label)
    if key == "hour_of_week":
        days = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
        return f"{days[value // 24]} {value % 24:02d}:00"
    return str(value)


def kpi_book(
    query: KpiQuery, *, engineer: int | None = None, now: datetime | None = None
) -> KpiBook:
    """The book that counts every ticket KPI of the query's period and scope once; pass it to
    each kpi_report of the same period and filters. With `engineer`, only that engineer's own
    work counts (their solves, first responses, actions and escalations)."""
    return KpiBook(
        replace(query.scope, engineer=engineer),
        query.period.start,
        query.period.end,
        query.period.time_zone,
        source=query.source,
        now=now,
    )


def _whole_key(group_by: str | None) -> str | None:
    return None if group_by == "week" else group_by


def _cells(query: KpiQuery, book: KpiBook) -> list[tuple[Any, str | None, Cell]]:
    """(key, series, cell) of the ticket KPIs, keys in a stable order."""
    name = query.kpi.name
    if query.group_by == "week":
        return [(monday, None, cell) for monday, cell in book.weekly(name)]
    cells: Cells = book.whole(name, query.group_by)
    if query.group_by == "age":
        return [(label, None, cells[label]) for label, _d in AGE_BUCKETS]
    hourly = query.group_by == "hour_of_week"
    return [
        (value, None, cells[value])
        for value in sorted(cells, key=lambda v: (v is None, v if hourly else str(v)))
    ]


def _sla_cells(query: KpiQuery) -> list[tuple[Any, str | None, Cell]]:
    """Attainment per SLA target as sla.attainment counts it; `met` is the SLA goal's."""
    keys = ["metric", query.group_by] if query.group_by else ["metric"]
    rows = attainment(
        start=query.period.start,
        end=query.period.end,
        group_by=keys,
        channel=query.period.channel,
        group=query.period.group,
        time_zone=query.period.zone,
    )
    column = {"group": "group_id", "channel": "channel", "week": "period"}.get(query.group_by or "")
    cells: list[tuple[Any, str | None, Cell]] = []
    for row in rows:
        cell = Cell(
            row.attainment_percent,
            row.met,
            row.total,
            {"goal_percent": row.goal_percent, "goal_met": row.goal_met},
        )
        cells.append((getattr(row, column) if column else None, row.metric, cell))
    return cells


def _survey_cells(query: KpiQuery) -> list[tuple[Any, str | None, Cell]]:
    """From the surveys app when it is installed; never invented figures."""
    if importlib.util.find_spec("tierdesk.surveys") is None or (
        importlib.util.find_spec(SURVEYS_MODULE) is None
    ):
        raise ValidationFailed(metric=_("No survey responses are recorded yet."))
    scores = getattr(importlib.import_module(SURVEYS_MODULE), "survey_scores", None)
    if scores is None:
        raise ValidationFailed(metric=_("No survey responses are recorded yet."))
    rows = scores(
        query.kpi.name,
        query.period.start,
        query.period.end,
        query.period.zone,
        query.group_by,
        {"group": query.period.group, "channel": query.period.channel, "region": query.region},
    )
    shown = ("key", "value", "numerator", "denominator")
    return [
        (
            row.get("key"),
            None,
            Cell(
                row.get("value"),
                row.get("numerator"),
                row.get("denominator"),
                {name: value for name, value in row.items() if name not in shown},
            ),
        )
        for row in rows
    ]


def kpi_report(query: KpiQuery, book: KpiBook | None = None) -> dict[str, Any]:
    """{metric, label, unit, formula, target, group_by, rows}; each row {key, label, series,
    value, numerator, denominator, met, details}. `met` compares the value with the row's
    group's target when rows are per group (else the team's, or the filtered group's), None
    without a target or a value; SLA attainment rows fall back to the SLA goal."""
    name = query.kpi.name
    source = RAW
    if name in SURVEY_KPIS:
        cells = _survey_cells(query)
    elif name == "sla_attainment":
        cells = _sla_cells(query)
    else:
        book = book or kpi_book(query)
        cells = _cells(query, book)
        source = book.answered_by(query.group_by == "week", _whole_key(query.group_by))
    by_group = _targets_of(name)
    team_target = by_group.get(query.period.group) or by_group.get(None)
    group_ids = [key for key, _s, _c in cells if query.group_by == "group" and key is not None]
    groups = dict(SkillGroup.objects.filter(pk__in=group_ids).values_list("pk", "name"))
    rows = []
    for key, series, cell in cells:
        target = team_target
        if query.group_by == "group":
            target = by_group.get(key) or by_group.get(None)
        met = target.met_by(cell.value) if target else None
        if target is None and name == "sla_attainment":
            met = cell.details.get("goal_met")
        rows.append(
            {
                "key": key.isoformat() if isinstance(key, date) else key,
                "label": _label(query.group_by, key, groups),
                "series": series,
                "value": cell.value,
                "numerator": cell.numerator,
                "denominator": cell.denominator,
                "met": met,
                "details": cell.details,
            }
        )
    return {
        "metric": name,
        "label": str(query.kpi.label),
        "unit": query.kpi.unit,
        "formula": str(query.kpi.formula),
        "target": _target_out(team_target),
        "group_by": query.group_by,
        "from": query.period.start.astimezone(query.period.zone),
        "to": query.period.end.astimezone(query.period.zone),
        "tz": query.period.time_zone,
        "source": source,
        "rows": rows,
    }


def _target_out(target: KpiTarget | None) -> dict[str, Any] | None:
    if target is None:
        return None
    return {
        "id": target.pk,
        "comparison": target.comparison,
        "value": float(target.value),
        "group": target.group_id,
    }


def definitions() -> list[dict[str, Any]]:
    """Every KPI with its formula, unit, keys and targets (the team's and each group's)."""
    by_metric: dict[str, list[dict[str, Any]]] = {}
    for target in targets():
        by_metric.setdefault(target.metric, []).append(
            {
                **(_target_out(target) or {}),
                "group_name": target.group.name if target.group else None,
            }
        )
    return [
        {
            "metric": kpi.name,
            "label": str(kpi.label),
            "unit": kpi.unit,
            "formula": str(kpi.formula),
            "group_by": list(kpi.group_by),
            "targets": by_metric.get(kpi.name, []),
        }
        for kpi in KPIS.values()
    ]


# --- an engineer's own view --------------------------------------------------------------------

# The KPIs that measure one engineer's own work, each beside the team's.
OWN_KPIS = (
    "first_response_time",
    "resolution_time",
    "mttr",
    "one_touch_rate",
    "reopen_rate",
    "escalation_rate",
    "escalation_rate_engineering",
)


def engineer_figures(
    query: KpiQuery, engineer: User, *, now: datetime | None = None
) -> dict[str, Any]:
    """The engineer's numbers beside the team's over the query's period (never other
    engineers'): counts of their work, the KPIs of OWN_KPIS, and their solves per week."""
    team, mine = kpi_book(query, now=now), kpi_book(query, engineer=engineer.pk, now=now)
    targets = {name: _targets_of(name).get(None) for name in OWN_KPIS}
    rows = []
    for name in OWN_KPIS:
        kpi = KPIS[name]
        team_cell, my_cell = team.whole(name, None)[None], mine.whole(name, None)[None]
        target = targets[name]
        rows.append(
            {
                "metric": name,
                "label": str(kpi.label),
                "unit": kpi.unit,
                "mine": my_cell,
                "team": team_cell,
                "target": _target_out(target),
                "met": target.met_by(my_cell.value) if target else None,
            }
        )
    solved = "weekly_resolution_rate"
    weeks = [
        {"week": monday, "mine": mine_cell.numerator or 0, "team": team_cell.numerator or 0}
        for (monday, mine_cell), (_m, team_cell) in zip(
            mine.weekly(solved), team.weekly(solved), strict=True
        )
    ]
    counts = {
        "solved": (
            mine.whole(solved, None)[None].numerator or 0,
            team.whole(solved, None)[None].numerator or 0,
        ),
        "handled": (
            mine.whole("escalation_rate", None)[None].denominator or 0,
            team.whole("escalation_rate", None)[None].denominator or 0,
        ),
        "first_responses": (
            mine.whole("first_response_time", None)[None].denominator or 0,
            team.whole("first_response_time", None)[None].denominator or 0,
        ),
    }
    return {"engineer": engineer, "rows": rows, "weeks": weeks, "counts": counts}
