"""Training in the worker: a request records a run and queues it, one run at a time; the worker
carries it out once and records the new model or the reasons it made none."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from tierdesk.core.errors import PermissionDenied, ValidationFailed
from tierdesk.triage import services
from tierdesk.triage.choices import TrainingStatus
from tierdesk.triage.classifier import TextClassifier
from tierdesk.triage.models import TriageModel, TriageTraining
from tierdesk.triage.services import triage_training_request, triage_training_run
from tierdesk.triage.tests.conftest import make_solved_tickets


def test_a_request_records_a_queued_run_and_queues_it_once_committed(
    solved_tickets, manager, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        training, created = triage_training_request(actor=manager)
        assert queued == []

    assert created is True
    assert queued == [training.pk]
    training.refresh_from_db()
    assert training.status == TrainingStatus.QUEUED
    assert training.requested_by == manager and training.requested_at is not None
    assert training.started_at is None and training.finished_at is None
    assert not TriageModel.objects.exists()


def test_the_worker_trains_and_records_the_new_model(
    solved_tickets, manager, immediate_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        training, _created = triage_training_request(actor=manager)

    training.refresh_from_db()
    model = TriageModel.objects.get(active=True)
    assert training.status == TrainingStatus.SUCCEEDED
    assert training.model == model and model.trained_by == manager
    assert training.started_at <= training.finished_at
    assert training.errors == []


def test_a_second_request_while_one_is_pending_gets_the_pending_run(
    solved_tickets, manager, admin_user, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, _created = triage_training_request(actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        again, created = triage_training_request(actor=admin_user)

    assert created is False and again.pk == first.pk
    assert queued == [first.pk]
    assert TriageTraining.objects.count() == 1


def test_a_running_run_is_pending_too(solved_tickets, manager, queued):
    first, _created = triage_training_request(actor=manager)
    TriageTraining.objects.filter(pk=first.pk).update(
        status=TrainingStatus.RUNNING, started_at=timezone.now()
    )

    again, created = triage_training_request(actor=manager)

    assert created is False and again.pk == first.pk


def test_a_new_run_may_be_requested_once_the_last_one_ended(solved_tickets, manager, queued):
    first, _created = triage_training_request(actor=manager)
    triage_training_run(first.pk)

    second, created = triage_training_request(actor=manager)

    assert created is True and second.pk != first.pk
    assert second.status == TrainingStatus.QUEUED


def test_a_request_that_loses_the_race_gets_the_run_that_won(
    solved_tickets, manager, queued, monkeypatch
):
    winner, _created = triage_training_request(actor=manager)
    # As if the other request inserted between this one's read and its insert.
    real = services._pending_training
    monkeypatch.setattr(
        services, "_pending_training", lambda *, lock: None if lock else real(lock=lock)
    )

    training, created = triage_training_request(actor=manager)

    assert created is False and training.pk == winner.pk
    assert TriageTraining.objects.count() == 1


def test_the_database_holds_one_pending_run_at_most(db, manager):
    now = timezone.now()
    TriageTraining.objects.create(requested_by=manager, requested_at=now)
    TriageTraining.objects.create(requested_at=now, status=TrainingStatus.FAILED)

    with pytest.raises(IntegrityError), transaction.atomic():
        TriageTraining.objects.create(requested_at=now, status=TrainingStatus.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        TriageTraining.objects.create(requested_at=now)


def test_a_run_the_worker_lost_is_failed_and_a_new_one_queued(
    solved_tickets, manager, queued, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with (
        time_machine.travel(start, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        lost, _created = triage_training_request(actor=manager)
    late = start + services.TRAINING_ABANDONED_AFTER + timedelta(seconds=1)

    with (
        time_machine.travel(late, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        fresh, created = triage_training_request(actor=manager)

    lost.refresh_from_db()
    assert created is True and fresh.pk != lost.pk
    assert lost.status == TrainingStatus.FAILED and lost.finished_at == late
    assert "did not finish" in lost.error
    assert queued == [lost.pk, fresh.pk]


def test_a_pending_run_within_the_limit_is_not_abandoned(solved_tickets, manager, queued):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first, _created = triage_training_request(actor=manager)

    with time_machine.travel(start + services.TRAINING_ABANDONED_AFTER, tick=False):
        again, created = triage_training_request(actor=manager)

    assert created is False and again.pk == first.pk


def test_too_little_to_learn_from_fails_the_run_with_the_reasons(db, manager, queued):
    training, _created = triage_training_request(actor=manager)

    done = triage_training_run(training.pk)

    assert done is not None and done.status == TrainingStatus.FAILED
    assert done.finished_at is not None and done.model is None
    assert [item["field"] for item in done.errors] == ["tickets"]
    assert "at least 50 are needed" in done.error
    assert not TriageModel.objects.exists()


def test_the_reasons_are_in_the_language_of_the_person_who_asked(db, manager, queued, monkeypatch):
    manager.language = "ru"
    manager.save(update_fields=["language"])
    training, _created = triage_training_request(actor=manager)
    languages = []

    def refuse(train, held):
        languages.append(translation.get_language())
        raise ValidationFailed(tickets="...")

    monkeypatch.setattr(services, "_check_trainable", refuse)

    triage_training_run(training.pk)

    assert languages == ["ru"]


def test_an_unexpected_error_fails_the_run_and_reaches_the_worker(
    solved_tickets, manager, queued, monkeypatch
):
    training, _created = triage_training_request(actor=manager)

    def broken(self, texts, targets):
        raise MemoryError("out of memory")

    monkeypatch.setattr(TextClassifier, "fit_targets", broken)

    with pytest.raises(MemoryError):
        triage_training_run(training.pk)

    training.refresh_from_db()
    assert training.status == TrainingStatus.FAILED
    assert [item["field"] for item in training.errors] == ["worker"]
    assert not TriageModel.objects.exists()


def test_a_run_delivered_twice_trains_once(solved_tickets, manager, queued):
    training, _created = triage_training_request(actor=manager)

    assert triage_training_run(training.pk) is not None
    assert triage_training_run(training.pk) is None

    assert TriageModel.objects.count() == 1


def test_someone_demoted_before_the_run_gets_a_failed_run(solved_tickets, manager, queued):
    training, _created = triage_training_request(actor=manager)
    manager.role = "agent"
    manager.save(update_fields=["role"])

    done = triage_training_run(training.pk)

    assert done is not None and done.status == TrainingStatus.FAILED
    assert [item["field"] for item in done.errors] == ["requested_by"]


def test_agents_and_customers_may_not_request_training(solved_tickets, agent, alice, queued):
    for person in (agent, alice):
        with pytest.raises(PermissionDenied):
            triage_training_request(actor=person)

    assert not TriageTraining.objects.exists() and queued == []


def test_the_task_carries_out_the_run(solved_tickets, manager, queued):
    from tierdesk.triage.tasks import train_triage_model

    training, _created = triage_training_request(actor=manager)

    model_id = train_triage_model.call_local(training.pk)

    assert model_id == TriageModel.objects.get(active=True).pk
    assert TriageTraining.objects.get(pk=training.pk).model_id == model_id


def test_the_nightly_retraining_is_recorded_as_a_run_without_a_person(alice, queued):
    from tierdesk.triage.tasks import retrain_triage_model

    assert retrain_triage_model.call_local() is None
    make_solved_tickets(alice, 60)
    model_id = retrain_triage_model.call_local()

    failed, succeeded = TriageTraining.objects.order_by("id")
    assert failed.status == TrainingStatus.FAILED and failed.requested_by is None
    assert succeeded.status == TrainingStatus.SUCCEEDED and succeeded.model_id == model_id
    assert queued == []


def test_the_nightly_retraining_leaves_a_pending_run_alone(solved_tickets, manager, queued):
    from tierdesk.triage.tasks import retrain_triage_model

    pending, _created = triage_training_request(actor=manager)

    assert retrain_triage_model.call_local() is None

    assert list(TriageTraining.objects.values_list("id", "status")) == [
        (pending.pk, TrainingStatus.QUEUED)
    ]
    assert not TriageModel.objects.exists()


def test_old_finished_runs_are_pruned(db, manager, queued, monkeypatch):
    monkeypatch.setattr(services, "TRAININGS_KEPT", 2)
    for _ in range(4):
        training, _created = triage_training_request(actor=manager)
        triage_training_run(training.pk)

    latest, _created = triage_training_request(actor=manager)

    kept = list(TriageTraining.objects.order_by("id").values_list("id", flat=True))
    assert len(kept) == 3 and kept[-1] == latest.pk
