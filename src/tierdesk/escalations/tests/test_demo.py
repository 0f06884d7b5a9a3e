"""The demo escalations: the desk's history as escalation records, live ones in every state,
a complaint with its escalation manager, and nothing added twice."""

from __future__ import annotations

from unittest import mock

from tierdesk.demo.seed import seed_demo
from tierdesk.escalations.demo import seed_escalations_demo
from tierdesk.escalations.models import OPEN_ESCALATION_STATUSES, Escalation, EscalationStatus
from tierdesk.escalations.selectors import escalation_stats
from tierdesk.tickets.models import Ticket


def test_the_demo_has_escalations_in_every_state_and_a_complaint(db):
    seed_demo(tickets=1_000, seed=7)

    with mock.patch("tierdesk.engineering.services.escalation_to_engineering") as hook:
        seed_escalations_demo()
        seed_escalations_demo()

    statuses = set(Escalation.objects.values_list("status", flat=True))
    assert statuses == set(EscalationStatus.values)
    hook.assert_called_once()
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
