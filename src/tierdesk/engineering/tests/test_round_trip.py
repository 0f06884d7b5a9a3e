"""The whole loop over real HTTP, as the browser test uses it: the escalation commits, the queue
runs the delivery at once, the fake tracker receives the issue, and its signed "fixed" update
reaches the desk's webhook."""

from __future__ import annotations

import pytest
from django.db import transaction

from tierdesk.engineering.choices import IssueStatus
from tierdesk.engineering.models import EngineeringIssue
from tierdesk.engineering.services import escalation_to_engineering
from tierdesk.engineering.tests.conftest import INBOUND_SECRET, make_connector
from tierdesk.engineering.tests.fake_tracker import immediate_queue, send_status


@pytest.mark.django_db(transaction=True)
def test_the_tracker_gets_the_issue_and_its_fixed_update_reaches_the_desk(
    live_server, tracker, escalation, monkeypatch
):
    calls = []
    monkeypatch.setattr(
        "tierdesk.engineering.services._hand_back",
        lambda issue, meaning, comment: calls.append((issue.pk, meaning, comment)) or True,
    )
    connector = make_connector(tracker, "github")

    with immediate_queue(), transaction.atomic():
        escalation_to_engineering(escalation)

    issue = EngineeringIssue.objects.get()
    assert issue.status == IssueStatus.OPEN
    assert tracker.last().path == "/repos/acme/engine/issues"
    status, answer = send_status(
        live_server.url,
        connector.pk,
        kind="github",
        secret=INBOUND_SECRET,
        payload={
            "action": "closed",
            "issue": {"number": 1, "title": "Timeouts", "state_reason": "completed"},
            "repository": {"full_name": "acme/engine"},
        },
    )
    assert (status, answer["result"]) == (200, "changed")
    assert calls == [(issue.pk, "fixed", "Timeouts")]
    issue.refresh_from_db()
    assert issue.status == IssueStatus.FIXED
