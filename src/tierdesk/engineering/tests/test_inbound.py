"""Status coming back: the inbound webhook verifies each tracker's signature, refuses forgeries
without changing anything, maps the tracker's status and hands a fixed issue's ticket back."""

from __future__ import annotations

import json
import time

import pytest

from tierdesk.engineering.choices import DeliveryDirection, DeliveryOutcome, IssueStatus
from tierdesk.engineering.models import Delivery, EngineeringIssue
from tierdesk.engineering.services import escalation_to_engineering, issue_deliver
from tierdesk.engineering.tests.conftest import INBOUND_SECRET, make_connector
from tierdesk.engineering.tests.fake_tracker import signed_status_request
from tierdesk.engineering.trackers import sign, sign_webhook
from tierdesk.escalations.models import EscalationStatus
from tierdesk.tickets.choices import EventKind
from tierdesk.tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolutions(monkeypatch):
    """Records the escalation_resolve calls the webhook makes, and lets the real one run."""
    from tierdesk.escalations import services as escalation_services

    calls: list[dict] = []
    real_resolve = escalation_services.escalation_resolve

    def escalation_resolve(*, actor, escalation, resolution):
        calls.append({"actor": actor, "escalation": escalation, "resolution": resolution})
        return real_resolve(actor=actor, escalation=escalation, resolution=resolution)

    monkeypatch.setattr(escalation_services, "escalation_resolve", escalation_resolve)
    return calls


def opened_issue(tracker, escalation, kind: str) -> EngineeringIssue:
    make_connector(tracker, kind)
    escalation_to_engineering(escalation)
    issue = EngineeringIssue.objects.get()
    issue_deliver(issue.pk)
    issue.refresh_from_db()
    assert issue.status == IssueStatus.OPEN
    return issue


def post(client, connector_id, body: bytes, headers: dict[str, str], query: str = ""):
    return client.post(
        f"/api/v1/engineering/webhooks/{connector_id}{query}",
        data=body,
        content_type="application/json",
        headers=headers,
    )


def post_signed(client, issue, payload, *, secret: str = INBOUND_SECRET):
    body, headers, query = signed_status_request(issue.connector.kind, secret, payload)
    return post(client, issue.connector_id, body, headers, query)


def github_closed(issue, reason: str = "completed", action: str = "closed") -> dict:
    return {
        "action": action,
        "issue": {
            "number": int(issue.external_key),
            "title": "Timeouts on large queries",
            "state": "closed",
            "state_reason": reason,
        },
        "repository": {"full_name": "acme/engine"},
    }


def jira_updated(key: str, status: str, resolution: str | None = None) -> dict:
    return {
        "webhookEvent": "jira:issue_updated",
        "issue": {
            "key": key,
            "fields": {
                "summary": "Timeouts on large queries",
                "status": {"name": status},
                "resolution": {"name": resolution} if resolution else None,
            },
        },
    }


# --- forged or missing signatures -------------------------------------------------------------


@pytest.mark.parametrize("kind", ["webhook", "github", "jira"])
def test_a_forged_signature_is_refused_and_nothing_changes(
    client, tracker, escalation, resolutions, kind
):
    issue = opened_issue(tracker, escalation, kind)
    events_before = TicketEvent.objects.count()
    payload = (
        {"issue": issue.external_key, "issue_id": issue.pk, "status": "fixed"}
        if kind == "webhook"
        else github_closed(issue)
        if kind == "github"
        else jira_updated(issue.external_key, "Done", "Done")
    )

    response = post_signed(client, issue, payload, secret="a-guess")

    assert response.status_code == 401
    issue.refresh_from_db()
    escalation.refresh_from_db()
    assert issue.status == IssueStatus.OPEN
    assert escalation.status == EscalationStatus.ACCEPTED
    assert resolutions == []
    assert TicketEvent.objects.count() == events_before
    logged = Delivery.objects.get(direction=DeliveryDirection.INBOUND)
    assert (logged.outcome, logged.status_code) == (DeliveryOutcome.REFUSED, 401)


def test_a_missing_signature_is_refused(client, tracker, escalation, resolutions):
    issue = opened_issue(tracker, escalation, "webhook")
    body = json.dumps({"issue_id": issue.pk, "status": "fixed"}).encode()

    response = post(client, issue.connector_id, body, {})

    assert response.status_code == 401
    issue.refresh_from_db()
    assert issue.status == IssueStatus.OPEN


def test_a_signature_of_another_body_is_refused(client, tracker, escalation, resolutions):
    issue = opened_issue(tracker, escalation, "webhook")
    signed = json.dumps({"issue_id": issue.pk, "status": "in_progress"}).encode()
    sent = json.dumps({"issue_id": issue.pk, "status": "fixed"}).encode()

    response = post(
        client, issue.connector_id, sent, {"X-Tierdesk-Signature": sign(INBOUND_SECRET, signed)}
    )

    assert response.status_code == 401
    assert resolutions == []


def test_github_needs_its_own_signature_header(client, tracker, escalation, resolutions):
    issue = opened_issue(tracker, escalation, "github")
    body = json.dumps(github_closed(issue)).encode()

    # Signed correctly, but in the desk's header instead of GitHub's.
    response = post(
        client,
        issue.connector_id,
        body,
        {"X-Tierdesk-Signature": sign(INBOUND_SECRET, body), "X-GitHub-Event": "issues"},
    )

    assert response.status_code == 401
    assert resolutions == []


def test_a_connector_without_an_inbound_secret_accepts_nothing(
    client, tracker, escalation, resolutions
):
    issue = opened_issue(tracker, escalation, "webhook")
    issue.connector.inbound_secret = ""
    issue.connector.save()

    response = post_signed(client, issue, {"issue_id": issue.pk, "status": "fixed"}, secret="")

    assert response.status_code == 401


def test_jira_with_a_wrong_shared_secret_is_refused(client, tracker, escalation, resolutions):
    issue = opened_issue(tracker, escalation, "jira")
    body = json.dumps(jira_updated("ENG-1", "Done", "Done")).encode()

    response = post(client, issue.connector_id, body, {}, "?secret=nope")

    assert response.status_code == 401
    assert resolutions == []


# --- valid reports ----------------------------------------------------------------------------


def test_fixed_resolves_the_escalation_for_the_system_with_the_issue_key(
    client, tracker, escalation, resolutions
):
    issue = opened_issue(tracker, escalation, "jira")

    response = post_signed(client, issue, jira_updated("ENG-1", "Done", "Done"))

    assert response.status_code == 200
    assert response.json() == {
        "result": "changed",
        "detail": "ENG-1 is now fixed.",
        "issue": issue.pk,
    }
    [call] = resolutions
    assert call["actor"] is None
    assert call["escalation"].pk == escalation.pk
    assert call["resolution"] == "Engineering fixed ENG-1: Timeouts on large queries"
    issue.refresh_from_db()
    assert (issue.status, issue.tracker_status) == (IssueStatus.FIXED, "Done")
    assert [h["status"] for h in issue.history] == ["pending", "open", "fixed"]
    event = TicketEvent.objects.filter(kind=EventKind.ENGINEERING).latest("pk")
    assert (event.field, event.from_value, event.to_value) == ("issue_status", "open", "fixed")
    assert event.actor is None


def test_the_same_status_twice_changes_nothing(client, tracker, escalation, resolutions):
    issue = opened_issue(tracker, escalation, "webhook")
    payload = {"issue_id": issue.pk, "status": "fixed", "comment": "Released in 4.2.2"}
    post_signed(client, issue, payload)
    events = TicketEvent.objects.count()

    response = post_signed(client, issue, payload)

    assert response.status_code == 200
    assert response.json()["result"] == "unchanged"
    assert len(resolutions) == 1
    assert resolutions[0]["resolution"] == (
        "Engineering fixed the issue in webhook connector: Released in 4.2.2"
    )
    assert TicketEvent.objects.count() == events
    issue.refresh_from_db()
    assert len(issue.history) == 3


def test_github_closed_as_not_planned_is_wont_fix(client, tracker, escalation, resolutions):
    issue = opened_issue(tracker, escalation, "github")

    response = post_signed(client, issue, github_closed(issue, reason="not_planned"))

    assert response.status_code == 200
    issue.refresh_from_db()
    assert issue.status == IssueStatus.WONT_FIX
    assert resolutions[0]["resolution"] == (
        "Engineering won't fix acme/engine#1: Timeouts on large queries"
    )


def test_github_reopened_is_open_again_without_touching_the_escalation(
    client, tracker, escalation, resolutions
):
    issue = opened_issue(tracker, escalation, "github")
    issue.status = IssueStatus.IN_PROGRESS
    issue.save()

    response = post_signed(client, issue, github_closed(issue, action="reopened"))

    assert response.json()["result"] == "changed"
    issue.refresh_from_db()
    assert issue.status == IssueStatus.OPEN
    assert resolutions == []


def test_a_github_label_in_the_status_mapping_moves_the_issue(
    client, tracker, escalation, resolutions
):
    issue = opened_issue(tracker, escalation, "github")
    issue.connector.status_map = {**issue.connector.status_map, "status: working": "in_progress"}
    issue.connector.save()
    payload = {**github_closed(issue, action="labeled"), "label": {"name": "Status: Working"}}

    post_signed(client, issue, payload)

    issue.refresh_from_db()
    assert issue.status == IssueStatus.IN_PROGRESS


def test_a_github_event_of_another_repository_is_not_applied(
    client, tracker, escalation, resolutions
):
    issue = opened_issue(tracker, escalation, "github")
    payload = {**github_closed(issue), "repository": {"full_name": "evil/fork"}}

    response = post_signed(client, issue, payload)

    assert response.status_code == 404
    issue.refresh_from_db()
    assert issue.status == IssueStatus.OPEN


def test_a_status_missing_from_the_mapping_is_ignored(client, tracker, escalation, resolutions):
    issue = opened_issue(tracker, escalation, "jira")

    response = post_signed(client, issue, jira_updated("ENG-1", "Waiting for QA"))

    assert response.status_code == 200
    assert response.json()["result"] == "ignored"
    issue.refresh_from_db()
    assert issue.status == IssueStatus.OPEN


def test_jira_in_progress_is_recorded_in_the_history(client, tracker, escalation, resolutions):
    issue = opened_issue(tracker, escalation, "jira")

    post_signed(client, issue, jira_updated("ENG-1", "In Progress"))

    issue.refresh_from_db()
    assert issue.history[-1]["status"] == "in_progress"
    assert issue.history[-1]["tracker_status"] == "In Progress"
    assert resolutions == []


def test_a_jira_relay_may_sign_instead_of_the_shared_secret(
    client, tracker, escalation, resolutions
):
    issue = opened_issue(tracker, escalation, "jira")
    body = json.dumps(jira_updated("ENG-1", "Done", "Won't Do")).encode()

    response = post(
        client, issue.connector_id, body, {"X-Tierdesk-Signature": sign(INBOUND_SECRET, body)}
    )

    assert response.status_code == 200
    issue.refresh_from_db()
    assert issue.status == IssueStatus.WONT_FIX


# --- unknown issues and connectors ------------------------------------------------------------


def test_an_unknown_issue_is_404_with_the_reason(client, tracker, escalation, resolutions):
    issue = opened_issue(tracker, escalation, "jira")

    response = post_signed(client, issue, jira_updated("ENG-999", "Done", "Done"))

    assert response.status_code == 404
    assert "ENG-999" in response.json()["detail"]
    issue.refresh_from_db()
    assert issue.status == IssueStatus.OPEN


def test_an_issue_of_another_connector_is_unknown_here(client, tracker, escalation, resolutions):
    issue = opened_issue(tracker, escalation, "webhook")
    other = make_connector(tracker, "webhook", name="Another hook")
    body, headers, _ = signed_status_request(
        "webhook", INBOUND_SECRET, {"issue_id": issue.pk, "status": "fixed"}
    )

    response = post(client, other.pk, body, headers)

    assert response.status_code == 404
    assert resolutions == []


def test_an_unknown_connector_is_404(client, db):
    response = post(client, 424242, b"{}", {})

    assert response.status_code == 404


def test_a_body_that_is_not_json_is_422(client, tracker, escalation, resolutions):
    issue = opened_issue(tracker, escalation, "webhook")
    body = b"status=fixed"
    stamp = str(int(time.time()))

    response = post(
        client,
        issue.connector_id,
        body,
        {
            "X-Tierdesk-Timestamp": stamp,
            "X-Tierdesk-Signature": sign_webhook(INBOUND_SECRET, stamp, body),
        },
    )

    assert response.status_code == 422


# --- with the escalations app's own resolve -----------------------------------------------------


def _escalation_resolve_available() -> bool:
    try:
        from tierdesk.escalations.services import escalation_resolve  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(
    not _escalation_resolve_available(), reason="tierdesk.escalations.services is not there yet"
)
def test_fixed_brings_the_ticket_back_to_tier_2_with_a_note(client, tracker, escalation):
    from tierdesk.tickets.models import Message

    issue = opened_issue(tracker, escalation, "jira")

    response = post_signed(client, issue, jira_updated("ENG-1", "Done", "Done"))

    assert response.status_code == 200
    escalation.refresh_from_db()
    ticket = escalation.ticket
    ticket.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED
    assert ticket.tier == 2
    note = Message.objects.filter(ticket=ticket, kind="internal").latest("pk")
    assert "Engineering fixed ENG-1: Timeouts on large queries" in note.body_text
