"""The generic webhook's signature covers a timestamp that must be within 5 minutes, a delivery
id is applied once, and a refused request is logged without its body."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tierdesk.engineering import inbound
from tierdesk.engineering.choices import DeliveryDirection, DeliveryOutcome, IssueStatus
from tierdesk.engineering.models import Delivery, EngineeringIssue
from tierdesk.engineering.services import escalation_to_engineering, issue_deliver
from tierdesk.engineering.tests.conftest import INBOUND_SECRET, make_connector
from tierdesk.engineering.tests.fake_tracker import signed_status_request
from tierdesk.engineering.trackers import sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue(tracker, escalation, monkeypatch) -> EngineeringIssue:
    # The hand-back to tier 2 is the escalations app's; here only the issue's status matters.
    monkeypatch.setattr("tierdesk.engineering.services._hand_back", lambda *args: True)
    make_connector(tracker, "webhook")
    escalation_to_engineering(escalation)
    opened = EngineeringIssue.objects.get()
    issue_deliver(opened.pk)
    opened.refresh_from_db()
    assert opened.status == IssueStatus.OPEN
    return opened


def post(client, connector_id, body: bytes, headers: dict[str, str]):
    return client.post(
        f"/api/v1/engineering/webhooks/{connector_id}",
        data=body,
        content_type="application/json",
        headers=headers,
    )


def send(client, issue, payload, *, timestamp: int | None = None):
    body, headers, _query = signed_status_request(
        "webhook", INBOUND_SECRET, payload, timestamp=timestamp
    )
    return post(client, issue.connector_id, body, headers)


def refused_rows():
    return list(
        Delivery.objects.filter(
            direction=DeliveryDirection.INBOUND, outcome=DeliveryOutcome.REFUSED
        ).order_by("pk")
    )


# --- the timestamp ----------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [timedelta(minutes=-4, seconds=-59), timedelta(minutes=4)])
def test_a_timestamp_within_5_minutes_is_accepted(client, issue, offset):
    now = timezone.now()
    stamp = int((now + offset).timestamp())

    with time_machine.travel(now, tick=False):
        response = send(client, issue, {"issue_id": issue.pk, "status": "fixed"}, timestamp=stamp)

    assert response.status_code == 200
    issue.refresh_from_db()
    assert issue.status == IssueStatus.FIXED


@pytest.mark.parametrize("offset", [timedelta(minutes=-5, seconds=-1), timedelta(minutes=6)])
def test_a_timestamp_more_than_5_minutes_off_is_refused_with_the_reason(client, issue, offset):
    now = timezone.now()
    stamp = int((now + offset).timestamp())

    with time_machine.travel(now, tick=False):
        response = send(client, issue, {"issue_id": issue.pk, "status": "fixed"}, timestamp=stamp)

    assert response.status_code == 401
    assert "more than 5 minutes" in response.json()["detail"]
    issue.refresh_from_db()
    assert issue.status == IssueStatus.OPEN


def test_a_captured_request_replayed_later_is_refused(client, issue):
    body, headers, _query = signed_status_request(
        "webhook", INBOUND_SECRET, {"issue_id": issue.pk, "status": "fixed"}
    )

    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        response = post(client, issue.connector_id, body, headers)

    assert response.status_code == 401
    issue.refresh_from_db()
    assert issue.status == IssueStatus.OPEN


def test_a_missing_timestamp_is_refused_naming_the_header(client, issue):
    body, headers, _query = signed_status_request(
        "webhook", INBOUND_SECRET, {"issue_id": issue.pk, "status": "fixed"}
    )
    del headers["X-Tierdesk-Timestamp"]

    response = post(client, issue.connector_id, body, headers)

    assert response.status_code == 401
    assert "X-Tierdesk-Timestamp" in response.json()["detail"]


def test_a_moved_timestamp_breaks_the_signature(client, issue):
    body, headers, _query = signed_status_request(
        "webhook", INBOUND_SECRET, {"issue_id": issue.pk, "status": "fixed"}
    )
    headers["X-Tierdesk-Timestamp"] = str(int(headers["X-Tierdesk-Timestamp"]) + 1)

    response = post(client, issue.connector_id, body, headers)

    assert response.status_code == 401
    assert "signature" in response.json()["detail"]


def test_a_signature_of_the_body_alone_is_refused(client, issue):
    body = json.dumps({"issue_id": issue.pk, "status": "fixed"}).encode()
    headers = {
        "X-Tierdesk-Timestamp": str(int(timezone.now().timestamp())),
        "X-Tierdesk-Signature": sign(INBOUND_SECRET, body),
    }

    response = post(client, issue.connector_id, body, headers)

    assert response.status_code == 401


# --- delivery ids -----------------------------------------------------------------------------


def test_a_delivery_id_already_applied_is_refused_as_a_replay(client, issue):
    fixed = {"issue_id": issue.pk, "status": "fixed", "delivery": "d-1"}
    assert send(client, issue, fixed).status_code == 200
    assert (
        send(client, issue, {"issue_id": issue.pk, "status": "open", "delivery": "d-2"}).json()[
            "result"
        ]
        == "changed"
    )

    replay = send(client, issue, fixed)

    assert replay.status_code == 401
    assert replay.json()["detail"] == (
        "Delivery d-1 was already received; a replay is not applied again."
    )
    issue.refresh_from_db()
    assert issue.status == IssueStatus.OPEN
    assert [h["status"] for h in issue.history] == ["pending", "open", "fixed", "open"]


def test_a_delivery_answered_404_may_come_again(client, issue):
    unknown = {"issue": "NOPE-1", "status": "fixed", "delivery": "d-9"}
    assert send(client, issue, unknown).status_code == 404

    again = send(client, issue, {**unknown, "issue": "", "issue_id": issue.pk})

    assert again.status_code == 200
    issue.refresh_from_db()
    assert issue.status == IssueStatus.FIXED


def test_the_same_delivery_id_on_another_connector_is_its_own(client, tracker, issue, escalation):
    other = make_connector(tracker, "webhook", name="Other hook")
    payload = {"issue_id": issue.pk, "status": "in_progress", "delivery": "d-1"}
    assert send(client, issue, payload).status_code == 200
    body, headers, _query = signed_status_request("webhook", INBOUND_SECRET, payload)

    response = post(client, other.pk, body, headers)

    # Not a replay there: the other connector never opened this issue.
    assert response.status_code == 404


def test_a_replay_racing_the_original_past_the_check_is_refused_by_the_database(
    client, issue, monkeypatch
):
    payload = {"issue_id": issue.pk, "status": "fixed", "delivery": "d-race"}
    assert send(client, issue, payload).status_code == 200
    EngineeringIssue.objects.filter(pk=issue.pk).update(status=IssueStatus.OPEN)
    real_check = inbound._already_applied
    calls = []

    def check_that_misses_once(connector, delivery_id):
        calls.append(delivery_id)
        # The copy's check ran before the original's row was written.
        return False if len(calls) == 1 else real_check(connector, delivery_id)

    monkeypatch.setattr(inbound, "_already_applied", check_that_misses_once)

    response = send(client, issue, payload)

    assert response.status_code == 401
    assert "already received" in response.json()["detail"]
    issue.refresh_from_db()
    # The copy's change was rolled back with its log row.
    assert issue.status == IssueStatus.OPEN
    assert Delivery.objects.filter(delivery_id="d-race").count() == 1


def test_a_delivery_id_over_64_characters_is_422(client, issue):
    response = send(client, issue, {"issue_id": issue.pk, "status": "fixed", "delivery": "x" * 65})

    assert response.status_code == 422


# --- refused requests keep no body ------------------------------------------------------------


def test_a_refused_request_is_logged_by_size_without_its_body(client, issue, caplog):
    body = json.dumps({"issue_id": issue.pk, "status": "fixed", "filler": "z" * 3000}).encode()

    with caplog.at_level(logging.WARNING, logger="tierdesk.engineering.inbound"):
        response = post(client, issue.connector_id, body, {"X-Tierdesk-Signature": "sha256=00"})

    assert response.status_code == 401
    [row] = refused_rows()
    assert row.connector_id == issue.connector_id
    assert row.request_body == ""
    assert row.request_size == len(body)
    assert row.status_code == 401
    assert "X-Tierdesk-Timestamp" in row.response_excerpt
    assert row.issue_id is None
    assert f"connector {issue.connector_id} ({len(body)} bytes)" in caplog.text


def test_a_replay_is_logged_without_its_body(client, issue):
    payload = {"issue_id": issue.pk, "status": "fixed", "delivery": "d-1"}
    send(client, issue, payload)

    send(client, issue, payload)

    [row] = refused_rows()
    assert (row.request_body, row.delivery_id) == ("", "")
    assert "already received" in row.response_excerpt


def test_a_request_to_an_unknown_connector_stores_nothing(client, db, caplog):
    with caplog.at_level(logging.WARNING, logger="tierdesk.engineering.inbound"):
        response = post(client, 424242, b'{"status": "fixed"}', {})

    assert response.status_code == 404
    assert not Delivery.objects.exists()
    assert "unknown connector 424242" in caplog.text


def test_an_accepted_request_keeps_its_body_and_delivery_id(client, issue):
    payload = {"issue_id": issue.pk, "status": "in_progress", "delivery": "d-7"}

    send(client, issue, payload)

    row = Delivery.objects.get(direction=DeliveryDirection.INBOUND)
    assert (row.outcome, row.delivery_id) == (DeliveryOutcome.ACCEPTED, "d-7")
    assert json.loads(row.request_body) == payload
    assert row.request_size == len(row.request_body.encode())
