"""Console pages of triage: applying a ticket's suggestion, and the model page for managers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tierdesk.core.errors import PermissionDenied, ValidationFailed
from tierdesk.tickets.choices import ProductArea, TicketType
from tierdesk.triage import selectors, services
from tierdesk.web.decorators import staff_required, ticket_or_404

TARGET_NAMES = {"type": TicketType, "product_area": ProductArea}


def _reasons(error: ValidationFailed | PermissionDenied) -> str:
    if isinstance(error, ValidationFailed):
        return " ".join(item["reason"] for item in error.as_list())
    return str(error)


@staff_required
@require_POST
def suggestion_apply(request: HttpRequest, number: int) -> HttpResponse:
    """Sets the ticket's type and product area to the suggestion, then back to the ticket."""
    ticket = ticket_or_404(request, number)
    try:
        services.triage_suggestion_apply(actor=request.user, ticket=ticket)
    except (ValidationFailed, PermissionDenied) as error:
        messages.error(request, _reasons(error))
    else:
        messages.success(request, _("Suggestion applied."))
    return redirect("tickets:detail", number=ticket.number)


def _targets(model) -> list[dict]:
    targets = []
    for key, choices in TARGET_NAMES.items():
        figures = model.report.get(key, {})
        names = dict(choices.choices)
        worst = [
            {**row, "name": str(names.get(row["label"], row["label"]))}
            for row in selectors.worst_classes(figures)
        ]
        targets.append(
            {
                "key": key,
                "title": _("Type") if key == "type" else _("Product area"),
                "accuracy": figures.get("accuracy", 0.0),
                "macro_f1": figures.get("macro_f1", 0.0),
                "held_out": figures.get("held_out", 0),
                "worst": worst,
            }
        )
    return targets


def _wants_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


@staff_required
@require_GET
def model_page(request: HttpRequest) -> HttpResponse:
    """The active model's figures on its held-out tickets, the weakest labels, earlier runs, the
    latest training run and "train now"; for managers and administrators. While a run is queued
    or running the page asks again every few seconds (htmx gets the page's body alone), so the
    new model shows when it is done."""
    if not selectors.may_train(request.user):
        raise PageForbidden(_("Only managers and administrators see the triage model."))
    model = selectors.triage_model_active()
    context = {
        "model": model,
        "targets": _targets(model) if model else [],
        "acceptance": selectors.suggestion_acceptance(model) if model else None,
        "history": selectors.triage_models_recent(),
        "training": selectors.triage_training_latest(),
        "minimum": services.MIN_TRAINING_TICKETS,
        "tools_view": "triage",
    }
    template = "triage/_model_body.html" if _wants_partial(request) else "triage/model.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@staff_required
@require_POST
def model_train(request: HttpRequest) -> HttpResponse:
    """Queues a training run for the worker (or finds the one already queued or running), then
    back to the model page, which shows how the run goes."""
    try:
        _training, created = services.triage_training_request(actor=request.user)
    except PermissionDenied as error:
        messages.error(request, _reasons(error))
    else:
        if created:
            messages.success(
                request, _("Training started; this page shows the new model when it is done.")
            )
        else:
            messages.info(
                request,
                _("Training is already under way; this page shows the new model when it is done."),
            )
    return redirect("triage:model")
