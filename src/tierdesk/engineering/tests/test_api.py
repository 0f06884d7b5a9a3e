"""Engineering API: connectors and the delivery log for administrators only, secrets never
returned, retry by hand, and a ticket's engineering issues for staff."""

from __future__ import annotations

import pytest

from tierdesk.core.tests.api_support import API, client_for, fields
from tierdesk.engineering.choices import DEFAULT_STATUS_MAP, IssueStatus
from tierdesk.engineering.models import Connector, Delivery, EngineeringIssue
from tierdesk.engineering.services import escalation_to_engineering, issue_deliver
from tierdesk.engineering.tests.conftest import escalate, make_connector, make_tier3_group
from tierdesk.engineering.tests.fake_tracker import immediate_queue

pytestmark = pytest.mark.django_db

JIRA = {
    "name": "Core tracker",
    "kind": "jira",
    "url": "https://acme.atlassian.example",
    "username": "bot@acme.test",
    "token": "very-secret-token",
    "project": "ENG",
    "jira_api_version": 2,
    "inbound_secret": "shh",
}
SECRETS = ("very-secret-token", "shh")


def test_an_admin_creates_a_connector_and_never_sees_its_secrets(admin_user):
    client = client_for(admin_user)

    response = client.post(f"{API}/engineering/connectors", JIRA, content_type="application/json")

    assert response.status_code == 201
    body = response.json()
    assert (body["token_set"], body["inbound_secret_set"], body["signing_secret_set"]) == (
        True,
        True,
        False,
    )
    assert body["status_map"] == DEFAULT_STATUS_MAP
    assert body["inbound_webhook_path"] == f"{API}/engineering/webhooks/{body['id']}"
    for secret in SECRETS:
        assert secret not in response.content.decode()
    listed = client.get(f"{API}/engineering/connectors")
    assert [c["name"] for c in listed.json()] == ["Core tracker"]
    assert all(secret not in listed.content.decode() for secret in SECRETS)


@pytest.mark.parametrize("person", ["agent", "backline", "manager", "reviewer", "alice"])
def test_only_admins_reach_connectors_and_deliveries(request, person):
    connector = Connector.objects.create(name="Hook", kind="webhook", url="https://h.example")
    client = client_for(request.getfixturevalue(person))

    assert client.get(f"{API}/engineering/connectors").status_code == 403
    assert (
        client.post(f"{API}/engineering/connectors", JIRA, content_type="application/json")
    ).status_code == 403
    assert client.get(f"{API}/engineering/connectors/{connector.pk}").status_code == 403
    assert (
        client.patch(
            f"{API}/engineering/connectors/{connector.pk}",
            {"active": False},
            content_type="application/json",
        )
    ).status_code == 403
    assert client.delete(f"{API}/engineering/connectors/{connector.pk}").status_code == 403
    assert client.get(f"{API}/engineering/deliveries").status_code == 403
    assert Connector.objects.filter(active=True).count() == 1


def test_a_connector_that_could_not_open_issues_is_refused_naming_the_fields(admin_user):
    response = client_for(admin_user).post(
        f"{API}/engineering/connectors",
        {"name": "Repo", "kind": "github", "project": "no-slash"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert fields(response) == {"project", "token"}


def test_a_status_mapping_to_an_unknown_meaning_is_refused(admin_user):
    response = client_for(admin_user).post(
        f"{API}/engineering/connectors",
        {**JIRA, "status_map": {"Done": "shipped"}},
        content_type="application/json",
    )

    assert response.status_code == 422


def test_patch_keeps_secrets_left_out_and_clears_one_sent_empty(admin_user):
    client = client_for(admin_user)
    created = client.post(f"{API}/engineering/connectors", JIRA, content_type="application/json")
    path = f"{API}/engineering/connectors/{created.json()['id']}"

    response = client.patch(
        path,
        {"active": False, "inbound_secret": "", "status_map": {"Shipped": "fixed"}},
        content_type="application/json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["active"], body["token_set"], body["inbound_secret_set"]) == (False, True, False)
    assert body["status_map"] == {"shipped": "fixed"}
    connector = Connector.objects.get()
    assert connector.token == "very-secret-token"


def test_a_connector_with_issues_is_not_deleted(admin_user, tracker, escalation):
    connector = make_connector(tracker, "jira")
    escalation_to_engineering(escalation)
    client = client_for(admin_user)

    assert client.delete(f"{API}/engineering/connectors/{connector.pk}").status_code == 409
    unused = make_connector(tracker, "webhook", name="Unused")
    assert client.delete(f"{API}/engineering/connectors/{unused.pk}").status_code == 204
    assert list(Connector.objects.all()) == [connector]


def test_the_delivery_log_lists_attempts_newest_first_per_connector(
    admin_user, tracker, ticket, backline
):
    engine, platform = make_tier3_group("Query engine"), make_tier3_group("Platform")
    jira = make_connector(tracker, "jira", groups=[engine])
    make_connector(tracker, "github", groups=[platform])
    tracker.fail_next(500)
    escalation_to_engineering(escalate(ticket, backline, group=engine))
    escalation_to_engineering(escalate(ticket, backline, group=platform))
    for issue in EngineeringIssue.objects.order_by("pk"):
        issue_deliver(issue.pk)
    client = client_for(admin_user)

    everything = client.get(f"{API}/engineering/deliveries").json()
    only_jira = client.get(f"{API}/engineering/deliveries?connector={jira.pk}").json()

    assert [d["connector_name"] for d in everything] == ["github connector", "jira connector"]
    [jira_attempt] = only_jira
    assert (jira_attempt["status_code"], jira_attempt["outcome"]) == (500, "retrying")
    assert jira_attempt["next_retry_at"] is not None
    assert jira_attempt["request_url"].endswith("/rest/api/3/issue")
    assert "Authorization" not in jira_attempt["request_body"]


def test_an_admin_retries_a_failed_delivery_through_the_api(
    admin_user, tracker, escalation, django_capture_on_commit_callbacks
):
    make_connector(tracker, "github")
    tracker.fail_next(401)
    escalation_to_engineering(escalation)
    issue = EngineeringIssue.objects.get()
    issue_deliver(issue.pk)
    failed = Delivery.objects.get()
    client = client_for(admin_user)

    with immediate_queue(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{API}/engineering/deliveries/{failed.pk}/retry")

    assert response.status_code == 202
    issue.refresh_from_db()
    assert issue.status == IssueStatus.OPEN
    again = client.post(f"{API}/engineering/deliveries/{failed.pk}/retry")
    assert again.status_code == 409


def test_staff_read_a_tickets_engineering_issues_with_history(backline, alice, tracker, escalation):
    make_connector(tracker, "jira")
    escalation_to_engineering(escalation)
    issue_deliver(EngineeringIssue.objects.get().pk)
    number = escalation.ticket_id

    response = client_for(backline).get(f"{API}/tickets/{number}/engineering")

    assert response.status_code == 200
    [issue] = response.json()
    assert (issue["key"], issue["status"], issue["kind"]) == ("ENG-1", "open", "jira")
    assert [h["status"] for h in issue["history"]] == ["pending", "open"]
    assert issue["last_delivery"]["outcome"] == "delivered"
    assert client_for(alice).get(f"{API}/tickets/{number}/engineering").status_code == 403


def test_a_ticket_you_may_not_read_is_404(oscar, escalation):
    response = client_for(oscar).get(f"{API}/tickets/{escalation.ticket_id}/engineering")

    assert response.status_code == 404


def test_the_delivery_log_reads_in_a_fixed_number_of_queries(
    admin_user, tracker, ticket, backline, django_assert_max_num_queries
):
    for number in range(3):
        group = make_tier3_group(f"Group {number}")
        make_connector(tracker, "webhook", name=f"Hook {number}", groups=[group])
        escalation_to_engineering(escalate(ticket, backline, group=group))
    for issue in EngineeringIssue.objects.all():
        issue_deliver(issue.pk)
    client = client_for(admin_user)

    # The token and its person, then one query for the page however many rows it has.
    with django_assert_max_num_queries(6):
        response = client.get(f"{API}/engineering/deliveries")

    assert len(response.json()) == 3


def test_groups_and_the_default_go_in_and_come_out(admin_user):
    engine = make_tier3_group("Query engine")
    client = client_for(admin_user)

    created = client.post(
        f"{API}/engineering/connectors",
        {**JIRA, "groups": ["Query engine"], "is_default": True},
        content_type="application/json",
    )

    assert created.status_code == 201
    body = created.json()
    assert (body["groups"], body["is_default"]) == (
        [{"id": engine.pk, "name": "Query engine"}],
        True,
    )
    path = f"{API}/engineering/connectors/{body['id']}"
    cleared = client.patch(path, {"groups": []}, content_type="application/json").json()
    assert (cleared["groups"], cleared["is_default"]) == ([], True)


def test_a_second_default_and_a_webhook_without_signing_secret_are_422(admin_user):
    client = client_for(admin_user)
    client.post(
        f"{API}/engineering/connectors",
        {**JIRA, "is_default": True},
        content_type="application/json",
    )

    response = client.post(
        f"{API}/engineering/connectors",
        {"name": "Hook", "kind": "webhook", "url": "https://h.example", "is_default": True},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert fields(response) == {"is_default", "signing_secret"}


def test_a_refused_inbound_request_shows_its_size_not_its_body(admin_user, tracker, escalation):
    connector = make_connector(tracker, "webhook")
    body = b'{"issue_id": 1, "status": "fixed", "secret-looking": "payload"}'
    client_for(admin_user).post(
        f"{API}/engineering/webhooks/{connector.pk}", data=body, content_type="application/json"
    )

    [row] = client_for(admin_user).get(f"{API}/engineering/deliveries").json()

    assert (row["outcome"], row["request_body"], row["request_size"]) == ("refused", "", len(body))


def test_the_api_gives_no_link_for_an_issue_address_that_is_not_a_web_address(
    backline, tracker, escalation
):
    make_connector(tracker, "jira")
    escalation_to_engineering(escalation)
    # Stored before addresses were checked.
    EngineeringIssue.objects.update(url="javascript:alert(1)", external_key="ENG-1", status="open")

    [issue] = client_for(backline).get(f"{API}/tickets/{escalation.ticket_id}/engineering").json()

    assert issue["url"] == ""
