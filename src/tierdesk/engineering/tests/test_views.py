"""Engineering pages: connectors and the delivery log for administrators, the ticket card for
staff, secrets shown only as set or unset, the demo connector."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, translation

from tierdesk.accounts.models import SkillGroup
from tierdesk.engineering.demo import DEMO_CONNECTOR, seed_engineering_demo
from tierdesk.engineering.models import Connector, Delivery, EngineeringIssue
from tierdesk.engineering.services import escalation_to_engineering, issue_deliver
from tierdesk.engineering.tests.conftest import escalate, make_connector, make_tier3_group

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


def test_the_ticket_card_shows_history_in_the_readers_time_zone_with_status_labels(
    client, backline, tracker, escalation
):
    make_connector(tracker, "jira")
    opened_at = datetime(2026, 12, 6, 15, 11, tzinfo=UTC)
    with time_machine.travel(opened_at, tick=False):
        escalation_to_engineering(escalation)
        issue_deliver(EngineeringIssue.objects.get().pk)
    EngineeringIssue.objects.update(
        history=[
            *EngineeringIssue.objects.get().history,
            {"at": "2026-12-06T16:00:00+00:00", "status": "in_progress", "tracker_status": "Dev"},
        ]
    )
    backline.time_zone = "Asia/Tokyo"
    backline.save()
    client.force_login(backline)

    page = client.get(reverse("tickets:detail", args=[escalation.ticket_id])).content.decode()

    card = page[page.index('id="engineering"') :]
    with translation.override(backline.language):
        tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
        expected = formats.date_format(opened_at.astimezone(tokyo), "SHORT_DATETIME_FORMAT")
    assert "2026-12-0615:11" not in card
    assert f'<time datetime="2026-12-07T00:11:00+09:00">{expected}</time> Being opened' in card
    assert "Being opened" in card and "Open</li>" in card
    assert "In progress (Dev)" in card
    assert '<li data-history-status="in_progress">' in card


def test_a_tracker_address_that_is_not_a_web_address_is_not_linked(
    client, backline, tracker, escalation
):
    make_connector(tracker, "jira")
    escalation_to_engineering(escalation)
    # Stored before addresses were checked.
    EngineeringIssue.objects.update(
        url="javascript:alert(document.cookie)", external_key="ENG-1", status="open"
    )
    client.force_login(backline)

    page = client.get(reverse("tickets:detail", args=[escalation.ticket_id])).content.decode()

    assert "javascript:alert" not in page
    assert "<strong>ENG-1</strong>" in page


def test_an_escalation_no_connector_serves_is_shown_on_the_ticket_card(
    client, backline, admin_user, ticket, tracker
):
    engine = make_tier3_group("Query engine")
    make_connector(tracker, "jira", groups=[make_tier3_group("Platform")])
    escalation = escalate(ticket, backline, group=engine)
    escalation_to_engineering(escalation)
    assert not EngineeringIssue.objects.exists()

    client.force_login(backline)
    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()

    assert 'id="engineering"' in page
    assert f'data-unserved-escalation="{escalation.pk}"' in page
    assert (
        "No engineering connector serves Query engine; open the issue by hand or add a connector."
        in page
    )
    # Only administrators get the way to the connectors.
    assert reverse("engineering:connectors") not in page.split('id="engineering"')[1]
    client.force_login(admin_user)
    admin_page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert reverse("engineering:connectors") in admin_page.split('id="engineering"')[1]


def test_the_connector_page_sets_groups_and_the_default(client, admin_user):
    engine = make_tier3_group("Query engine")
    SkillGroup.objects.create(name="Front desk", tier=1)
    client.force_login(admin_user)
    form_page = client.get(reverse("engineering:connectors")).content.decode()
    assert "Query engine" in form_page
    assert "Front desk" not in form_page

    response = client.post(
        reverse("engineering:connectors"),
        {
            "name": "Ops hook",
            "kind": "webhook",
            "active": "on",
            "groups": [str(engine.pk)],
            "is_default": "on",
            "url": "https://hooks.example/ops",
            "signing_secret": "s3cret-value",
            "jira_api_version": "3",
        },
    )

    assert response.status_code == 302
    connector = Connector.objects.get()
    assert (list(connector.groups.all()), connector.is_default) == ([engine], True)
    listing = client.get(reverse("engineering:connectors")).content.decode()
    assert "Query engine" in listing


def test_the_connector_page_refuses_a_second_default_and_a_missing_signing_secret(
    client, admin_user
):
    Connector.objects.create(
        name="Default", kind="webhook", url="https://h.example", is_default=True
    )
    client.force_login(admin_user)

    response = client.post(
        reverse("engineering:connectors"),
        {
            "name": "Ops hook",
            "kind": "webhook",
            "is_default": "on",
            "url": "https://hooks.example/ops",
            "jira_api_version": "3",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Default is already the default connector" in page
    assert "Give the secret that signs each request" in page
    assert Connector.objects.count() == 1


def test_the_delivery_log_shows_a_refused_requests_size_not_its_body(client, admin_user, tracker):
    connector = make_connector(tracker, "webhook")
    client.post(
        f"/api/v1/engineering/webhooks/{connector.pk}",
        data=b'{"status": "<b>forged</b>"}',
        content_type="application/json",
    )
    client.force_login(admin_user)

    page = client.get(reverse("engineering:deliveries")).content.decode()

    assert "Body not kept (27 bytes)." in page
    assert "forged" not in page
