"""API of triage: a ticket's suggestion, the active model's figures, and training on demand in
the worker."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from tierdesk.core.api import ErrorOut, RecordId, idempotent
from tierdesk.core.errors import NotFound
from tierdesk.tickets.selectors import ticket_get_for_user
from tierdesk.triage import selectors, services
from tierdesk.triage.models import TriageModel, TriageSuggestion, TriageTraining
from tierdesk.triage.schemas import ModelOut, SuggestionOut, TrainingOut

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


def training_out(training: TriageTraining) -> dict[str, Any]:
    return {
        "id": training.pk,
        "status": training.status,
        "requested_by": training.requested_by.username if training.requested_by_id else None,
        "requested_at": training.requested_at,
        "started_at": training.started_at,
        "finished_at": training.finished_at,
        "model": training.model_id,
        "errors": training.errors,
    }


@router.post("/triage/train", response={202: TrainingOut, **ERRORS}, summary="Train the model")
@idempotent
def triage_train(request: HttpRequest) -> Any:
    """Queues a training run (managers and administrators): the worker trains on the solved
    tickets and activates the new model, in seconds to a minute. Answers at once with the run;
    follow it at `GET /triage/training/{id}`. While a run is queued or running, answers with that
    run instead of queueing another."""
    training, _created = services.triage_training_request(actor=request.auth)
    return Status(202, training_out(training))


@router.get(
    "/triage/training/{training_id}",
    response={200: TrainingOut, **ERRORS},
    summary="A training run",
)
def triage_training(request: HttpRequest, training_id: RecordId) -> Any:
    """Where a training run is, and the new model's id or the reasons it failed (managers and
    administrators)."""
    return training_out(selectors.triage_training_get_for_user(request.auth, training_id))
