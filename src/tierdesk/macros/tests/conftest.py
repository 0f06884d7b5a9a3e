"""Fixtures of the working tools: an engineer in a group with a teammate, an outsider engineer
in another group, and macros of every scope."""

from __future__ import annotations

import pytest
from django.utils import timezone

from conftest import make_person
from tierdesk.accounts.choices import Role, Tier
from tierdesk.accounts.models import SkillGroup
from tierdesk.macros.models import Macro


@pytest.fixture
def engineer(group):
    """A tier-1 engineer in the query engine group: the one applying macros in most tests."""
    person = make_person("emma", role=Role.AGENT, tier=Tier.FRONT_LINE, last_name="Clarke")
    person.skill_groups.add(group)
    return person


@pytest.fixture
def teammate(group):
    person = make_person("liam", role=Role.AGENT, tier=Tier.FRONT_LINE)
    person.skill_groups.add(group)
    return person


@pytest.fixture
def other_group(db):
    return SkillGroup.objects.create(name="Integrations", product_area="integrations")


@pytest.fixture
def outsider(other_group):
    """An engineer of another group."""
    person = make_person("olga", role=Role.AGENT, tier=Tier.BACK_LINE)
    person.skill_groups.add(other_group)
    return person


def make_macro(name: str, *, owner=None, group=None, kind="reply", body="", changes=None) -> Macro:
    now = timezone.now()
    return Macro.objects.create(
        name=name,
        owner=owner,
        group=group,
        kind=kind,
        body=body,
        changes=changes or {},
        created_at=now,
        updated_at=now,
    )
