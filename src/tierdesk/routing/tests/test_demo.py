"""The demo's routing seeds against the demo cast, and a second run changes nothing."""

from __future__ import annotations

import pytest

from tierdesk.accounts.models import User
from tierdesk.demo.cast import cast_ensure
from tierdesk.routing.demo import DEMO_RULES, seed_routing_demo
from tierdesk.routing.models import Availability, GroupAssignment, RoutingRule, Shift
from tierdesk.tickets.services import ticket_open

pytestmark = pytest.mark.django_db


def test_demo_routing_seeds_once_and_routes_a_japanese_outage():
    cast = cast_ensure()
    seed_routing_demo()
    counts = (RoutingRule.objects.count(), Shift.objects.count(), GroupAssignment.objects.count())
    seed_routing_demo()

    assert counts == (
        RoutingRule.objects.count(),
        Shift.objects.count(),
        GroupAssignment.objects.count(),
    )
    assert counts[0] == len(DEMO_RULES)
    assert Availability.objects.exists()
    japanese = next(c for c in cast.companies if c.region == "japan")
    customer = next(p for p in japanese.contacts if p.language == "ja")
    ticket = ticket_open(
        actor=User.objects.get(pk=customer.id),
        subject="本番環境で障害が発生しています",
        body="ダッシュボードが表示されません。",
    )
    assert ticket.group.name == "Tier 1 / Japanese"
    assert (ticket.priority, ticket.type) == ("urgent", "incident")
