"""The ticket page's triage card, its apply button, and the model page."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tierdesk.tickets.services import ticket_open
from tierdesk.triage import services
from tierdesk.triage.models import TriageModel, TriageSuggestion, TriageTraining


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def open_ticket(alice):
    return ticket_open(
        actor=alice, subject="Please add support for dashboard filter templates", body="Thanks."
    )


def test_the_card_shows_the_suggestion_to_staff(trained, alice, agent):
    ticket = open_ticket(alice)

    page = signed_in(agent).get(reverse("tickets:detail", args=[ticket.number]))

    html = page.content.decode()
    assert 'id="triage"' in html
    assert "Feature request" in html and "Dashboards and reports" in html
    assert reverse("triage:apply", args=[ticket.number]) in html


def test_no_card_before_any_training(ticket, agent):
    page = signed_in(agent).get(reverse("tickets:detail", args=[ticket.number]))

    assert page.status_code == 200
    assert 'id="triage"' not in page.content.decode()


def test_customers_never_see_the_card(trained, alice):
    ticket = open_ticket(alice)

    page = signed_in(alice).get(reverse("portal:ticket", args=[ticket.number]))

    assert page.status_code == 200
    assert 'id="triage"' not in page.content.decode()


def test_apply_sets_the_ticket_and_hides_the_button(trained, alice, agent):
    ticket = open_ticket(alice)
    client = signed_in(agent)
    client.get(reverse("tickets:detail", args=[ticket.number]))

    response = client.post(reverse("triage:apply", args=[ticket.number]))

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.type, ticket.product_area) == ("feature_request", "dashboards")
    html = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert reverse("triage:apply", args=[ticket.number]) not in html
    assert TriageSuggestion.objects.get(ticket=ticket).applied_by == agent


def test_a_customer_cannot_apply(trained, alice):
    ticket = open_ticket(alice)

    signed_in(alice).post(reverse("triage:apply", args=[ticket.number]))

    ticket.refresh_from_db()
    assert ticket.type == "question"


def test_the_model_page_is_for_managers_and_administrators(trained, agent, manager):
    assert signed_in(agent).get(reverse("triage:model")).status_code == 403

    page = signed_in(manager).get(reverse("triage:model"))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="triage-accuracy"' in html and "weakest labels" in html
    assert reverse("triage:train") in html


def test_the_model_page_before_training_says_what_is_needed(db, manager):
    page = signed_in(manager).get(reverse("triage:model"))

    assert "No model has been trained yet" in page.content.decode()


def test_train_now_queues_a_run_and_the_page_says_so(
    solved_tickets, manager, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(manager).post(reverse("triage:train"), follow=True)

    training = TriageTraining.objects.get()
    assert queued == [training.pk] and training.requested_by == manager
    assert not TriageModel.objects.exists()
    html = response.content.decode()
    assert "Training started; this page shows the new model when it is done." in html
    assert 'data-status="queued"' in html and "is waiting for the worker" in html
    # The page asks again while the run is pending.
    assert 'hx-trigger="every 5s"' in html


def test_train_now_while_a_run_is_pending_does_not_queue_another(
    solved_tickets, manager, queued, django_capture_on_commit_callbacks
):
    client = signed_in(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("triage:train"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("triage:train"), follow=True)

    assert TriageTraining.objects.count() == 1 and len(queued) == 1
    assert "Training is already under way" in response.content.decode()


def test_the_page_shows_a_running_run_with_its_start(solved_tickets, manager, queued):
    training, _created = services.triage_training_request(actor=manager)
    TriageTraining.objects.filter(pk=training.pk).update(
        status="running", started_at=training.requested_at
    )

    html = signed_in(manager).get(reverse("triage:model")).content.decode()

    assert 'data-status="running"' in html and "has been running since" in html


def test_the_page_shows_the_new_model_when_the_run_succeeded(
    solved_tickets, manager, immediate_queue, django_capture_on_commit_callbacks
):
    client = signed_in(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("triage:train"))

    html = client.get(reverse("triage:model")).content.decode()

    model = TriageModel.objects.get(active=True, trained_by=manager)
    assert 'data-status="succeeded"' in html and 'id="triage-accuracy"' in html
    assert f"type accuracy {round(model.type_accuracy * 100)}%" in html
    assert 'hx-trigger="every 5s"' not in html


def test_the_page_shows_why_the_run_failed(
    db, manager, immediate_queue, django_capture_on_commit_callbacks
):
    client = signed_in(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("triage:train"))

    html = client.get(reverse("triage:model")).content.decode()

    assert 'data-status="failed"' in html
    assert "failed: 0 solved tickets; at least 50 are needed to train on." in html
    assert not TriageModel.objects.exists()


def test_htmx_gets_the_page_body_alone(solved_tickets, manager, queued):
    services.triage_training_request(actor=manager)

    response = signed_in(manager).get(reverse("triage:model"), headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="triage-page"') and "<html" not in html
    assert 'data-status="queued"' in html


def test_agents_may_not_train(solved_tickets, agent, queued):
    signed_in(agent).post(reverse("triage:train"))

    assert not TriageTraining.objects.exists() and queued == []
