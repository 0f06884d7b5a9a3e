"""Training the triage model on the desk's solved tickets, and predicting a new ticket's type and
product area with it."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from tierdesk.accounts.choices import Role
from tierdesk.accounts.models import User
from tierdesk.core.errors import PermissionDenied, ValidationFailed
from tierdesk.tickets.choices import MessageKind, Status
from tierdesk.tickets.models import Message, Ticket
from tierdesk.triage.choices import PENDING_STATUSES, TrainingStatus
from tierdesk.triage.classifier import TextClassifier
from tierdesk.triage.models import TriageModel, TriageSuggestion, TriageTraining

# What the model predicts, by the Ticket field each target is named after.
TARGETS = ("type", "product_area")
# Fewer solved tickets than this teach nothing worth suggesting.
MIN_TRAINING_TICKETS = 50
# The most recently solved tickets are enough to learn from (older ones describe an older
# product), and the cap bounds a training run: about 3 ms per ticket of subject and first
# message on two cores, so some 45 s at the cap.
MAX_TRAINING_TICKETS = 15_000
# Tickets whose number ends in this remainder modulo HOLD_OUT_MODULUS (every fifth) are held out
# for the accuracy report: a fixed choice, so two runs on the same tickets compare.
HOLD_OUT_MODULUS = 5
# Earlier models kept for comparison; older blobs are deleted.
MODELS_KEPT = 5
# Of the subject and message, the first characters carry the request.
TEXT_MAX_CHARS = 2_000
ROLES_WHO_TRAIN = frozenset({Role.MANAGER, Role.ADMIN})
# A run still queued or running this long after it was queued or started was lost (the worker
# stopped, or its queue was emptied): far beyond the minute training takes at the cap, and
# beyond any wait behind other work. The next request fails it and queues a new run.
TRAINING_ABANDONED_AFTER = timedelta(minutes=30)
# Finished runs kept for the page and the API; older records are deleted.
TRAININGS_KEPT = 50


@dataclass(frozen=True)
class TriagePrediction:
    """The model's guess for one ticket, each with a confidence between 0 and 1."""

    type: str
    type_confidence: float
    product_area: str
    product_area_confidence: float


def ticket_triage_text(subject: str, body: str) -> str:
    """The text the model reads for a ticket: its subject, then its first public message."""
    return f"{subject.strip()}\n{body.strip()}"[:TEXT_MAX_CHARS]


# --- the active model, cached per process -------------------------------------------------------


class _ActiveModel:
    """The active classifier of this process. Each use asks the database for the active model's
    id (one row of a partial index) and loads the blob only when that id changed, so a model
    activated by the worker or another web process takes over at the next prediction."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._id: int | None = None
        self._classifier: TextClassifier | None = None

    def get(self) -> tuple[int, TextClassifier] | None:
        # Unordered: the partial unique index on `active` answers with its single row.
        active = TriageModel.objects.filter(active=True).order_by().values_list("id", flat=True)
        active_id = next(iter(active[:1]), None)
        if active_id is None:
            return None
        with self._lock:
            if active_id != self._id:
                blob = TriageModel.objects.filter(id=active_id).values_list("blob", flat=True)
                stored = blob.first()
                if stored is None:  # deactivated between the two queries
                    return None
                self._classifier = TextClassifier.from_bytes(bytes(stored))
                self._id = active_id
            assert self._classifier is not None
            return self._id, self._classifier

    def forget(self) -> None:
        with self._lock:
            self._id, self._classifier = None, None


_active = _ActiveModel()


def triage_predict_many(texts: Sequence[str]) -> list[TriagePrediction] | None:
    """One prediction per text (see ticket_triage_text), in order; None when no model is active.

    Batches are much faster per text than single calls: the features of all texts are built in
    one pass.
    """
    loaded = _active.get()
    if loaded is None:
        return None
    _, classifier = loaded
    answers = classifier.predict_targets(texts)
    return [
        TriagePrediction(
            type=kind.label,
            type_confidence=kind.confidence,
            product_area=area.label,
            product_area_confidence=area.confidence,
        )
        for kind, area in zip(answers["type"], answers["product_area"], strict=True)
    ]


def _first_public_body(ticket: Ticket) -> str:
    body = (
        Message.objects.filter(ticket=ticket, kind=MessageKind.PUBLIC)
        .order_by("created_at", "id")
        .values_list("body_text", flat=True)
        .first()
    )
    return body or ""


@transaction.atomic
def triage_suggest(ticket: Ticket) -> TriageSuggestion | None:
    """Predicts the ticket's type and product area from its subject and first public message,
    stores the suggestion (replacing an earlier one) and returns it; None when no model is active.
    """
    loaded = _active.get()
    if loaded is None:
        return None
    model_id, classifier = loaded
    text = ticket_triage_text(ticket.subject, _first_public_body(ticket))
    answers = classifier.predict_targets([text])
    kind, area = answers["type"][0], answers["product_area"][0]
    suggestion, _created = TriageSuggestion.objects.update_or_create(
        ticket=ticket,
        defaults={
            "model_id": model_id,
            "type": kind.label,
            "type_confidence": kind.confidence,
            "product_area": area.label,
            "product_area_confidence": area.confidence,
            "created_at": timezone.now(),
            "applied_at": None,
            "applied_by": None,
        },
    )
    return suggestion


@transaction.atomic
def triage_suggest_many(
    tickets: Sequence[Ticket], texts: Sequence[str]
) -> list[TriageSuggestion] | None:
    """triage_suggest for many tickets at once: one prediction call for all, the suggestions
    stored in one insert (replacing earlier ones). `texts` are the tickets' ticket_triage_text,
    in the same order. Returns the suggestions in that order; None when no model is active."""
    loaded = _active.get()
    if loaded is None:
        return None
    if not tickets:
        return []
    model_id, classifier = loaded
    answers = classifier.predict_targets(list(texts))
    now = timezone.now()
    suggestions = [
        TriageSuggestion(
            ticket=ticket,
            model_id=model_id,
            type=kind.label,
            type_confidence=kind.confidence,
            product_area=area.label,
            product_area_confidence=area.confidence,
            created_at=now,
        )
        for ticket, kind, area in zip(
            tickets, answers["type"], answers["product_area"], strict=True
        )
    ]
    TriageSuggestion.objects.filter(ticket__in=[t.pk for t in tickets]).delete()
    return TriageSuggestion.objects.bulk_create(suggestions)


def triage_suggestion_for(ticket: Ticket) -> TriageSuggestion | None:
    """The ticket's suggestion from the active model, made now if it has none or an older model
    made it; None when no model is active."""
    loaded = _active.get()
    if loaded is None:
        return None
    existing = TriageSuggestion.objects.filter(ticket=ticket).first()
    if existing is not None and existing.model_id == loaded[0]:
        return existing
    return triage_suggest(ticket)


def triage_suggestion_apply(*, actor: User, ticket: Ticket) -> Ticket:
    """Sets the ticket's type and product area to its suggestion, through ticket_update (so the
    changes are events like any other), and records who applied it.

    Raises ValidationFailed when the ticket has no suggestion, and what ticket_update raises.
    """
    from tierdesk.tickets.services import ticket_update

    suggestion = TriageSuggestion.objects.filter(ticket=ticket).first()
    if suggestion is None:
        raise ValidationFailed(suggestion=_("This ticket has no triage suggestion."))
    with transaction.atomic():
        ticket = ticket_update(
            actor=actor,
            ticket=ticket,
            changes={"type": suggestion.type, "product_area": suggestion.product_area},
        )
        suggestion.applied_at = timezone.now()
        suggestion.applied_by = actor
        suggestion.save(update_fields=["applied_at", "applied_by"])
    return ticket


# --- training -----------------------------------------------------------------------------------


class _Row(NamedTuple):
    """A solved ticket as training reads it."""

    number: int
    text: str
    type: str
    product_area: str


def _training_rows() -> list[_Row]:
    """The most recently solved or closed tickets, newest first."""
    first_body = (
        Message.objects.filter(ticket=OuterRef("pk"), kind=MessageKind.PUBLIC)
        .order_by("created_at", "id")
        .values("body_text")[:1]
    )
    rows = (
        Ticket.objects.filter(status__in=[Status.SOLVED, Status.CLOSED], merged_into__isnull=True)
        .order_by("-solved_at", "-number")
        .annotate(first_body=Subquery(first_body))
        .values_list("number", "subject", "first_body", "type", "product_area")[
            :MAX_TRAINING_TICKETS
        ]
    )
    return [
        _Row(number, ticket_triage_text(subject, body or ""), kind, area)
        for number, subject, body, kind, area in rows.iterator(chunk_size=5_000)
    ]


def _check_trainable(train: list[_Row], held: list[_Row]) -> None:
    total = len(train) + len(held)
    if total < MIN_TRAINING_TICKETS:
        raise ValidationFailed(
            tickets=_("%(count)d solved tickets; at least %(minimum)d are needed to train on.")
            % {"count": total, "minimum": MIN_TRAINING_TICKETS}
        )
    errors: dict[str, str] = {}
    for field in TARGETS:
        labels = {getattr(row, field) for row in train if getattr(row, field)}
        if len(labels) < 2:
            errors[field] = _(
                "The solved tickets trained on have %(count)d different values; "
                "at least 2 are needed."
            ) % {"count": len(labels)}
        elif not any(getattr(row, field) for row in held):
            errors[field] = _("No held-out solved ticket has a value to measure accuracy on.")
    if errors:
        raise ValidationFailed(errors)


def _held_out_report(truth: list[str], predicted: list[str]) -> dict[str, Any]:
    labels = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(
            f1_score(truth, predicted, labels=sorted(set(truth)), average="macro", zero_division=0)
        ),
        "held_out": len(truth),
        "classes": [
            {
                "label": label,
                "precision": float(p),
                "recall": float(r),
                "f1": float(f),
                "support": int(s),
            }
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        ],
    }


def _check_may_train(actor: User | None) -> None:
    if actor is not None and actor.role not in ROLES_WHO_TRAIN:
        raise PermissionDenied(_("Only managers and administrators train the triage model."))


def triage_train(
    *,
    now: datetime | None = None,
    actor: User | None = None,
    training: TriageTraining | None = None,
) -> TriageModel:
    """Trains type and product area on the desk's solved and closed tickets, measures them on a
    held-out fifth (tickets whose number is a multiple of 5), then stores the model and makes it
    the active one. The model in use is the one measured: it never saw the held-out tickets.

    Runs for as long as training takes (up to a minute): people ask for it through
    triage_training_request, which has the worker do it; `tierdesk triage train` calls it
    directly. `training` is the run being carried out, marked succeeded with the new model in
    the same transaction that stores it.

    `actor` None is the worker's schedule; a person must be a manager or an administrator.
    Raises ValidationFailed naming the reason (`tickets`, `type`, `product_area`) when there are
    too few solved tickets or too few different values to learn from; nothing changes then.
    """
    _check_may_train(actor)
    started = time.perf_counter()
    rows = _training_rows()
    held = [row for row in rows if row.number % HOLD_OUT_MODULUS == 0]
    train = [row for row in rows if row.number % HOLD_OUT_MODULUS != 0]
    _check_trainable(train, held)

    # Training takes seconds to minutes and holds no lock: only the final write is a transaction.
    classifier = TextClassifier().fit_targets(
        [row.text for row in train],
        {target: [getattr(row, target) for row in train] for target in TARGETS},
    )
    answers = classifier.predict_targets([row.text for row in held])
    report: dict[str, Any] = {}
    for target in TARGETS:
        pairs = [
            (getattr(row, target), answer.label)
            for row, answer in zip(held, answers[target], strict=True)
            if getattr(row, target)
        ]
        report[target] = _held_out_report([t for t, _p in pairs], [p for _t, p in pairs])
        report[target]["labels"] = classifier.classes(target)
    seconds = time.perf_counter() - started
    return _store(classifier, report, train, held, now, actor, seconds, training)


@transaction.atomic
def _store(
    classifier: TextClassifier,
    report: dict[str, Any],
    train: list[_Row],
    held: list[_Row],
    now: datetime | None,
    actor: User | None,
    seconds: float,
    training: TriageTraining | None,
) -> TriageModel:
    TriageModel.objects.filter(active=True).update(active=False)
    model = TriageModel.objects.create(
        trained_at=now or timezone.now(),
        trained_by=actor,
        blob=classifier.to_bytes(),
        training_tickets=len(train),
        held_out_tickets=len(held),
        type_accuracy=report["type"]["accuracy"],
        type_macro_f1=report["type"]["macro_f1"],
        product_area_accuracy=report["product_area"]["accuracy"],
        product_area_macro_f1=report["product_area"]["macro_f1"],
        report=report,
        seconds=round(seconds, 3),
        active=True,
    )
    # This process uses the new model at once; the others notice its id at their next prediction.
    _active.forget()
    kept = TriageModel.objects.order_by("-trained_at", "-id").values_list("id", flat=True)
    TriageModel.objects.filter(id__in=list(kept[MODELS_KEPT:])).delete()
    if training is not None:
        TriageTraining.objects.filter(pk=training.pk).update(
            status=TrainingStatus.SUCCEEDED, finished_at=timezone.now(), model=model, errors=[]
        )
    return model


# --- training in the worker -----------------------------------------------------------------


def _abandoned(training: TriageTraining, now: datetime) -> bool:
    since = training.started_at or training.requested_at
    return now - since > TRAINING_ABANDONED_AFTER


def _enqueue(training_id: int) -> None:
    # Imported here: tasks imports this module.
    from tierdesk.triage.tasks import train_triage_model

    train_triage_model(training_id)


def _reason(field: str, reason: str) -> dict[str, str]:
    return {"field": field, "reason": reason}


def _pending_training(*, lock: bool) -> TriageTraining | None:
    """The run queued or running, if any. Locked (on PostgreSQL) so that two requests cannot both
    fail it as abandoned; when there is none, nothing can be locked, and the partial unique index
    refuses all but one of two concurrent inserts."""
    pending = TriageTraining.objects.filter(status__in=PENDING_STATUSES).order_by("id")
    if lock:
        pending = pending.select_for_update()
    return pending.first()


def _training_fail(training_id: int, errors: list[dict[str, str]], now: datetime) -> None:
    TriageTraining.objects.filter(pk=training_id).update(
        status=TrainingStatus.FAILED, finished_at=now, errors=errors
    )


def _trainings_prune() -> None:
    finished = TriageTraining.objects.exclude(status__in=PENDING_STATUSES)
    old = finished.order_by("-requested_at", "-id").values_list("id", flat=True)[TRAININGS_KEPT:]
    TriageTraining.objects.filter(id__in=list(old)).delete()


def triage_training_request(
    *, actor: User | None, now: datetime | None = None, enqueue: bool = True
) -> tuple[TriageTraining, bool]:
    """Records a request to train and, once the transaction commits, queues it for the worker;
    returns the new run (queued) and True. While a run is queued or running, returns that run
    and False and queues nothing, so a second click or a retried request does not train twice.

    A pending run the worker has not finished within TRAINING_ABANDONED_AFTER is marked failed
    first, and a new one is queued in its place. `actor` None is the worker's schedule, which
    carries out the run itself (`enqueue` False, then triage_training_run). Raises
    PermissionDenied unless the actor is a manager or an administrator.
    """
    _check_may_train(actor)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            pending = _pending_training(lock=True)
            if pending is not None:
                if not _abandoned(pending, now):
                    return pending, False
                reason = _("The worker did not finish this training within %(minutes)d minutes.")
                minutes = int(TRAINING_ABANDONED_AFTER.total_seconds() // 60)
                _training_fail(pending.pk, [_reason("worker", reason % {"minutes": minutes})], now)
            training = TriageTraining.objects.create(requested_by=actor, requested_at=now)
            _trainings_prune()
            if enqueue:
                training_id = training.pk
                transaction.on_commit(lambda: _enqueue(training_id))
    except IntegrityError:
        # Another request queued a run between this one's read and its insert.
        pending = _pending_training(lock=False)
        if pending is None:
            raise
        return pending, False
    return training, True


def triage_training_run(training_id: int) -> TriageTraining | None:
    """Carries out a queued run, in the worker: trains as the person who asked (see
    triage_train), then records the new model, or the reasons it made none, in the run. Returns
    the run as it ended; None when the run is not queued (already carried out, or failed as
    abandoned), so a task delivered twice trains once.

    The reasons are in the language of the person who asked. An unexpected error fails the run
    and is raised again for the worker's log.
    """
    started = timezone.now()
    claimed = TriageTraining.objects.filter(pk=training_id, status=TrainingStatus.QUEUED).update(
        status=TrainingStatus.RUNNING, started_at=started
    )
    if not claimed:
        return None
    training = TriageTraining.objects.select_related("requested_by").get(pk=training_id)
    actor = training.requested_by
    language = actor.language if actor is not None else translation.get_language()
    with translation.override(language):
        try:
            triage_train(actor=actor, training=training)
        except ValidationFailed as refusal:
            _training_fail(training_id, refusal.as_list(), timezone.now())
        except PermissionDenied as refusal:
            _training_fail(training_id, [_reason("requested_by", str(refusal))], timezone.now())
        except Exception:
            reason = _("Training stopped on an unexpected error; the worker's log has the details.")
            _training_fail(training_id, [_reason("worker", reason)], timezone.now())
            raise
    training.refresh_from_db()
    return training
