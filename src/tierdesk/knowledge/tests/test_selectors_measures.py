"""KCS measures over a hand-built history: link rate, reuse, created, their articles flagged and
flags raised, per engineer and per group, only what happened in the period."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from conftest import make_person
from tierdesk.accounts.choices import Role
from tierdesk.accounts.models import SkillGroup
from tierdesk.core.errors import ValidationFailed
from tierdesk.knowledge.selectors import kcs_measures
from tierdesk.knowledge.services import article_flag, article_link_ticket, article_update
from tierdesk.tickets.services import ticket_open, ticket_update

from .conftest import make_article

pytestmark = pytest.mark.django_db

IN = dt.datetime(2025, 5, 10, 12, tzinfo=dt.UTC)
BEFORE = dt.datetime(2025, 4, 20, 12, tzinfo=dt.UTC)


def _solved(alice, assignee, group, at):
    ticket = ticket_open(actor=alice, subject="Help", body="It fails", route=False)
    ticket_update(
        actor=assignee, ticket=ticket, changes={"assignee": assignee.pk, "group": group.pk}
    )
    with time_machine.travel(at, tick=False):
        ticket_update(actor=assignee, ticket=ticket, changes={"status": "solved"})
    return ticket


def test_measures_per_engineer_and_group(alice, manager, settings):
    settings.TIME_ZONE = "UTC"
    query = SkillGroup.objects.create(name="Query engine")
    billing = SkillGroup.objects.create(name="Billing")
    ann = make_person("ann", role=Role.AGENT)
    bob = make_person("bob", role=Role.AGENT)
    ann.skill_groups.add(query)
    bob.skill_groups.add(billing)
    with time_machine.travel(BEFORE, tick=False):
        old_article = make_article(ann, title="Old")  # created before the period: not counted
        # Public and validated, so it may go into a reply.
        article_update(
            actor=manager,
            article=old_article,
            changes={"state": "validated", "visibility": "public"},
        )
    with time_machine.travel(IN, tick=False):
        a1 = make_article(ann, title="A1")
        a2 = make_article(ann, title="A2")
        b1 = make_article(bob, title="B1")
    # Ann solves 4 tickets in the period (query group), 3 of them with an article; one before.
    t = [_solved(alice, ann, query, IN) for _ in range(4)]
    _solved(alice, ann, query, BEFORE)
    # Bob solves 2 (billing), none with an article.
    [_solved(alice, bob, billing, IN) for _ in range(2)]
    with time_machine.travel(IN, tick=False):
        article_link_ticket(actor=ann, article=a1, ticket=t[0], source="created")
        article_link_ticket(actor=bob, article=b1, ticket=t[1])  # bob reuses on ann's ticket
        article_link_ticket(actor=ann, article=old_article, ticket=t[2], source="reply")
        article_link_ticket(actor=ann, article=a2, ticket=t[2])
        # Two flags on a1 (one article) and two on b1: "flagged" counts the owners' distinct
        # articles, "flags_raised" credits whoever flagged.
        article_flag(actor=bob, article=a1, reason="Outdated")
        article_flag(actor=manager, article=a1, reason="Unclear")
        article_flag(actor=ann, article=b1, reason="Wrong")
        article_flag(actor=ann, article=b1, reason="Step 3 missing")
    with time_machine.travel(BEFORE, tick=False):
        article_flag(actor=bob, article=a2, reason="Before the period")

    rows = {r.name: r for r in kcs_measures(dt.date(2025, 5, 1), dt.date(2025, 5, 31))}
    ann_row, bob_row = rows["Ann"], rows["Bob"]
    # Ann: 3 of 4 solved tickets have an article; reuse = 2 (reply + linked; "created" is capture).
    assert (ann_row.solved, ann_row.solved_with_article, ann_row.link_rate) == (4, 3, 0.75)
    assert (ann_row.reuse, ann_row.created, ann_row.flagged) == (2, 2, 1)
    assert (bob_row.solved, bob_row.solved_with_article, bob_row.link_rate) == (2, 0, 0.0)
    assert (bob_row.reuse, bob_row.created, bob_row.flagged) == (1, 1, 1)
    # Ann raised 2 flags (both on b1), Bob 1 in the period (his flag on a2 came before it), the
    # manager 1: a row of its own though they solved and wrote nothing.
    assert (ann_row.flags_raised, bob_row.flags_raised) == (2, 1)
    assert (rows["Manager"].solved, rows["Manager"].flags_raised, rows["Manager"].flagged) == (
        0,
        1,
        0,
    )

    groups = {
        r.name: r for r in kcs_measures(dt.date(2025, 5, 1), dt.date(2025, 5, 31), group_by="group")
    }
    # The query group's tickets carry all 3 reuses made in the period, whoever made them.
    assert (groups["Query engine"].solved, groups["Query engine"].link_rate) == (4, 0.75)
    assert (groups["Query engine"].reuse, groups["Query engine"].created) == (3, 2)
    assert (groups["Billing"].solved, groups["Billing"].reuse, groups["Billing"].flagged) == (
        2,
        0,
        1,
    )
    # Members' flags raised: Ann's 2 for the query group, Bob's 1 for billing.
    assert (groups["Query engine"].flags_raised, groups["Billing"].flags_raised) == (2, 1)

    # A period with nothing in it counts nothing; a period ending before it starts is refused.
    assert kcs_measures(dt.date(2024, 1, 1), dt.date(2024, 1, 31)) == []
    with pytest.raises(ValidationFailed) as refused:
        kcs_measures(dt.date(2025, 5, 31), dt.date(2025, 5, 1))
    assert "to" in refused.value.errors
