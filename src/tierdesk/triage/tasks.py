"""Background work of triage, run by the worker."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tierdesk.core.errors import ValidationFailed
from tierdesk.triage.services import triage_train

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="17", hour="2"))
def retrain_triage_model() -> int | None:
    """Retrains every night on the day's newly solved tickets too; returns the new model's id, or
    None while the desk has too little to learn from (the active model, if any, stays)."""
    try:
        model = triage_train()
    except ValidationFailed as refusal:
        log.info("Triage model not retrained: %s", refusal)
        return None
    log.info(
        "Triage model %d trained: type %.1f%%, product area %.1f%% on %d held-out tickets.",
        model.pk,
        model.type_accuracy * 100,
        model.product_area_accuracy * 100,
        model.held_out_tickets,
    )
    return model.pk
