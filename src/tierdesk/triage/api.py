"""API of triage: a ticket's suggestion, the active model's figures, and training on demand."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from tierdesk.core.api import ErrorOut, idempotent
from tierdesk.core.errors import NotFound
from tierdesk.tickets.selectors import ticket_get_for_user
from tierdesk.triage import selectors, services
from tierdesk.triage.models import TriageModel, TriageSuggestion
from tierdesk.triage.schemas import ModelOut, SuggestionOut

router = Router(tags=["triage"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def suggestion_out(suggestion: TriageSuggestion) -> dict[str, Any]:
    ticket = suggestion.ticket
    return {
        "ticket": ticket.number,
        "type": suggestion.type,
        "type_confidence": suggestion.type_confidence,
        "product_area": suggestion.product_area,
        "product_area_confidence": suggestion.product_area_confidence,
        "model": suggestion.model_id,
        "created_at": suggestion.created_at,
        "applied_at": suggestion.applied_at,
        "accepted": selectors.suggestion_accepted(suggestion, ticket),
    }


def model_out(model: TriageModel) -> dict[str, Any]:
    return {
        "id": model.pk,
        "trained_at": model.trained_at,
        "trained_by": model.trained_by.username if model.trained_by_id else None,
        "active": model.active,
        "training_tickets": model.training_tickets,
        "held_out_tickets": model.held_out_tickets,
        "seconds": model.seconds,
        "type": model.report["type"],
        "product_area": model.report["product_area"],
    }


@router.get(
    "/tickets/{number}/triage",
    response={200: SuggestionOut, **ERRORS},
    summary="A ticket's triage suggestion",
)
def ticket_triage(request: HttpRequest, number: int) -> Any:
    """The type and product area the active model suggests for the ticket, with confidences
    (made now if the ticket has none from the active model). Staff only: customers get 404, as
    for any ticket data they may not see; 404 too when no model has been trained."""
    actor = request.auth
    if actor.is_customer:
        raise NotFound(_("No such ticket."))
    ticket = ticket_get_for_user(actor, number)
    suggestion = services.triage_suggestion_for(ticket)
    if suggestion is None:
        raise NotFound(_("No triage model has been trained yet."))
    suggestion.ticket = ticket
    return suggestion_out(suggestion)


@router.get("/triage/model", response={200: ModelOut, **ERRORS}, summary="The active model")
def triage_model(request: HttpRequest) -> Any:
    """The active model's figures on its held-out tickets, per target and label. Staff only;
    404 when no model has been trained."""
    return model_out(selectors.triage_model_for_user(request.auth))


@router.post("/triage/train", response={201: ModelOut, **ERRORS}, summary="Train the model")
@idempotent
def triage_train(request: HttpRequest) -> Any:
    """Trains on the solved tickets now and activates the new model (managers and
    administrators). Takes seconds to a minute. 422 names the reason when there is too little to
    learn from: `tickets`, `type` or `product_area`."""
    model = services.triage_train(actor=request.auth)
    return Status(201, model_out(model))
