"""Writing rules: who may, what is refused (naming each field), order and moves; batch routing."""

from __future__ import annotations

import pytest

from tierdesk.core.errors import PermissionDenied, ValidationFailed
from tierdesk.routing import services
from tierdesk.routing.models import RoutingRule
from tierdesk.routing.tests.conftest import prediction
from tierdesk.tickets.choices import EventKind
from tierdesk.tickets.models import Ticket, TicketEvent
from tierdesk.tickets.services import ticket_open

pytestmark = pytest.mark.django_db


def refusal(excinfo) -> dict[str, list[str]]:
    return excinfo.value.errors


def test_an_admin_creates_rules_at_the_end_of_the_order(admin_user, group):
    first = services.routing_rule_create(
        actor=admin_user, name="  A   rule ", conditions={}, actions={"group": group.name}
    )
    second = services.routing_rule_create(
        actor=admin_user,
        name="B",
        conditions={"channel": ["email"], "tags": ["VIP"], "keywords": ["  Outage "]},
        actions={"priority": "high"},
    )

    assert first.name == "A rule"
    assert first.actions == {"group": group.pk}
    assert first.created_by == admin_user
    assert second.position > first.position
    assert second.conditions == {"channel": ["email"], "tags": ["vip"], "keywords": ["outage"]}


@pytest.mark.parametrize("who", ["agent", "manager", "reviewer"])
def test_only_admins_write_rules(request, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.routing_rule_create(
            actor=actor, name="Nope", conditions={}, actions={"priority": "high"}
        )


def test_every_bad_field_is_named(admin_user, make_rule):
    make_rule("Taken", {}, priority="low")

    with pytest.raises(ValidationFailed) as excinfo:
        services.routing_rule_create(
            actor=admin_user,
            name="Taken",
            conditions={
                "channel": ["fax"],
                "colour": ["red"],
                "predicted_type": {"values": ["incident"], "min_confidence": 1.5},
                "keywords": "outage",
            },
            actions={"group": "No such team", "priority": "asap", "teleport": True},
        )

    assert set(refusal(excinfo)) == {
        "name",
        "conditions.channel",
        "conditions.colour",
        "conditions.predicted_type",
        "conditions.keywords",
        "actions.group",
        "actions.priority",
        "actions.teleport",
    }
    assert RoutingRule.objects.count() == 1


def test_a_rule_without_actions_is_refused(admin_user):
    with pytest.raises(ValidationFailed) as excinfo:
        services.routing_rule_create(
            actor=admin_user, name="Empty", conditions={"plan": ["basic"]}, actions={}
        )
    assert "actions" in refusal(excinfo)


def test_an_empty_name_and_non_object_parts_are_refused(admin_user):
    with pytest.raises(ValidationFailed) as excinfo:
        services.routing_rule_create(actor=admin_user, name=" ", conditions=[], actions="x")
    assert set(refusal(excinfo)) == {"name", "conditions", "actions"}


def test_update_replaces_parts_and_refuses_unknown_fields(admin_user, make_rule):
    rule = make_rule("Rule", {"plan": ["basic"]}, priority="low")

    updated = services.routing_rule_update(
        actor=admin_user,
        rule=rule,
        changes={"conditions": {"language": ["ja"]}, "stop_processing": True},
    )
    assert updated.conditions == {"language": ["ja"]}
    assert updated.actions == {"priority": "low"}
    assert updated.stop_processing is True

    with pytest.raises(ValidationFailed) as excinfo:
        services.routing_rule_update(
            actor=admin_user, rule=rule, changes={"position": 3, "active": "yes"}
        )
    assert set(refusal(excinfo)) == {"position", "active"}


def test_reorder_names_every_rule_exactly_once(admin_user, make_rule):
    a, b, c = (make_rule(n, {}, priority="low") for n in "abc")

    with pytest.raises(ValidationFailed) as excinfo:
        services.routing_rule_reorder(actor=admin_user, rule_ids=[c.pk, a.pk])
    assert "ids" in refusal(excinfo)
    with pytest.raises(ValidationFailed):
        services.routing_rule_reorder(actor=admin_user, rule_ids=[c.pk, a.pk, b.pk, 999])

    services.routing_rule_reorder(actor=admin_user, rule_ids=[c.pk, a.pk, b.pk])
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["c", "a", "b"]


def test_move_up_and_down_stops_at_the_ends(admin_user, make_rule):
    a, _b, c = (make_rule(n, {}, priority="low") for n in "abc")

    services.routing_rule_move(actor=admin_user, rule=c, offset=-1)
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["a", "c", "b"]
    services.routing_rule_move(actor=admin_user, rule=a, offset=-1)
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["a", "c", "b"]


def test_settings_writes_check_roles_and_values(admin_user, manager, agent, group):
    with pytest.raises(PermissionDenied):
        services.group_assignment_set(actor=manager, group=group, mode="round_robin")
    with pytest.raises(ValidationFailed) as excinfo:
        services.group_assignment_set(actor=admin_user, group=group, mode="random")
    assert "mode" in refusal(excinfo)
    with pytest.raises(PermissionDenied):
        services.availability_set(
            actor=agent, person=agent, max_open_tickets=5, away=False, shifts=[]
        )
    with pytest.raises(ValidationFailed) as excinfo:
        services.availability_set(
            actor=manager,
            person=agent,
            max_open_tickets=-1,
            away=False,
            shifts=[services.ShiftIn(weekday=9, start=_t(9), end=_t(9))],
        )
    assert set(refusal(excinfo)) == {"max_open_tickets", "shifts.0.weekday", "shifts.0.end"}


def _t(hour):
    from datetime import time

    return time(hour)


def test_batch_routing_matches_one_at_a_time(alice, make_rule, classifier, group):
    tickets = [
        ticket_open(actor=alice, subject=f"Cluster outage {n}", body="Everything is down.")
        for n in range(3)
    ]
    make_rule("Classify", {}, apply_prediction={"min_confidence": 0.5})
    make_rule("Outage", {"keywords": ["down"]}, priority="urgent", add_tags=["outage"])
    make_rule("Integrations", {"product_area": ["integrations"]}, group=group.pk)
    classifier.answer = prediction()

    matched = services.tickets_route(tickets)

    assert matched == {t.pk: ["Classify", "Outage", "Integrations"] for t in tickets}
    assert len(classifier.predicted) == 1 and len(classifier.predicted[0]) == 3
    for ticket in Ticket.objects.filter(pk__in=matched):
        assert (ticket.type, ticket.product_area, ticket.priority, ticket.group_id) == (
            "incident",
            "integrations",
            "urgent",
            group.pk,
        )
        assert ticket.tags == ["outage"]
        assert [
            (e.field, e.data["rule"])
            for e in TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ROUTED)
        ] == [
            ("type", "Classify"),
            ("product_area", "Classify"),
            ("priority", "Outage"),
            ("tags", "Outage"),
            ("group", "Integrations"),
        ]
