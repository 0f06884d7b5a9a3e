"""Engineering pages: connectors and the delivery log for administrators, the ticket card for
staff, secrets shown only as set or unset, the demo connector."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tierdesk.engineering.demo import DEMO_CONNECTOR, seed_engineering_demo
from tierdesk.engineering.models import Connector, Delivery, EngineeringIssue
from tierdesk.engineering.services import escalation_to_engineering, issue_deliver
from tierdesk.engineering.tests.conftest import make_connector

pytestmark = pytest.mark.django_db


def test_an_admin_adds_a_connector_on_the_page(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("engineering:connectors"),
        {
            "name": "Ops hook",
            "kind": "webhook",
            "active": "on",
            "url": "https://hooks.example/ops",
            "signing_secret": "s3cret-value",
            "jira_api_version": "3",
            "labels": "support, urgent",
        },
    )

    connector = Connector.objects.get()
    assert response.status_code == 302
    assert (connector.signing_secret, connector.labels) == ("s3cret-value", ["support", "urgent"])
    page = client.get(reverse("engineering:connector", args=[connector.pk])).content.decode()
    assert "s3cret-value" not in page
    assert "Set. Leave empty to keep it" in page
    assert f"/api/v1/engineering/webhooks/{connector.pk}" in page


def test_saving_with_an_empty_secret_keeps_it(client, admin_user):
    connector = Connector.objects.create(
        name="Hook", kind="webhook", url="https://h.example", signing_secret="keep-me"
    )
    client.force_login(admin_user)

    client.post(
        reverse("engineering:connector", args=[connector.pk]),
        {"name": "Hook", "kind": "webhook", "url": "https://h.example", "jira_api_version": "3"},
    )

    connector.refresh_from_db()
    assert (connector.signing_secret, connector.active) == ("keep-me", False)


def test_a_refused_connector_shows_the_reason_on_the_form(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("engineering:connectors"),
        {"name": "Repo", "kind": "github", "project": "nope", "jira_api_version": "3"},
    )

    assert response.status_code == 200
    assert "owner/name" in response.content.decode()
    assert not Connector.objects.exists()


@pytest.mark.parametrize("person", ["agent", "backline", "manager"])
def test_agents_get_403_on_the_admin_pages(client, request, person):
    client.force_login(request.getfixturevalue(person))

    assert client.get(reverse("engineering:connectors")).status_code == 403
    assert client.get(reverse("engineering:deliveries")).status_code == 403


def test_the_delivery_log_offers_retry_for_a_failed_issue(client, admin_user, tracker, escalation):
    make_connector(tracker, "jira")
    tracker.fail_next(400)
    escalation_to_engineering(escalation)
    issue_deliver(EngineeringIssue.objects.get().pk)
    failed = Delivery.objects.get()
    client.force_login(admin_user)

    page = client.get(reverse("engineering:deliveries")).content.decode()
    response = client.post(reverse("engineering:delivery_retry", args=[failed.pk]))

    assert reverse("engineering:delivery_retry", args=[failed.pk]) in page
    assert response.status_code == 302
    assert EngineeringIssue.objects.get().status == "pending"


def test_the_ticket_page_shows_the_linked_issue(client, backline, tracker, escalation):
    make_connector(tracker, "jira")
    escalation_to_engineering(escalation)
    issue_deliver(EngineeringIssue.objects.get().pk)
    client.force_login(backline)

    page = client.get(reverse("tickets:detail", args=[escalation.ticket_id])).content.decode()

    assert f'href="{tracker.url}/browse/ENG-1"' in page
    assert 'data-issue-status="open"' in page
    assert "Last delivery:" in page


def test_a_ticket_without_an_issue_has_no_engineering_card(client, backline, ticket):
    client.force_login(backline)

    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()

    assert 'id="engineering"' not in page


def test_the_demo_connector_is_inactive_and_seeded_once(admin_user):
    seed_engineering_demo()
    seed_engineering_demo()

    connector = Connector.objects.get()
    assert (connector.name, connector.active) == (DEMO_CONNECTOR, False)
    assert connector.url.startswith("https://tracker.example.com/")
