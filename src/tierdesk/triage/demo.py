"""The demo desk's triage model, trained on the demo's solved tickets. Idempotent: a desk that
already has an active model keeps it."""

from __future__ import annotations

import logging

from tierdesk.core.errors import ValidationFailed
from tierdesk.triage.models import TriageModel
from tierdesk.triage.services import triage_train

log = logging.getLogger(__name__)


def seed_triage_demo() -> None:
    """Trains and activates a model unless one is active; a desk seeded with too few solved
    tickets gets none (the ticket page then shows no suggestion) and the reason is logged."""
    if TriageModel.objects.filter(active=True).exists():
        return
    try:
        model = triage_train()
    except ValidationFailed as refusal:
        log.warning("No demo triage model: %s", refusal)
        return
    log.info(
        "Demo triage model trained on %d tickets: type %.1f%%, product area %.1f%%.",
        model.training_tickets,
        model.type_accuracy * 100,
        model.product_area_accuracy * 100,
    )
