"""API of service levels: attainment per target over a period."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from tierdesk.core.api import ErrorOut
from tierdesk.sla.attainment import (
    attainment_of,
    attainment_query,
    ensure_staff,
    time_zone_for,
)
from tierdesk.sla.schemas import AttainmentOut, AttainmentQueryIn

router = Router(tags=["sla"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


@router.get(
    "/sla/attainment",
    response={200: AttainmentOut, **ERRORS},
    by_alias=True,
    summary="SLA attainment",
)
def attainment_read(request: HttpRequest, query: Query[AttainmentQueryIn]) -> Any:
    """Per target (metric), and per `group_by` keys (channel, priority, group, policy and one of
    day, week, month), the clocks whose outcome was decided in [from, to): how many met and
    breached their target, the percentage met, the targets' goal and whether it was met, and the
    50th, 90th and 95th percentiles of the measured time of the clocks that stopped.

    A met clock is decided when it stopped; a breached one at its due time, so a ticket still
    waiting past its due time already counts as breached. Periods are in the time zone `tz`
    (an IANA name; by default the caller's own time zone, UTC when they have none): a day runs
    from midnight to midnight there, weeks start on Monday, and the answer's `tz` says which
    zone was used. `from` and `to` take dates (midnight in that zone; `to` included whole) or
    date-times with a time zone (`to` excluded); by default the last 28 days, today in that
    zone included; at most two years. Staff only (403 for customers); 422 names each refused
    parameter and why: an unknown `tz`, `to` not after `from` or too far from it, an unknown
    `group_by` value, an unknown filter value."""
    ensure_staff(request.auth)
    question = attainment_query(
        start=query.from_,
        end=query.to,
        group_by=query.group_by,
        channel=query.channel,
        priority=query.priority,
        group=query.group,
        policy=query.policy,
        metric=query.metric,
        tz=query.tz,
        default_tz=time_zone_for(request.auth),
    )
    return {
        # In the zone's own offset, so a date-only bound reads as the midnight it is.
        "from": question.start.astimezone(question.zone),
        "to": question.end.astimezone(question.zone),
        "tz": question.time_zone,
        "group_by": list(question.group_by),
        "rows": attainment_of(question),
    }
