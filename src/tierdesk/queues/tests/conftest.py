"""Fixtures of the queue tests: two groups, their engineers, and tickets opened at known times."""

from __future__ import annotations

import pytest
import time_machine

from conftest import make_person
from tierdesk.accounts.choices import Role, Tier
from tierdesk.accounts.models import SkillGroup
from tierdesk.tickets.services import ticket_open, ticket_reply


@pytest.fixture
def other_group(db) -> SkillGroup:
    return SkillGroup.objects.create(name="Japanese / integrations", product_area="integrations")


@pytest.fixture
def engineer(group):
    """A tier-1 engineer of the query engine group: the person whose work the tests look at."""
    person = make_person("emma", role=Role.AGENT, tier=Tier.FRONT_LINE)
    person.skill_groups.add(group)
    return person


@pytest.fixture
def teammate(group):
    person = make_person("tom", role=Role.AGENT, tier=Tier.FRONT_LINE)
    person.skill_groups.add(group)
    return person


@pytest.fixture
def outsider(other_group):
    """An engineer of another group only."""
    person = make_person("olga", role=Role.AGENT, tier=Tier.FRONT_LINE)
    person.skill_groups.add(other_group)
    return person


@pytest.fixture
def open_at(alice, agent):
    """Opens a ticket for alice in a group at a given time (ISO, UTC)."""

    def opener(at: str, group, subject: str = "Dashboard is slow", **fields):
        with time_machine.travel(at, tick=False):
            return ticket_open(
                actor=agent,
                requester=alice,
                subject=subject,
                body="Since Monday",
                group=group,
                **fields,
            )

    return opener


@pytest.fixture
def reactivate(alice, agent):
    """The desk answers at `answered`; the customer writes back at `at`."""

    def answer_then_reactivate(ticket, answered: str, at: str):
        with time_machine.travel(answered, tick=False):
            ticket_reply(actor=agent, ticket=ticket, body="Which version?", status="pending")
        with time_machine.travel(at, tick=False):
            ticket_reply(actor=alice, ticket=ticket, body="Version 4.2")
        ticket.refresh_from_db()
        return ticket

    return answer_then_reactivate
