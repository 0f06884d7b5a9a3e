"""Console page of phone: the phone SLA per queue over a period, and the recent calls."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tierdesk.core.errors import ValidationFailed
from tierdesk.phone import selectors
from tierdesk.phone.choices import Outcome
from tierdesk.phone.selectors import CallFilters
from tierdesk.web.decorators import staff_required

PERIODS = (1, 7, 30)
DEFAULT_DAYS = 7
PAGE_SIZE = 50


@staff_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    """The stats of the last 1, 7 or 30 days per queue, and the calls of that period, newest
    first, filtered by queue and outcome, a page at a time."""
    try:
        days = int(request.GET.get("days", DEFAULT_DAYS))
    except ValueError:
        days = DEFAULT_DAYS
    if days not in PERIODS:
        days = DEFAULT_DAYS
    until = timezone.now()
    since = until - timedelta(days=days)
    queue = request.GET.get("queue") or None
    outcome = request.GET.get("outcome") or None
    if outcome not in Outcome.values:
        outcome = None
    stats = selectors.call_stats(request.user, since=since, until=until)
    filters = CallFilters(since=since, until=until, queue=queue, outcome=outcome)
    try:
        page = selectors.call_list(
            request.user, filters, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE
        )
    except ValidationFailed:
        page = selectors.call_list(request.user, filters, limit=PAGE_SIZE)
    context = {
        "stats": stats,
        "page": page,
        "days": days,
        "periods": PERIODS,
        "queue": queue,
        "outcome": outcome,
        "outcomes": Outcome.choices,
        "tools_view": "phone",
    }
    return render(request, "phone/console.html", context)
