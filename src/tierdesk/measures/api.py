"""API of measures: team KPIs as JSON, their definitions, and their targets."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from tierdesk.core.api import ErrorOut, RecordId
from tierdesk.measures import selectors, services
from tierdesk.measures.schemas import (
    DefinitionOut,
    KpiOut,
    KpiQueryIn,
    KpiTargetOut,
    TargetIn,
)
from tierdesk.sla.attainment import time_zone_for

router = Router(tags=["measures"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _target(target: Any) -> dict[str, Any]:
    return {
        "id": target.pk,
        "metric": target.metric,
        "comparison": target.comparison,
        "value": float(target.value),
        "group": target.group_id,
    }


@router.get("/kpis", response={200: KpiOut, **ERRORS}, by_alias=True, summary="A team KPI")
def kpi_read(request: HttpRequest, query: Query[KpiQueryIn]) -> Any:
    """One KPI over [from, to), computed from ticket events, as rows (one without `group_by`,
    else one per week, group, channel, ...) of value, numerator, denominator and whether the
    target is met. The formula comes with the answer. Staff only (403 for customers); 422
    names each refused parameter: an unknown `metric` lists the valid names; csat, nps and ces
    answer 422 on `metric` while no survey responses are recorded."""
    selectors.ensure_staff(request.auth)
    question = selectors.kpi_query(
        metric=query.metric,
        start=query.from_,
        end=query.to,
        group_by=query.group_by,
        group=query.group,
        channel=query.channel,
        region=query.region,
        tz=query.tz,
        default_tz=time_zone_for(request.auth),
        source=query.source,
    )
    return selectors.kpi_report(question)


@router.get(
    "/kpis/definitions", response={200: list[DefinitionOut], **ERRORS}, summary="KPI definitions"
)
def kpi_definitions(request: HttpRequest) -> Any:
    """Every KPI: name, label, unit, exact formula, keys its rows can be split by, targets."""
    selectors.ensure_staff(request.auth)
    return selectors.definitions()


@router.get("/kpis/targets", response={200: list[KpiTargetOut], **ERRORS}, summary="KPI targets")
def kpi_target_index(request: HttpRequest) -> Any:
    selectors.ensure_staff(request.auth)
    return [_target(target) for target in selectors.targets()]


@router.put("/kpis/targets", response={200: KpiTargetOut, **ERRORS}, summary="Set a KPI target")
def kpi_target_put(request: HttpRequest, payload: TargetIn) -> Any:
    """Sets the team's (no `group`) or a group's target of a KPI, replacing the one there was.
    Managers and administrators only."""
    target = services.kpi_target_set(actor=request.auth, **payload.model_dump())
    return _target(target)


@router.delete(
    "/kpis/targets/{target_id}", response={204: None, **ERRORS}, summary="Remove a KPI target"
)
def kpi_target_remove(request: HttpRequest, target_id: RecordId) -> Any:
    services.kpi_target_delete(actor=request.auth, target_id=target_id)
    return Status(204, None)
