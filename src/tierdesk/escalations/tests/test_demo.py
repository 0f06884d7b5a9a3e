"""The demo escalations: the desk's history as escalation records, live ones in every state,
a complaint with its escalation manager, and nothing added twice."""

from __future__ import annotations

from unittest import mock

import time_machine

from tierdesk.accounts.choices import Tier
from tierdesk.demo.seed import seed_demo
from tierdesk.escalations.demo import seed_escalations_demo
from tierdesk.escalations.models import OPEN_ESCALATION_STATUSES, Escalation, EscalationStatus
from tierdesk.escalations.selectors import escalation_stats
from tierdesk.tickets.models import Ticket

# The seeded desk is the six months before today, so which tickets are still open (the live
# escalations' raw material) changes from day to day: on 2026-12-25 only three front-line
# tickets were, too few for the tier-3 scenario. The tests seed the same desk on every run.
SEEDED_ON = "2026-12-07 09:00Z"
# A day whose desk leaves three open front-line tickets.
SPARSE_DAY = "2026-12-25 09:00Z"


def test_the_demo_has_escalations_in_every_state_and_a_complaint(db):
    with time_machine.travel(SEEDED_ON, tick=False):
        seed_demo(tickets=1_000, seed=7)
        with mock.patch("tierdesk.engineering.services.escalation_to_engineering") as hook:
            seed_escalations_demo()
            seed_escalations_demo()

    statuses = set(Escalation.objects.values_list("status", flat=True))
    assert statuses == set(EscalationStatus.values)
    # The history's records carry no links; the live escalations' packages do.
    [to_engineering] = [e for e in Escalation.objects.filter(to_tier=Tier.ENGINEERING) if e.links]
    hook.assert_called_once_with(to_engineering)
    complaint = Ticket.objects.get(escalation_flag="complaint")
    assert complaint.escalation_manager.username == "manager1"
    # At most one open escalation per tier step on any ticket.
    for number in Ticket.objects.values_list("number", flat=True):
        open_tiers = list(
            Escalation.objects.filter(
                ticket_id=number, status__in=OPEN_ESCALATION_STATUSES
            ).values_list("to_tier", flat=True)
        )
        assert len(open_tiers) == len(set(open_tiers))
    history = Escalation.objects.filter(status=EscalationStatus.RESOLVED).count()
    assert history > 5
    manager = complaint.escalation_manager
    stats = escalation_stats(manager)
    assert sum(row.accepted for row in stats.engineers) > 0


def test_each_live_escalation_is_made_by_the_tickets_holder(db):
    """The demo follows the escalation rules: an agent escalates only a ticket nobody else
    holds, so every live request comes from whoever held the ticket when it went up."""
    with time_machine.travel(SEEDED_ON, tick=False):
        seed_demo(tickets=1_000, seed=7)
        held_before = dict(Ticket.objects.values_list("number", "assignee_id"))
        with mock.patch("tierdesk.engineering.services.escalation_to_engineering"):
            seed_escalations_demo()

    live = [e for e in Escalation.objects.filter(from_tier=Tier.FRONT_LINE) if e.links]
    assert len(live) >= 5
    for escalation in live:
        holder = held_before[escalation.ticket_id]
        assert holder in (None, escalation.requested_by_id)
    withdrawn = Escalation.objects.get(status=EscalationStatus.WITHDRAWN)
    again = Escalation.objects.get(ticket=withdrawn.ticket, status=EscalationStatus.REQUESTED)
    assert again.requested_by_id == withdrawn.requested_by_id


def test_on_a_day_with_few_open_tickets_the_demo_still_seeds_without_errors(db):
    with time_machine.travel(SPARSE_DAY, tick=False):
        seed_demo(tickets=1_000, seed=7)
        with mock.patch("tierdesk.engineering.services.escalation_to_engineering"):
            seed_escalations_demo()

    statuses = set(Escalation.objects.values_list("status", flat=True))
    assert {EscalationStatus.RETURNED, EscalationStatus.WITHDRAWN} <= statuses
