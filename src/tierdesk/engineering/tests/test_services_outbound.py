"""Opening engineering issues: the request each tracker kind is sent (checked by the fake
tracker), the back-off on failures, no retry on a refusal, and every attempt logged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from tierdesk.core.errors import Conflict, PermissionDenied
from tierdesk.engineering.choices import DeliveryOutcome, IssueStatus
from tierdesk.engineering.models import Delivery, EngineeringIssue
from tierdesk.engineering.services import (
    MAX_ATTEMPTS,
    delivery_retry,
    escalation_to_engineering,
    issue_deliver,
    issues_deliver_due,
)
from tierdesk.engineering.tests.conftest import SIGNING_SECRET, TOKEN, make_connector
from tierdesk.engineering.tests.fake_tracker import closed_port, immediate_queue
from tierdesk.engineering.trackers import sign
from tierdesk.tickets.choices import EventKind
from tierdesk.tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def open_issues(escalation) -> list[EngineeringIssue]:
    with transaction.atomic():
        escalation_to_engineering(escalation)
    return list(EngineeringIssue.objects.filter(escalation=escalation).order_by("pk"))


def deliver(issue) -> Delivery | None:
    delivery = issue_deliver(issue.pk)
    issue.refresh_from_db()
    return delivery


def engineering_events(ticket):
    return list(
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ENGINEERING).order_by("pk")
    )


# --- one pending issue per active connector, sent after the commit --------------------------


def test_each_active_connector_gets_one_pending_issue_and_inactive_ones_none(tracker, escalation):
    jira = make_connector(tracker, "jira")
    make_connector(tracker, "github", active=False)

    issues = open_issues(escalation)

    assert [(i.connector, i.status, i.ticket_id) for i in issues] == [
        (jira, IssueStatus.PENDING, escalation.ticket_id)
    ]
    assert tracker.requests == []  # nothing is sent inside the transaction


def test_a_rolled_back_escalation_sends_nothing_and_leaves_no_issue(
    tracker, escalation, django_capture_on_commit_callbacks
):
    make_connector(tracker, "webhook")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        escalation_to_engineering(escalation)
        raise RuntimeError("the escalation failed")

    assert callbacks == []
    assert not EngineeringIssue.objects.exists()
    assert tracker.requests == []


def test_the_issue_is_opened_once_the_escalation_commits(
    tracker, escalation, django_capture_on_commit_callbacks
):
    make_connector(tracker, "jira")

    with (
        immediate_queue(),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        escalation_to_engineering(escalation)

    issue = EngineeringIssue.objects.get()
    assert len(tracker.requests) == 1
    assert (issue.status, issue.external_key) == (IssueStatus.OPEN, "ENG-1")


# --- the request per kind ---------------------------------------------------------------------


def test_jira_v3_gets_the_package_as_an_atlassian_document_with_bearer_auth(tracker, escalation):
    make_connector(tracker, "jira", jira_api_version=3, issue_type="Bug")
    [issue] = open_issues(escalation)

    delivery = deliver(issue)

    request = tracker.last()
    assert (request.method, request.path) == ("POST", "/rest/api/3/issue")
    assert request.header("Authorization") == f"Bearer {TOKEN}"
    fields = request.json["fields"]
    assert fields["project"] == {"key": "ENG"}
    assert fields["issuetype"] == {"name": "Bug"}
    assert fields["summary"] == f"Query times out after upgrade (ticket #{issue.ticket_id})"
    assert fields["labels"] == ["support", "tier-3"]
    document = fields["description"]
    assert (document["type"], document["version"]) == ("doc", 1)
    headings = [b["content"][0]["text"] for b in document["content"] if b["type"] == "heading"]
    assert headings[:2] == ["Summary", "Customer impact"]
    assert "Steps to reproduce" in headings
    steps = document["content"][headings.index("Steps to reproduce") * 2 + 1]["content"]
    assert steps == [
        {"type": "text", "text": "1. Open any dashboard"},
        {"type": "hardBreak"},
        {"type": "text", "text": "2. Wait 30 s"},
    ]
    assert (issue.status, issue.external_key) == (IssueStatus.OPEN, "ENG-1")
    assert issue.url == f"{tracker.url}/browse/ENG-1"
    assert (delivery.status_code, delivery.outcome, delivery.attempt) == (
        201,
        DeliveryOutcome.DELIVERED,
        1,
    )


def test_jira_v2_gets_a_plain_description_with_basic_auth(tracker, escalation):
    tracker.username = "eng-bot@acme.test"
    make_connector(tracker, "jira", jira_api_version=2, username="eng-bot@acme.test")
    [issue] = open_issues(escalation)

    deliver(issue)

    request = tracker.last()
    assert request.path == "/rest/api/2/issue"
    expected = base64.b64encode(f"eng-bot@acme.test:{TOKEN}".encode()).decode()
    assert request.header("Authorization") == f"Basic {expected}"
    description = request.json["fields"]["description"]
    assert description.startswith("Summary:\nQueries over 1M rows time out since 4.2")
    assert "Environment:\n4.2.1, eu-west" in description
    assert f"/tickets/{issue.ticket_id}/" in description
    assert issue.status == IssueStatus.OPEN


def test_github_gets_a_markdown_issue_with_the_token(tracker, escalation):
    make_connector(tracker, "github")
    [issue] = open_issues(escalation)

    deliver(issue)

    request = tracker.last()
    assert request.path == "/repos/acme/engine/issues"
    assert request.header("Authorization") == f"Bearer {TOKEN}"
    assert request.header("Accept") == "application/vnd.github+json"
    body = request.json
    assert body["title"] == f"Query times out after upgrade (ticket #{issue.ticket_id})"
    assert "### Summary\n\nQueries over 1M rows time out since 4.2" in body["body"]
    assert "### Links\n\nhttps://status.example/incidents/42" in body["body"]
    assert body["labels"] == ["support", "tier 3"]
    assert (issue.external_key, issue.label) == ("1", "acme/engine#1")
    assert issue.url == "https://github.example/acme/engine/issues/1"


def test_webhook_signs_its_timestamp_and_body_with_hmac_sha256(tracker, escalation):
    make_connector(tracker, "webhook")
    [issue] = open_issues(escalation)
    sent_at = (timezone.now() + timedelta(minutes=1)).replace(microsecond=0)

    with time_machine.travel(sent_at, tick=False):
        delivery = deliver(issue)

    request = tracker.last()
    assert request.path == "/hooks/tierdesk"
    assert request.header("X-Tierdesk-Timestamp") == str(int(sent_at.timestamp()))
    signed = f"{int(sent_at.timestamp())}.".encode() + request.body
    expected = "sha256=" + hmac.new(SIGNING_SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert request.header("X-Tierdesk-Signature") == expected
    # The body alone, without the timestamp, is not what is signed.
    assert request.header("X-Tierdesk-Signature") != sign(SIGNING_SECRET, request.body)
    assert request.header("X-Tierdesk-Delivery") == delivery.delivery_id
    assert json.loads(request.body)["delivery"] == delivery.delivery_id
    payload = json.loads(request.body)
    assert payload["event"] == "escalation.created"
    assert payload["issue_id"] == issue.pk
    assert payload["ticket"]["number"] == issue.ticket_id
    assert payload["ticket"]["subject"] == "Query times out after upgrade"
    assert payload["ticket"]["url"].endswith(f"/tickets/{issue.ticket_id}/")
    assert payload["tier"] == 3
    assert payload["escalation"]["customer_impact"] == "All of Acme's dashboards fail"
    assert payload["escalation"]["links"] == ["https://status.example/incidents/42"]
    assert issue.status == IssueStatus.OPEN
    assert delivery.request_body == request.body.decode()


def test_a_wrongly_signed_webhook_is_refused_by_the_receiver_and_not_retried(tracker, escalation):
    make_connector(tracker, "webhook", signing_secret="not-the-receivers-secret")
    [issue] = open_issues(escalation)

    delivery = deliver(issue)

    assert tracker.last().answered == 401
    assert (delivery.outcome, issue.status) == (DeliveryOutcome.FAILED, IssueStatus.FAILED)


def test_an_opened_issue_is_recorded_on_the_ticket(tracker, escalation):
    make_connector(tracker, "jira")
    [issue] = open_issues(escalation)

    deliver(issue)

    [event] = engineering_events(issue.ticket)
    assert event.actor is None
    assert event.data["action"] == "opened"
    assert (event.data["key"], event.data["url"]) == ("ENG-1", f"{tracker.url}/browse/ENG-1")


# --- retries and back-off ---------------------------------------------------------------------


def test_server_errors_are_retried_after_1_5_30_minutes_2_and_12_hours_then_fail(
    tracker, escalation
):
    make_connector(tracker, "jira")
    tracker.fail_next(500, times=MAX_ATTEMPTS)
    start = timezone.now().replace(microsecond=0)
    [issue] = open_issues(escalation)
    expected_waits = [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=12),
    ]

    with time_machine.travel(start, tick=False) as clock:
        EngineeringIssue.objects.filter(pk=issue.pk).update(next_attempt_at=start)
        for wait in expected_waits:
            delivery = deliver(issue)
            assert delivery.outcome == DeliveryOutcome.RETRYING
            assert delivery.next_retry_at == timezone.now() + wait
            # Not due a second before the wait is over, even for the sweeper.
            clock.shift(wait - timedelta(seconds=1))
            assert issues_deliver_due() == 0
            clock.shift(timedelta(seconds=1))
        last = deliver(issue)

    assert last.outcome == DeliveryOutcome.FAILED
    assert issue.status == IssueStatus.FAILED
    attempts = list(Delivery.objects.filter(issue=issue).order_by("pk"))
    assert [d.attempt for d in attempts] == [1, 2, 3, 4, 5, 6]
    assert {d.status_code for d in attempts} == {500}
    assert len(tracker.requests) == MAX_ATTEMPTS
    assert engineering_events(issue.ticket)[-1].data["action"] == "failed"


def test_a_refused_connection_is_retried_and_logged(escalation, tracker):
    make_connector(tracker, "webhook", url=f"http://127.0.0.1:{closed_port()}/hook")
    [issue] = open_issues(escalation)

    with time_machine.travel(timezone.now(), tick=False):
        delivery = deliver(issue)

        assert delivery.status_code is None
        assert delivery.error
        assert delivery.outcome == DeliveryOutcome.RETRYING
        assert delivery.next_retry_at == timezone.now() + timedelta(minutes=1)
    assert issue.status == IssueStatus.PENDING


def test_the_sweeper_delivers_a_due_retry_and_it_succeeds(tracker, escalation):
    make_connector(tracker, "github")
    tracker.fail_next(503)
    [issue] = open_issues(escalation)

    with time_machine.travel(timezone.now(), tick=False) as clock:
        deliver(issue)
        clock.shift(timedelta(minutes=1))
        assert issues_deliver_due() == 1

    issue.refresh_from_db()
    assert issue.status == IssueStatus.OPEN
    assert [d.outcome for d in issue.deliveries.order_by("pk")] == [
        DeliveryOutcome.RETRYING,
        DeliveryOutcome.DELIVERED,
    ]


@pytest.mark.parametrize("status", [408, 429])
def test_timeouts_and_rate_limits_are_retried(tracker, escalation, status):
    make_connector(tracker, "github")
    tracker.fail_next(status)
    [issue] = open_issues(escalation)

    assert deliver(issue).outcome == DeliveryOutcome.RETRYING


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_other_refusals_are_not_retried(tracker, escalation, status):
    make_connector(tracker, "jira")
    tracker.fail_next(status, body={"errors": {"project": "valid project is required"}})
    [issue] = open_issues(escalation)

    delivery = deliver(issue)

    assert (delivery.outcome, delivery.status_code) == (DeliveryOutcome.FAILED, status)
    assert "valid project is required" in delivery.response_excerpt
    assert delivery.next_retry_at is None
    assert issue.status == IssueStatus.FAILED
    assert issues_deliver_due() == 0
    assert len(tracker.requests) == 1


def test_a_wrong_jira_project_is_refused_like_jira_does(tracker, escalation):
    make_connector(tracker, "jira", project="OPS")
    [issue] = open_issues(escalation)

    delivery = deliver(issue)

    assert delivery.status_code == 400
    assert issue.status == IssueStatus.FAILED


def test_delivering_an_opened_issue_again_sends_nothing(tracker, escalation):
    make_connector(tracker, "jira")
    [issue] = open_issues(escalation)
    deliver(issue)

    assert issue_deliver(issue.pk) is None
    assert len(tracker.requests) == 1


def test_a_retry_waiting_for_its_time_is_not_sent_early(tracker, escalation):
    make_connector(tracker, "jira")
    tracker.fail_next(500)
    [issue] = open_issues(escalation)
    deliver(issue)

    assert issue_deliver(issue.pk) is None
    assert len(tracker.requests) == 1


# --- retry by hand ----------------------------------------------------------------------------


def test_an_admin_retries_a_failed_issue_with_a_fresh_back_off(
    tracker, escalation, admin_user, django_capture_on_commit_callbacks
):
    make_connector(tracker, "jira")
    tracker.fail_next(400)
    [issue] = open_issues(escalation)
    failed = deliver(issue)

    with immediate_queue(), django_capture_on_commit_callbacks(execute=True):
        delivery_retry(actor=admin_user, delivery=failed)

    issue.refresh_from_db()
    assert (issue.status, issue.external_key, issue.attempts) == (IssueStatus.OPEN, "ENG-1", 1)
    assert [d.outcome for d in issue.deliveries.order_by("pk")] == [
        DeliveryOutcome.FAILED,
        DeliveryOutcome.DELIVERED,
    ]


def test_only_a_failed_issue_is_retried_by_hand(tracker, escalation, admin_user):
    make_connector(tracker, "jira")
    [issue] = open_issues(escalation)
    delivered = deliver(issue)

    with pytest.raises(Conflict):
        delivery_retry(actor=admin_user, delivery=delivered)


def test_agents_may_not_retry_deliveries(tracker, escalation, backline):
    make_connector(tracker, "jira")
    tracker.fail_next(400)
    [issue] = open_issues(escalation)
    failed = deliver(issue)

    with pytest.raises(PermissionDenied):
        delivery_retry(actor=backline, delivery=failed)
    issue.refresh_from_db()
    assert issue.status == IssueStatus.FAILED


def test_a_request_that_cannot_be_built_fails_at_once_without_retry(
    tracker, escalation, monkeypatch
):
    make_connector(tracker, "jira")
    [issue] = open_issues(escalation)

    def broken(*args):
        raise ValueError("no such field")

    monkeypatch.setattr("tierdesk.engineering.trackers.create_request", broken)
    delivery = deliver(issue)

    assert (delivery.outcome, issue.status) == (DeliveryOutcome.FAILED, IssueStatus.FAILED)
    assert "no such field" in delivery.error
    assert tracker.requests == []


def test_a_webhook_connector_without_a_signing_secret_sends_nothing_unsigned(tracker, escalation):
    # Written around the form, e.g. before signing secrets were required.
    make_connector(tracker, "webhook", signing_secret="")
    [issue] = open_issues(escalation)

    delivery = deliver(issue)

    assert tracker.requests == []
    assert (delivery.outcome, issue.status) == (DeliveryOutcome.FAILED, IssueStatus.FAILED)
    assert "no signing secret" in delivery.error


# --- the issue's address ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "url"),
    [
        ({"key": "OPS-1", "url": "https://ops.example/OPS-1"}, "https://ops.example/OPS-1"),
        ({"key": "OPS-1", "url": "javascript:alert(document.cookie)"}, ""),
        ({"key": "OPS-1", "url": "data:text/html,<script>1</script>"}, ""),
        ({"key": "OPS-1", "url": ["https://ops.example"]}, ""),
        ({"key": "OPS-1"}, ""),
    ],
)
def test_only_a_web_address_from_a_webhook_receiver_is_stored(tracker, escalation, answer, url):
    make_connector(tracker, "webhook")
    tracker.fail_next(201, body=answer)
    [issue] = open_issues(escalation)

    deliver(issue)

    assert (issue.status, issue.external_key, issue.url) == (IssueStatus.OPEN, "OPS-1", url)


def test_a_github_answer_with_a_script_address_stores_no_link(tracker, escalation):
    make_connector(tracker, "github")
    tracker.fail_next(201, body={"number": 7, "html_url": "javascript:alert(1)"})
    [issue] = open_issues(escalation)

    deliver(issue)

    assert (issue.external_key, issue.url) == ("7", "")
    [event] = engineering_events(issue.ticket)
    assert event.data["url"] == ""
