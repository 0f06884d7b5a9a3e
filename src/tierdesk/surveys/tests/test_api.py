"""The surveys API: responses for staff, settings for managers, follow-ups and their outcome."""

from __future__ import annotations

import pytest
from django.utils import timezone

from conftest import PASSWORD
from tierdesk.surveys import services
from tierdesk.surveys.models import FollowUpTask
from tierdesk.surveys.tests.helpers import invite, respond

pytestmark = pytest.mark.django_db


def _login(client, username):
    assert client.login(username=username, password=PASSWORD)
    return client


def test_staff_list_responses_filtered_by_kind_and_time(client, ticket, agent):
    respond(ticket, "csat", 5, at=timezone.now(), comment="Great")
    respond(ticket, "nps", 9, at=timezone.now())
    _login(client, "agent")
    body = client.get("/api/v1/surveys/responses?kind=csat").json()
    assert [(r["kind"], r["score"], r["comment"], r["ticket"]) for r in body] == [
        ("csat", 5, "Great", ticket.pk)
    ]
    assert len(client.get("/api/v1/surveys/responses").json()) == 2
    assert client.get("/api/v1/surveys/responses?from=2999-01-01T00:00:00Z").json() == []
    refused = client.get("/api/v1/surveys/responses?kind=effort")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "kind"


def test_customers_may_not_list_responses(client, ticket, alice):
    respond(ticket, "csat", 5, at=timezone.now())
    assert _login(client, "alice").get("/api/v1/surveys/responses").status_code == 403


def test_managers_read_and_change_settings(client, manager, agent):
    _login(client, "agent")
    assert client.get("/api/v1/surveys/settings").status_code == 403
    assert (
        client.patch(
            "/api/v1/surveys/settings", {"ces_enabled": False}, content_type="application/json"
        ).status_code
        == 403
    )
    client.logout()
    _login(client, "maria")
    assert client.get("/api/v1/surveys/settings").json()["nps_interval_days"] == 90
    changed = client.patch(
        "/api/v1/surveys/settings",
        {"ces_enabled": False, "nps_interval_days": 60},
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert (changed.json()["ces_enabled"], changed.json()["nps_interval_days"]) == (False, 60)
    assert services.survey_settings().nps_interval_days == 60
    refused = client.patch(
        "/api/v1/surveys/settings", {"nps_interval_days": 0}, content_type="application/json"
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "nps_interval_days"


def test_managers_list_follow_ups_and_record_the_outcome(client, ticket, manager, agent):
    services.survey_answer(invitation=invite(ticket), scores={"csat": 2}, comment="Slow")
    task = FollowUpTask.objects.get()
    _login(client, "agent")
    assert client.get("/api/v1/surveys/follow-ups").status_code == 403
    client.logout()
    _login(client, "maria")
    [item] = client.get("/api/v1/surveys/follow-ups?status=open").json()
    assert (item["id"], item["score"], item["comment"], item["assignee"]) == (
        task.pk,
        2,
        "Slow",
        manager.pk,
    )
    url = f"/api/v1/surveys/follow-ups/{task.pk}/done"
    empty = client.post(url, {"outcome": ""}, content_type="application/json")
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "outcome"
    done = client.post(url, {"outcome": "Called, resolved"}, content_type="application/json")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["outcome"]) == ("done", "Called, resolved")
    again = client.post(url, {"outcome": "again"}, content_type="application/json")
    assert again.status_code == 409
    assert client.get("/api/v1/surveys/follow-ups?status=open").json() == []
    assert (
        client.post(
            "/api/v1/surveys/follow-ups/999/done", {"outcome": "x"}, content_type="application/json"
        ).status_code
        == 404
    )


def test_listing_responses_takes_a_fixed_number_of_queries(
    client, ticket, agent, django_assert_max_num_queries
):
    for score in (1, 2, 3, 4, 5):
        respond(ticket, "csat", score, at=timezone.now())
    _login(client, "agent")
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/surveys/responses").json()) == 5
