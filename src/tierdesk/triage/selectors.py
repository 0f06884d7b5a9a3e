"""Reads on triage: the active model's figures and the suggestion a ticket got."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tierdesk.accounts.models import User
from tierdesk.core.errors import NotFound, PermissionDenied
from tierdesk.tickets.models import Ticket
from tierdesk.triage.models import TriageModel, TriageSuggestion, TriageTraining
from tierdesk.triage.services import ROLES_WHO_TRAIN


def triage_model_active() -> TriageModel | None:
    """The model suggestions come from, without its classifier blob; None before any training."""
    return (
        TriageModel.objects.defer("blob").select_related("trained_by").filter(active=True).first()
    )


def triage_models_recent(limit: int = 5) -> list[TriageModel]:
    models = TriageModel.objects.defer("blob").select_related("trained_by")
    return list(models.order_by("-trained_at", "-id")[:limit])


def triage_model_for_user(user: User) -> TriageModel:
    """The active model's figures for staff. Raises PermissionDenied for customers and NotFound
    when no model has been trained."""
    if not user.is_support_staff:
        raise PermissionDenied(_("Triage is for the support team."))
    model = triage_model_active()
    if model is None:
        raise NotFound(_("No triage model has been trained yet."))
    return model


def may_train(user: User) -> bool:
    return user.role in ROLES_WHO_TRAIN


def _trainings() -> QuerySet[TriageTraining]:
    # The model's figures without its classifier blob, which runs to megabytes.
    return TriageTraining.objects.select_related("requested_by", "model").defer("model__blob")


def triage_training_latest() -> TriageTraining | None:
    """The most recently requested training run, with its model's figures; None before any."""
    return _trainings().order_by("-requested_at", "-id").first()


def triage_training_get_for_user(user: User, training_id: int) -> TriageTraining:
    """A training run, for managers and administrators. Raises PermissionDenied for anyone else
    and NotFound when there is no such run."""
    if not may_train(user):
        raise PermissionDenied(_("Only managers and administrators train the triage model."))
    training = _trainings().filter(pk=training_id).first()
    if training is None:
        raise NotFound(_("No such training run."))
    return training


def worst_classes(report: dict[str, Any], limit: int = 10) -> list[dict[str, Any]]:
    """The labels the model gets most wrong, lowest F1 on the held-out part first, among labels
    that occur there."""
    classes = [c for c in report.get("classes", []) if c["support"]]
    return sorted(classes, key=lambda c: (c["f1"], c["label"]))[:limit]


def suggestion_accepted(suggestion: TriageSuggestion, ticket: Ticket) -> bool:
    """Whether the engineer took the suggestion: the ticket now has the suggested type and
    product area, applied with one click or set by hand."""
    return suggestion.accepted_by_ticket(ticket.type, ticket.product_area)


def suggestion_acceptance(model: TriageModel) -> dict[str, int]:
    """How many of the model's suggestions the tickets now agree with, per target."""
    rows = TriageSuggestion.objects.filter(model=model).values_list(
        "type", "product_area", "ticket__type", "ticket__product_area"
    )
    counts = {"suggested": 0, "type_accepted": 0, "product_area_accepted": 0, "accepted": 0}
    for kind, area, ticket_kind, ticket_area in rows.iterator(chunk_size=2_000):
        counts["suggested"] += 1
        counts["type_accepted"] += kind == ticket_kind
        counts["product_area_accepted"] += area == ticket_area
        counts["accepted"] += kind == ticket_kind and area == ticket_area
    return counts
