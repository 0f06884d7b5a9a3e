"""The triage API: who may read a suggestion and the model, who may train, and the refusals."""

from __future__ import annotations

from tierdesk.core.tests.api_support import API, client_for, fields
from tierdesk.tickets.services import ticket_open
from tierdesk.triage.models import TriageModel


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


def test_agents_and_customers_may_not_train(solved_tickets, alice, agent):
    assert client_for(alice).post(f"{API}/triage/train").status_code == 403
    assert client_for(agent).post(f"{API}/triage/train").status_code == 403
    assert not TriageModel.objects.exists()


def test_training_with_too_few_tickets_is_422_naming_the_reason(db, manager):
    response = client_for(manager).post(f"{API}/triage/train")

    assert response.status_code == 422
    assert fields(response) == {"tickets"}


def test_a_manager_trains_and_gets_the_new_models_figures(solved_tickets, manager):
    response = client_for(manager).post(f"{API}/triage/train")

    assert response.status_code == 201
    body = response.json()
    assert body["active"] is True and body["trained_by"] == "manager"
    assert TriageModel.objects.get(active=True).pk == body["id"]
