"""Fixtures of the engineering link: a running fake tracker, connectors of each kind pointing at
it, tier-3 skill groups, and a tier-3 escalation with a full package."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tierdesk.accounts.choices import Tier
from tierdesk.accounts.models import SkillGroup
from tierdesk.engineering.models import Connector
from tierdesk.engineering.tests.fake_tracker import FakeTracker
from tierdesk.escalations.models import Escalation, EscalationStatus

TOKEN = "tracker-token-123"
SIGNING_SECRET = "outbound-signing-secret"
INBOUND_SECRET = "inbound-shared-secret"


@pytest.fixture
def tracker():
    with FakeTracker(token=TOKEN, signing_secret=SIGNING_SECRET) as fake:
        yield fake


def make_connector(tracker: FakeTracker, kind: str, **extra) -> Connector:
    """A connector of `kind` to the fake tracker; `groups=[...]` names the groups it serves."""
    groups = extra.pop("groups", [])
    defaults = {
        "webhook": {"url": f"{tracker.url}/hooks/tierdesk", "signing_secret": SIGNING_SECRET},
        "jira": {"url": tracker.url, "token": TOKEN, "project": "ENG", "jira_api_version": 3},
        "github": {"url": tracker.url, "token": TOKEN, "project": "acme/engine"},
    }[kind]
    connector = Connector.objects.create(
        name=extra.pop("name", f"{kind} connector"),
        kind=kind,
        inbound_secret=INBOUND_SECRET,
        labels=["support", "tier 3"],
        **{**defaults, **extra},
    )
    connector.groups.set(groups)
    return connector


def make_tier3_group(name: str) -> SkillGroup:
    return SkillGroup.objects.create(name=name, tier=Tier.ENGINEERING)


def escalate(ticket, backline, *, group: SkillGroup | None = None) -> Escalation:
    """The ticket, escalated by a tier-2 engineer to tier 3 (to `group`) and accepted there."""
    ticket.tier = Tier.ENGINEERING
    ticket.save(update_fields=["tier"])
    return Escalation.objects.create(
        ticket=ticket,
        from_tier=Tier.BACK_LINE,
        to_tier=Tier.ENGINEERING,
        group=group,
        status=EscalationStatus.ACCEPTED,
        requested_by=backline,
        summary="Queries over 1M rows time out since 4.2",
        customer_impact="All of Acme's dashboards fail",
        steps_to_reproduce="1. Open any dashboard\n2. Wait 30 s",
        expected_result="The dashboard loads",
        actual_result="ERR_QUERY_TIMEOUT",
        environment="4.2.1, eu-west",
        tried="Raised the timeout; cleared the cache",
        links=["https://status.example/incidents/42"],
        created_at=timezone.now(),
    )


@pytest.fixture
def query_engine(db) -> SkillGroup:
    return make_tier3_group("Query engine")


@pytest.fixture
def escalation(ticket, backline):
    """Alice's ticket, escalated by a tier-2 engineer to tier 3 and accepted there."""
    return escalate(ticket, backline)
