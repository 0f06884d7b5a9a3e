"""The console's work pages: my portfolio, my groups' queue (claim from it), the escalations
waiting for me, and releasing a ticket back to its queue. Staff only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tierdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from tierdesk.escalations.services import is_managing
from tierdesk.queues import selectors
from tierdesk.queues.selectors import WorkPage
from tierdesk.queues.services import queue_claim
from tierdesk.tickets.services import ticket_release
from tierdesk.web.decorators import staff_required, ticket_or_404

PAGE_SIZE = 50


def _refusal(error: ValidationFailed | PermissionDenied | Conflict) -> str:
    if isinstance(error, ValidationFailed):
        return " ".join(item["reason"] for item in error.as_list())
    return str(error)


def _page(request: HttpRequest, read: Callable[[str | None], WorkPage]) -> tuple[WorkPage, bool]:
    """The page the cursor names, or the first page with `True` when the cursor is not one
    this list gave out (an old bookmark)."""
    cursor = request.GET.get("cursor") or None
    try:
        return read(cursor), False
    except ValidationFailed:
        return read(None), True


def _render(
    request: HttpRequest, template: str, view: str, context: dict[str, Any]
) -> HttpResponse:
    return render(request, template, {"work_view": view, "page_size": PAGE_SIZE, **context})


@staff_required
@require_GET
def portfolio(request: HttpRequest) -> HttpResponse:
    """The unsolved tickets I hold, those whose customer answered first."""
    page, cursor_error = _page(
        request,
        lambda cursor: selectors.portfolio_tickets(request.user, cursor=cursor, limit=PAGE_SIZE),
    )
    return _render(
        request,
        "queues/portfolio.html",
        "portfolio",
        # Complaints and incidents a manager owns are not held by them: linked, not listed.
        {"page": page, "cursor_error": cursor_error, "owns_escalations": is_managing(request.user)},
    )


@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The tickets nobody holds in my queues, one group's, the tickets in no group, or all of
    them, in the order to take them, each with a claim button."""
    reference = request.GET.get("group") or None
    queue = selectors.queue_get_for_user(request.user, reference) if reference else None
    overview = selectors.queues_visible_to(request.user)
    page, cursor_error = _page(
        request,
        lambda cursor: selectors.queue_tickets(request.user, queue, cursor=cursor, limit=PAGE_SIZE),
    )
    ungrouped = isinstance(queue, selectors.NoGroup)
    return _render(
        request,
        "queues/queue.html",
        "queue",
        {
            # `group` is the group whose tab is open; `queue_ref` is what `?group=` names.
            "group": None if ungrouped else queue,
            "ungrouped_open": ungrouped,
            "queue_ref": selectors.UNGROUPED if ungrouped else getattr(queue, "pk", ""),
            "ungrouped_name": selectors.UNGROUPED,
            "summaries": overview.groups,
            "ungrouped": overview.ungrouped,
            "total": overview.total,
            "page": page,
            "cursor_error": cursor_error,
        },
    )


@staff_required
@require_GET
def escalated(request: HttpRequest) -> HttpResponse:
    """Escalations waiting for my tier and group, and those I accepted and still hold."""
    page, cursor_error = _page(
        request,
        lambda cursor: selectors.escalated_to(request.user, cursor=cursor, limit=PAGE_SIZE),
    )
    return _render(
        request,
        "queues/escalated.html",
        "escalated",
        {"page": page, "cursor_error": cursor_error},
    )


def _back_to_queue(request: HttpRequest) -> HttpResponse:
    url = reverse("queues:queue")
    group = request.POST.get("group")
    return redirect(f"{url}?{urlencode({'group': group})}" if group else url)


@staff_required
@require_POST
def claim(request: HttpRequest, number: int) -> HttpResponse:
    """Claims a ticket from the queue and opens it; a refusal (someone was quicker, or the
    ticket is in a group I am not in) stays on the queue with the reason."""
    ticket = ticket_or_404(request, number)
    try:
        queue_claim(actor=request.user, ticket=ticket)
    except (ValidationFailed, PermissionDenied, Conflict) as error:
        messages.error(request, _refusal(error))
        return _back_to_queue(request)
    messages.success(request, _("The ticket is yours."))
    return redirect("tickets:detail", number=ticket.number)


@staff_required
@require_POST
def release(request: HttpRequest, number: int) -> HttpResponse:
    """Puts the ticket back in its group's queue, from its page."""
    ticket = ticket_or_404(request, number)
    try:
        ticket_release(actor=request.user, ticket=ticket)
    except (ValidationFailed, PermissionDenied, Conflict) as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, _("The ticket is back in its group's queue."))
    return redirect("tickets:detail", number=ticket.number)
