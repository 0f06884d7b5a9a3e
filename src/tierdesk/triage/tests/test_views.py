"""The ticket page's triage card, its apply button, and the model page."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tierdesk.tickets.services import ticket_open
from tierdesk.triage.models import TriageModel, TriageSuggestion


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


def test_train_now_trains_and_reports(solved_tickets, manager):
    response = signed_in(manager).post(reverse("triage:train"), follow=True)

    assert TriageModel.objects.filter(active=True, trained_by=manager).exists()
    assert "Model trained on" in response.content.decode()


def test_train_now_shows_the_reason_it_refused(db, manager, agent):
    response = signed_in(manager).post(reverse("triage:train"), follow=True)
    assert "at least" in response.content.decode()

    signed_in(agent).post(reverse("triage:train"))
    assert not TriageModel.objects.exists()
