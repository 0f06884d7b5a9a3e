"""Training on the desk's solved tickets, predicting, suggesting and applying suggestions."""

from __future__ import annotations

import random

import pytest
import time_machine
from django.utils import timezone

from tierdesk.core.errors import PermissionDenied, ValidationFailed
from tierdesk.tickets.choices import EventKind, Status
from tierdesk.tickets.models import TicketEvent
from tierdesk.tickets.services import ticket_open, ticket_update
from tierdesk.triage import services
from tierdesk.triage.models import TriageModel, TriageSuggestion
from tierdesk.triage.selectors import suggestion_acceptance, worst_classes
from tierdesk.triage.services import (
    ticket_triage_text,
    triage_predict_many,
    triage_suggest,
    triage_suggestion_apply,
    triage_suggestion_for,
    triage_train,
)
from tierdesk.triage.tests.conftest import (
    AREA_WORDS,
    TYPE_PATTERNS,
    make_solved_tickets,
    triage_text,
)


def test_triage_text_is_the_subject_then_the_first_message():
    assert ticket_triage_text(" Invoice wrong ", "We were charged twice.\n") == (
        "Invoice wrong\nWe were charged twice."
    )
    assert len(ticket_triage_text("s", "x" * 10_000)) == services.TEXT_MAX_CHARS


# --- before any training ---


def test_predict_many_answers_none_without_a_model(db):
    assert triage_predict_many(["The dashboard fails with an error"]) is None


def test_suggest_answers_none_without_a_model(ticket):
    assert triage_suggest(ticket) is None
    assert not TriageSuggestion.objects.exists()


# --- refusals ---


def test_training_is_refused_with_too_few_solved_tickets(alice):
    make_solved_tickets(alice, services.MIN_TRAINING_TICKETS - 1)

    with pytest.raises(ValidationFailed) as refusal:
        triage_train()

    assert set(refusal.value.errors) == {"tickets"}
    assert str(services.MIN_TRAINING_TICKETS) in refusal.value.errors["tickets"][0]
    assert not TriageModel.objects.exists()


def test_unsolved_tickets_are_not_trained_on(alice):
    make_solved_tickets(alice, 80, status=Status.OPEN)

    with pytest.raises(ValidationFailed) as refusal:
        triage_train()

    assert "tickets" in refusal.value.errors


def test_training_is_refused_when_every_ticket_has_the_same_type(alice):
    tickets = make_solved_tickets(alice, 60)
    for ticket in tickets:
        ticket.type = "question"
        ticket.product_area = ""
    type(tickets[0]).objects.bulk_update(tickets, ["type", "product_area"])

    with pytest.raises(ValidationFailed) as refusal:
        triage_train()

    assert set(refusal.value.errors) == {"type", "product_area"}


def test_only_managers_and_administrators_train(solved_tickets, agent, manager):
    with pytest.raises(PermissionDenied):
        triage_train(actor=agent)
    assert triage_train(actor=manager).trained_by == manager


# --- training ---


def test_training_holds_out_every_fifth_ticket_and_reports_each_target(solved_tickets):
    when = timezone.now().replace(microsecond=0)

    model = triage_train(now=when)

    held = sum(1 for t in solved_tickets if t.number % 5 == 0)
    assert model.active
    assert model.trained_at == when
    assert (model.training_tickets, model.held_out_tickets) == (90 - held, held)
    # The wording in the fixture gives type and product area away.
    assert model.type_accuracy >= 0.9
    assert model.product_area_accuracy >= 0.9
    for target in ("type", "product_area"):
        figures = model.report[target]
        assert figures["held_out"] == held
        assert 0.0 <= figures["macro_f1"] <= 1.0
        assert {c["label"] for c in figures["classes"]} <= set(figures["labels"])
    assert model.report["type"]["labels"] == ["feature_request", "problem", "question"]
    assert model.report["product_area"]["labels"] == ["billing", "dashboards", "query_engine"]


def test_tickets_opened_through_the_service_and_solved_are_learned(alice, agent):
    rng = random.Random(11)
    for index in range(60):
        kind = list(TYPE_PATTERNS)[index % 3]
        area = list(AREA_WORDS)[(index // 3) % 3]
        subject, body = triage_text(kind, area, rng)
        ticket = ticket_open(actor=alice, subject=subject, body=body)
        ticket_update(
            actor=agent,
            ticket=ticket,
            changes={"type": kind, "product_area": area, "status": Status.SOLVED},
        )

    model = triage_train()

    assert model.training_tickets + model.held_out_tickets == 60
    (prediction,) = triage_predict_many(["Please add support for invoice templates"])
    assert (prediction.type, prediction.product_area) == ("feature_request", "billing")


def test_a_new_model_replaces_the_active_one_and_predictions_follow_it(alice, trained):
    first = triage_predict_many(["How do I change the dashboard?"])
    make_solved_tickets(alice, 40, seed=8)

    second = triage_train()

    trained.refresh_from_db()
    assert not trained.active and second.active
    assert TriageModel.objects.filter(active=True).count() == 1
    assert services._active.get()[0] == second.pk
    assert triage_predict_many(["How do I change the dashboard?"])[0].type == first[0].type


def test_predictions_follow_a_model_activated_elsewhere(trained, alice):
    make_solved_tickets(alice, 40, seed=9)
    second = triage_train()
    # Another process made the first model active again.
    TriageModel.objects.filter(pk=second.pk).update(active=False)
    TriageModel.objects.filter(pk=trained.pk).update(active=True)

    triage_predict_many(["anything"])

    assert services._active.get()[0] == trained.pk


def test_only_the_latest_models_are_kept(solved_tickets):
    models = [triage_train() for _ in range(services.MODELS_KEPT + 1)]

    assert TriageModel.objects.count() == services.MODELS_KEPT
    assert not TriageModel.objects.filter(pk=models[0].pk).exists()


def test_predict_many_answers_each_text_in_order_with_confidences(trained):
    answers = triage_predict_many(
        ["The query timeout fails with an error", "Where can I find the invoice settings?"]
    )

    assert [(a.type, a.product_area) for a in answers] == [
        ("problem", "query_engine"),
        ("question", "billing"),
    ]
    for answer in answers:
        assert 0.0 <= answer.type_confidence <= 1.0
        assert 0.0 <= answer.product_area_confidence <= 1.0
    assert triage_predict_many([]) == []


def test_worst_classes_come_lowest_f1_first_and_skip_absent_labels():
    report = {
        "classes": [
            {"label": "a", "f1": 0.9, "support": 3},
            {"label": "b", "f1": 0.2, "support": 3},
            {"label": "c", "f1": 0.0, "support": 0},
        ]
    }
    assert [c["label"] for c in worst_classes(report)] == ["b", "a"]


# --- suggestions ---


def test_suggest_stores_the_prediction_for_the_ticket(trained, alice):
    ticket = ticket_open(
        actor=alice, subject="Error 500 from the pie chart since yesterday", body="Please help."
    )

    with time_machine.travel("2026-03-02 10:00Z", tick=False):
        suggestion = triage_suggest(ticket)

    stored = TriageSuggestion.objects.get(ticket=ticket)
    assert stored.pk == suggestion.pk
    assert (stored.type, stored.product_area) == ("problem", "dashboards")
    assert 0.0 < stored.type_confidence <= 1.0
    assert stored.model == trained
    assert stored.created_at.isoformat() == "2026-03-02T10:00:00+00:00"


def test_suggesting_again_replaces_the_earlier_suggestion(trained, alice):
    ticket = ticket_open(actor=alice, subject="How do I change the VAT?", body="Thanks.")
    triage_suggest(ticket)
    triage_suggest(ticket)

    assert TriageSuggestion.objects.filter(ticket=ticket).count() == 1


def test_suggestion_for_reuses_the_active_models_suggestion_and_redoes_an_older_ones(
    trained, alice
):
    ticket = ticket_open(actor=alice, subject="How do I change the VAT?", body="Thanks.")
    first = triage_suggestion_for(ticket)
    assert triage_suggestion_for(ticket).created_at == first.created_at

    make_solved_tickets(alice, 40, seed=5)
    newer = triage_train()

    assert triage_suggestion_for(ticket).model == newer


def test_applying_sets_type_and_product_area_with_events(trained, alice, agent):
    ticket = ticket_open(
        actor=alice, subject="Please add support for report export templates", body="Thanks."
    )
    triage_suggest(ticket)

    ticket = triage_suggestion_apply(actor=agent, ticket=ticket)

    assert (ticket.type, ticket.product_area) == ("feature_request", "dashboards")
    changed = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CHANGED, actor=agent)
    assert set(changed.values_list("field", flat=True)) == {"type", "product_area"}
    suggestion = TriageSuggestion.objects.get(ticket=ticket)
    assert suggestion.applied_by == agent and suggestion.applied_at is not None
    assert suggestion_acceptance(trained)["accepted"] == 1


def test_applying_without_a_suggestion_is_refused(ticket, agent):
    with pytest.raises(ValidationFailed) as refusal:
        triage_suggestion_apply(actor=agent, ticket=ticket)
    assert "suggestion" in refusal.value.errors


def test_a_customer_cannot_apply(trained, alice):
    ticket = ticket_open(actor=alice, subject="How do I change the VAT?", body="Thanks.")
    triage_suggest(ticket)

    with pytest.raises(ValidationFailed):
        triage_suggestion_apply(actor=alice, ticket=ticket)


# --- worker and command ---


def test_the_nightly_task_trains_or_leaves_the_model_alone(alice):
    from tierdesk.triage.tasks import retrain_triage_model

    assert retrain_triage_model.call_local() is None
    make_solved_tickets(alice, 60)
    model_id = retrain_triage_model.call_local()
    assert TriageModel.objects.get(active=True).pk == model_id


def test_the_train_command_prints_the_held_out_table(solved_tickets, capsys):
    from tierdesk.triage.report import train_command

    assert train_command() == 0

    out = capsys.readouterr().out
    assert "accuracy" in out and "macro-F1" in out
    assert "Type: weakest labels" in out and "Product area: weakest labels" in out


def test_the_train_command_names_the_reason_it_refused(db, capsys):
    from tierdesk.triage.report import train_command

    assert train_command() == 1

    assert "tickets:" in capsys.readouterr().err


# --- demo ---


def test_the_demo_model_is_trained_once(alice):
    from tierdesk.triage.demo import seed_triage_demo

    seed_triage_demo()
    assert not TriageModel.objects.exists()

    make_solved_tickets(alice, 60)
    seed_triage_demo()
    seed_triage_demo()
    assert TriageModel.objects.filter(active=True).count() == TriageModel.objects.count() == 1
