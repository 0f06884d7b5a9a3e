"""The triage API: who may read a suggestion and the model, who may train, and the refusals."""

from __future__ import annotations

from tierdesk.core.tests.api_support import API, client_for
from tierdesk.tickets.services import ticket_open
from tierdesk.triage import services
from tierdesk.triage.models import TriageModel, TriageTraining


def test_a_customer_gets_404_for_the_suggestion_of_their_own_ticket(trained, alice):
    ticket = ticket_open(actor=alice, subject="How do I change the VAT?", body="Thanks.")

    response = client_for(alice).get(f"{API}/tickets/{ticket.number}/triage")

    assert response.status_code == 404
    assert "type" not in response.json()


def test_staff_get_404_before_any_training(ticket, agent):
    response = client_for(agent).get(f"{API}/tickets/{ticket.number}/triage")

    assert response.status_code == 404
    assert "trained" in response.json()["detail"]


def test_staff_read_the_suggestion_with_confidences(trained, alice, agent):
    ticket = ticket_open(
        actor=alice, subject="Error 500 from the invoice since yesterday", body="Thanks."
    )

    response = client_for(agent).get(f"{API}/tickets/{ticket.number}/triage")

    assert response.status_code == 200
    body = response.json()
    assert (body["ticket"], body["type"], body["product_area"]) == (
        ticket.number,
        "problem",
        "billing",
    )
    assert 0 < body["type_confidence"] <= 1 and 0 < body["product_area_confidence"] <= 1
    assert body["model"] == trained.pk
    assert body["accepted"] is False


def test_staff_get_404_for_a_ticket_that_does_not_exist(trained, agent):
    assert client_for(agent).get(f"{API}/tickets/999999/triage").status_code == 404


def test_the_model_is_staff_only_and_404_before_training(db, alice, agent):
    assert client_for(alice).get(f"{API}/triage/model").status_code == 403
    assert client_for(agent).get(f"{API}/triage/model").status_code == 404


def test_the_model_reports_each_target(trained, agent):
    response = client_for(agent).get(f"{API}/triage/model")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == trained.pk and body["active"] is True
    assert body["training_tickets"] == trained.training_tickets
    assert body["type"]["accuracy"] == trained.type_accuracy
    assert body["product_area"]["labels"] == ["billing", "dashboards", "query_engine"]
    assert {"label", "precision", "recall", "f1", "support"} <= set(body["type"]["classes"][0])
    assert "blob" not in body


def test_agents_and_customers_may_not_train(solved_tickets, alice, agent, queued):
    assert client_for(alice).post(f"{API}/triage/train").status_code == 403
    assert client_for(agent).post(f"{API}/triage/train").status_code == 403
    assert not TriageTraining.objects.exists() and queued == []


def test_train_answers_202_with_the_queued_run_and_queues_it(
    solved_tickets, manager, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(f"{API}/triage/train")

    assert response.status_code == 202
    body = response.json()
    training = TriageTraining.objects.get()
    assert body["id"] == training.pk and body["status"] == "queued"
    assert body["requested_by"] == "manager" and body["requested_at"]
    assert body["started_at"] is None and body["model"] is None and body["errors"] == []
    assert queued == [training.pk]
    assert not TriageModel.objects.exists()


def test_a_second_train_while_one_is_pending_answers_with_the_same_run(
    solved_tickets, manager, admin_user, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = client_for(manager).post(f"{API}/triage/train")
    with django_capture_on_commit_callbacks(execute=True):
        second = client_for(admin_user).post(f"{API}/triage/train")

    assert second.status_code == 202
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["requested_by"] == "manager"
    assert TriageTraining.objects.count() == 1 and len(queued) == 1


def test_the_run_reports_the_new_model_once_the_worker_is_done(
    solved_tickets, manager, immediate_queue, django_capture_on_commit_callbacks
):
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        training_id = client.post(f"{API}/triage/train").json()["id"]

    response = client.get(f"{API}/triage/training/{training_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "succeeded" and body["finished_at"]
    assert body["model"] == TriageModel.objects.get(active=True, trained_by=manager).pk
    assert client.get(f"{API}/triage/model").json()["id"] == body["model"]


def test_the_run_names_the_reason_it_failed(
    db, manager, immediate_queue, django_capture_on_commit_callbacks
):
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{API}/triage/train")
    assert response.status_code == 202

    body = client.get(f"{API}/triage/training/{response.json()['id']}").json()

    assert body["status"] == "failed" and body["model"] is None
    assert [error["field"] for error in body["errors"]] == ["tickets"]
    assert "at least" in body["errors"][0]["reason"]


def test_only_managers_and_administrators_read_a_run(db, manager, admin_user, agent, alice):
    training, _created = services.triage_training_request(actor=manager)
    path = f"{API}/triage/training/{training.pk}"

    assert client_for(agent).get(path).status_code == 403
    assert client_for(alice).get(path).status_code == 403
    assert client_for(admin_user).get(path).json()["status"] == "queued"
    assert client_for(manager).get(f"{API}/triage/training/{training.pk + 1}").status_code == 404


def test_a_retry_with_the_same_idempotency_key_after_the_run_ended_trains_no_more(
    solved_tickets, manager, immediate_queue, django_capture_on_commit_callbacks
):
    client = client_for(manager, **{"Idempotency-Key": "train-1"})
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"{API}/triage/train")
    with django_capture_on_commit_callbacks(execute=True):
        retry = client.post(f"{API}/triage/train")

    assert retry.status_code == 202 and retry.json()["id"] == first.json()["id"]
    assert TriageTraining.objects.count() == 1 and TriageModel.objects.count() == 1
