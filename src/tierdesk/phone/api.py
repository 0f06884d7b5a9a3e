"""API of phone: the telephony system reports calls; staff list them, read one, and read the
phone SLA per queue."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from tierdesk.core.api import ErrorOut, form_files, idempotent
from tierdesk.phone import selectors, services
from tierdesk.phone.schemas import (
    CallIn,
    CallListQuery,
    CallOut,
    CallPageOut,
    StatsOut,
    StatsQuery,
)

router = Router(tags=["phone"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.post(
    "/calls",
    response={200: CallOut, 201: CallOut, **ERRORS},
    summary="Report a call",
)
@idempotent
def call_report(request: HttpRequest, payload: CallIn) -> Any:
    """Creates the call (201) or, for a `source` and `external_id` already reported, updates it
    with the fields sent (200): report a call when it rings, is answered and ends, or once when
    it is over. A new call opens a ticket with channel phone for the contact whose phone number
    matches `caller_number` (a caller nobody's number matches gets a ticket tagged
    unknown-caller), or joins the ticket named by `ticket`; a later report adds what changed to
    that ticket as an internal note. Agents, managers and administrators only (403); a call
    already reported is updated only by whoever reported it or may read its ticket (404
    otherwise, as when reading it); 422 names every refused field."""
    form_files(request, field=None)
    fields = payload.model_dump(exclude_unset=True, exclude={"source", "external_id"})
    report = services.call_report(
        actor=request.auth, source=payload.source, external_id=payload.external_id, fields=fields
    )
    return Status(
        201 if report.created else 200, selectors.call_of_report(request.auth, report.call.pk)
    )


@router.get("/calls", response={200: CallPageOut, **ERRORS}, summary="List calls")
def call_index(request: HttpRequest, query: Query[CallListQuery]) -> Any:
    """Calls, most recently offered first, a page at a time. Staff only."""
    page = selectors.call_list(
        request.auth, query.filters(), cursor=query.cursor, limit=query.limit
    )
    return {"items": page.calls, "next_cursor": page.next_cursor}


@router.get("/calls/stats", response={200: StatsOut, **ERRORS}, summary="Phone SLA")
def call_stats(request: HttpRequest, query: Query[StatsQuery]) -> Any:
    """Inbound calls offered in [since, until) per queue and in total: offered, answered,
    abandoned, the share answered within the target (20 s; 90% is the goal), average wait to
    answer and talk; and the outbound calls made. By default the last seven days. Staff only."""
    return selectors.call_stats(
        request.auth, since=query.since, until=query.until, queue=query.queue
    )


@router.get("/calls/{call_id}", response={200: CallOut, **ERRORS}, summary="Read a call")
def call_detail(request: HttpRequest, call_id: int) -> Any:
    return selectors.call_get_for_user(request.auth, call_id)
