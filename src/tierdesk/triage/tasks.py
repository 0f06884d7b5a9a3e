"""Background work of triage, run by the worker: training asked for on the page or the API, and
the nightly retraining."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tierdesk.triage.models import TriageModel
from tierdesk.triage.services import triage_training_request, triage_training_run

log = logging.getLogger(__name__)


@db_task()
def train_triage_model(training_id: int) -> int | None:
    """Carries out a queued training run; returns the new model's id, or None when the run
    failed (its reasons are on the run) or was already carried out. Not retried: a failed run
    says why, and the person asks again."""
    training = triage_training_run(training_id)
    return training.model_id if training is not None else None


@db_periodic_task(crontab(minute="17", hour="2"))
def retrain_triage_model() -> int | None:
    """Retrains every night on the day's newly solved tickets too, recorded as a run without a
    person; returns the new model's id, or None while the desk has too little to learn from
    (the active model, if any, stays) or while a requested run is still pending."""
    training, created = triage_training_request(actor=None, enqueue=False)
    if not created:
        log.info("Triage model not retrained: training %d is still pending.", training.pk)
        return None
    done = triage_training_run(training.pk)
    if done is None or done.model_id is None:
        log.info("Triage model not retrained: %s", done.error if done else "run not queued")
        return None
    model = TriageModel.objects.defer("blob").get(pk=done.model_id)
    log.info(
        "Triage model %d trained: type %.1f%%, product area %.1f%% on %d held-out tickets.",
        model.pk,
        model.type_accuracy * 100,
        model.product_area_accuracy * 100,
        model.held_out_tickets,
    )
    return model.pk
