"""Fixtures of escalation: the tier-2 and tier-3 people and groups, a full package, and helpers
that escalate and accept in one line."""

from __future__ import annotations

import pytest

from conftest import make_person
from tierdesk.accounts.choices import Role, Tier
from tierdesk.accounts.models import SkillGroup
from tierdesk.escalations.services import escalation_accept, escalation_create

PACKAGE = {
    "summary": "Dashboards time out on queries over 1M rows since 4.2",
    "customer_impact": "Every Acme dashboard fails; their board meeting is tomorrow",
    "tried": "Raised the timeout to 120 s; cleared the result cache",
}
FULL_PACKAGE = {
    **PACKAGE,
    "steps_to_reproduce": "1. Open any dashboard with the sales cube\n2. Wait 30 s",
    "expected_result": "The dashboard loads within 5 s",
    "actual_result": "ERR_QUERY_TIMEOUT after 30 s",
    "environment": "4.2.1, eu-west, account acme-prod",
}


@pytest.fixture
def engineer(db):
    """A tier-3 engineer."""
    return make_person("engineer", role=Role.AGENT, tier=Tier.ENGINEERING)


@pytest.fixture
def other_backline(db):
    """A second tier-2 engineer: a colleague who does not hold the escalation."""
    return make_person("colleague", role=Role.AGENT, tier=Tier.BACK_LINE)


@pytest.fixture
def back_group(db):
    return SkillGroup.objects.create(
        name="Tier 2 / Query engine", tier=Tier.BACK_LINE, product_area="administration"
    )


@pytest.fixture
def front_group(db):
    return SkillGroup.objects.create(name="Tier 1 / English", tier=Tier.FRONT_LINE)


@pytest.fixture
def escalate():
    def run(actor, ticket, to_tier=Tier.BACK_LINE, **extra):
        package = FULL_PACKAGE if to_tier == Tier.ENGINEERING else PACKAGE
        return escalation_create(
            actor=actor, ticket=ticket, to_tier=to_tier, **{**package, **extra}
        )

    return run


@pytest.fixture
def accepted(ticket, agent, backline, escalate):
    """Alice's ticket escalated by tier 1 and accepted by tier 2."""
    escalation = escalate(agent, ticket)
    return escalation_accept(actor=backline, escalation=escalation)
