"""The API of the working tools: macros, applying one, notifications, merging."""

from __future__ import annotations

import pytest

from tierdesk.accounts.choices import Tier
from tierdesk.core.tests.api_support import API, client_for, fields
from tierdesk.escalations.services import escalation_create
from tierdesk.macros.models import Macro, Notification
from tierdesk.macros.tests.conftest import make_macro
from tierdesk.tickets.choices import Status
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_add_note, ticket_claim, ticket_open

pytestmark = pytest.mark.django_db


def test_creating_a_group_macro_answers_it(engineer, group):
    response = client_for(engineer).post(
        f"{API}/macros",
        {
            "name": "Ask for logs",
            "body": "Hi {{ requester.first_name }}, please attach the logs.",
            "scope": "group",
            "group": group.name,
            "changes": {"status": "pending", "tags_add": ["logs"]},
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["scope"], body["group"]["id"], body["kind"], body["usage_count"]) == (
        "group",
        group.pk,
        "reply",
        0,
    )
    assert body["changes"] == {"status": "pending", "tags_add": ["logs"]}


def test_an_unknown_placeholder_is_422_naming_the_body(engineer):
    response = client_for(engineer).post(
        f"{API}/macros",
        {"name": "Hi", "body": "{{ ticket.secret }}"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert fields(response) == {"body"}
    assert "ticket.secret" in response.json()["errors"][0]["reason"]


def test_macros_list_read_change_and_delete(engineer, teammate):
    mine = make_macro("Mine", owner=engineer, body="x")
    theirs = make_macro("Liam's", owner=teammate, body="x")
    api = client_for(engineer)

    assert [m["name"] for m in api.get(f"{API}/macros").json()] == ["Mine"]
    changed = api.patch(f"{API}/macros/{mine.pk}", {"body": "y"}, content_type="application/json")
    assert changed.status_code == 200
    assert changed.json()["body"] == "y"
    assert api.get(f"{API}/macros/{theirs.pk}").status_code == 404
    assert api.delete(f"{API}/macros/{mine.pk}").status_code == 204
    assert not Macro.objects.filter(pk=mine.pk).exists()


def test_customers_are_refused_macros(alice):
    assert client_for(alice).get(f"{API}/macros").status_code == 403


def test_applying_a_macro_answers_the_ticket_and_the_message(engineer, ticket):
    macro = make_macro(
        "Solved", body="Glad it works, {{ requester.first_name }}!", changes={"status": "solved"}
    )

    response = client_for(engineer).post(f"{API}/tickets/{ticket.number}/macros/{macro.pk}/apply")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["ticket"]["status"] == Status.SOLVED
    assert body["message"]["body_text"] == "Glad it works, Alice!"


def test_applying_a_refused_macro_is_422_and_changes_nothing(engineer, ticket, other_group):
    macro = make_macro("Gone", body="Moving", changes={"group": other_group.pk})
    other_group.delete()

    response = client_for(engineer).post(f"{API}/tickets/{ticket.number}/macros/{macro.pk}/apply")

    assert response.status_code == 422
    assert fields(response) == {"group"}
    assert ticket.messages.count() == 1


def test_applying_a_macro_that_takes_someone_elses_ticket_is_422(engineer, teammate, ticket):
    ticket_claim(actor=teammate, ticket=ticket)
    macro = make_macro("Take it", body="On it.", changes={"assignee": "me"})

    response = client_for(engineer).post(f"{API}/tickets/{ticket.number}/macros/{macro.pk}/apply")

    assert response.status_code == 422, response.json()
    assert fields(response) == {"changes.assignee"}
    reason = response.json()["errors"][0]["reason"]
    assert reason == f"{teammate.display_name} already holds this ticket."
    assert Ticket.objects.get(pk=ticket.pk).assignee == teammate
    assert ticket.messages.count() == 1


def test_notifications_list_and_read(engineer, teammate, ticket):
    ticket_add_note(actor=engineer, ticket=ticket, body="@liam one")
    ticket_add_note(actor=engineer, ticket=ticket, body="@liam two")
    api = client_for(teammate)

    listed = api.get(f"{API}/notifications").json()
    assert [n["ticket"] for n in listed] == [ticket.number, ticket.number]
    assert listed[0]["actor"]["username"] == "emma"
    first = listed[0]["id"]
    read = api.post(f"{API}/notifications/{first}/read")
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert api.post(f"{API}/notifications/read-all").json() == {"read": 1}
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_someone_elses_notification_is_404(engineer, teammate, ticket):
    ticket_add_note(actor=engineer, ticket=ticket, body="@liam look")
    notification = Notification.objects.get()

    response = client_for(engineer).post(f"{API}/notifications/{notification.pk}/read")

    assert response.status_code == 404


def test_merge_answers_the_surviving_ticket(engineer, ticket, carol):
    duplicate = ticket_open(actor=carol, subject="Timeouts", body="Same")

    response = client_for(engineer).post(
        f"{API}/tickets/{duplicate.number}/merge",
        {"into": ticket.number},
        content_type="application/json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["number"] == ticket.number
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id == ticket.number


def test_merging_into_another_organizations_ticket_is_422(engineer, ticket, oscar):
    theirs = ticket_open(actor=oscar, subject="Timeouts", body="Same")

    response = client_for(engineer).post(
        f"{API}/tickets/{theirs.number}/merge",
        {"into": ticket.number},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert fields(response) == {"into"}


def test_merging_a_ticket_with_an_open_escalation_is_422_naming_the_ticket(engineer, ticket, carol):
    duplicate = ticket_open(actor=carol, subject="Timeouts", body="Same")
    escalation_create(
        actor=engineer,
        ticket=duplicate,
        to_tier=Tier.BACK_LINE,
        summary="Dashboards time out since 4.2",
        customer_impact="Every dashboard fails",
        tried="Cleared the result cache",
    )

    response = client_for(engineer).post(
        f"{API}/tickets/{duplicate.number}/merge",
        {"into": ticket.number},
        content_type="application/json",
    )

    assert response.status_code == 422, response.json()
    assert response.json()["errors"] == [
        {
            "field": "ticket",
            "reason": f"#{duplicate.number} has an open escalation to tier 2; "
            "resolve or return it first.",
        }
    ]
    assert Ticket.objects.get(pk=duplicate.pk).merged_into is None


def test_customers_cannot_merge(alice, ticket, carol):
    duplicate = ticket_open(actor=carol, subject="Timeouts", body="Same")

    response = client_for(alice).post(
        f"{API}/tickets/{duplicate.number}/merge",
        {"into": ticket.number},
        content_type="application/json",
    )

    assert response.status_code == 403
