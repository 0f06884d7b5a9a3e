"""Routing API: rules, order, group assignment and availability; who may read and write."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from tierdesk.core.tests.api_support import API, client_for, fields
from tierdesk.routing.models import GroupAssignment, RoutingRule, Shift

pytestmark = pytest.mark.django_db

JSON = "application/json"


def post(user, path, body, **headers):
    return client_for(user, **headers).post(f"{API}{path}", body, content_type=JSON)


def test_admin_creates_reads_changes_and_deletes_a_rule(admin_user, group):
    created = post(
        admin_user,
        "/routing/rules",
        {
            "name": "Integrations",
            "conditions": {"product_area": ["integrations"]},
            "actions": {"group": group.name, "priority": "high"},
        },
    )
    assert created.status_code == 201, created.json()
    rule = created.json()
    assert rule["actions"] == {"group": group.pk, "priority": "high"}
    assert rule["created_by"] == admin_user.pk

    client = client_for(admin_user)
    assert client.get(f"{API}/routing/rules/{rule['id']}").json()["name"] == "Integrations"
    changed = client.patch(
        f"{API}/routing/rules/{rule['id']}", {"active": False}, content_type=JSON
    )
    assert changed.status_code == 200
    assert changed.json()["active"] is False
    assert changed.json()["conditions"] == {"product_area": ["integrations"]}
    assert client.delete(f"{API}/routing/rules/{rule['id']}").status_code == 204
    assert not RoutingRule.objects.exists()
    assert client.get(f"{API}/routing/rules/{rule['id']}").status_code == 404


def test_refusals_name_each_field(admin_user):
    response = post(
        admin_user,
        "/routing/rules",
        {"name": "", "conditions": {"region": ["mars"]}, "actions": {"group": 12345}},
    )

    assert response.status_code == 422
    assert fields(response) == {"name", "conditions.region", "actions.group"}


def test_unknown_top_level_fields_are_refused(admin_user):
    response = post(
        admin_user, "/routing/rules", {"name": "x", "actions": {"priority": "low"}, "when": {}}
    )
    assert response.status_code == 422
    assert fields(response) == {"when"}


def test_creating_is_idempotent(admin_user):
    body = {"name": "Once", "actions": {"priority": "low"}}
    first = post(admin_user, "/routing/rules", body, **{"Idempotency-Key": "k1"})
    again = post(admin_user, "/routing/rules", body, **{"Idempotency-Key": "k1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert RoutingRule.objects.count() == 1


def test_reorder(admin_user):
    ids = [
        post(admin_user, "/routing/rules", {"name": n, "actions": {"priority": "low"}}).json()["id"]
        for n in "ab"
    ]
    response = post(admin_user, "/routing/rules/reorder", {"ids": ids[::-1]})
    assert [r["name"] for r in response.json()] == ["b", "a"]
    assert fields(post(admin_user, "/routing/rules/reorder", {"ids": ids[:1]})) == {"ids"}


def test_managers_read_but_do_not_write_rules(manager, admin_user):
    post(admin_user, "/routing/rules", {"name": "a", "actions": {"priority": "low"}})

    assert len(client_for(manager).get(f"{API}/routing/rules").json()) == 1
    response = post(manager, "/routing/rules", {"name": "b", "actions": {"priority": "low"}})
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["agent", "alice", "reviewer"])
def test_agents_reviewers_and_customers_are_refused(request, who, admin_user, group):
    person = request.getfixturevalue(who)
    rule = post(admin_user, "/routing/rules", {"name": "a", "actions": {"priority": "low"}}).json()
    client = client_for(person)

    assert client.get(f"{API}/routing/rules").status_code == 403
    assert (
        post(person, "/routing/rules", {"name": "b", "actions": {"priority": "low"}}).status_code
        == 403
    )
    assert client.patch(
        f"{API}/routing/rules/{rule['id']}", {"active": False}, content_type=JSON
    ).status_code in {403, 404}
    assert client.delete(f"{API}/routing/rules/{rule['id']}").status_code in {403, 404}
    assert client.put(
        f"{API}/groups/{group.pk}/assignment", {"mode": "round_robin"}, content_type=JSON
    ).status_code in {403, 404}
    assert client.get(f"{API}/people/{admin_user.pk}/availability").status_code in {403, 404}
    assert RoutingRule.objects.get().active is True


@time_machine.travel(datetime(2024, 6, 5, 10, 0, tzinfo=UTC), tick=False)
def test_group_assignment_and_availability(admin_user, manager, agent, group):
    agent.skill_groups.add(group)
    client = client_for(manager)

    put = client.put(
        f"{API}/people/{agent.pk}/availability",
        {
            "max_open_tickets": 8,
            "away": False,
            "shifts": [{"weekday": 2, "start": "09:00", "end": "17:00"}],
        },
        content_type=JSON,
    )
    assert put.status_code == 200, put.json()
    assert put.json()["on_shift_now"] is True  # agent's zone is UTC: 10:00 on a Wednesday
    assert put.json()["shifts"] == [{"weekday": 2, "start": "09:00:00", "end": "17:00:00"}]
    assert Shift.objects.filter(person=agent).count() == 1

    refused = client.put(
        f"{API}/groups/{group.pk}/assignment", {"mode": "round_robin"}, content_type=JSON
    )
    assert refused.status_code == 403  # managers read assignment modes; admins set them
    response = client_for(admin_user).put(
        f"{API}/groups/{group.pk}/assignment", {"mode": "least_loaded"}, content_type=JSON
    )
    assert response.status_code == 200
    assert GroupAssignment.objects.get(group=group).mode == "least_loaded"
    [member] = client.get(f"{API}/groups/{group.pk}/assignment").json()["members"]
    assert member == {
        "id": agent.pk,
        "username": "agent",
        "name": agent.display_name,
        "on_shift": True,
        "away": False,
        "load": 0,
        "capacity": 8,
        "available": True,
    }


def test_availability_refusals_name_fields(manager, agent, alice):
    response = client_for(manager).put(
        f"{API}/people/{agent.pk}/availability",
        {"max_open_tickets": 5000, "shifts": [{"weekday": 7, "start": "09:00", "end": "09:00"}]},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert fields(response) == {"max_open_tickets", "shifts.0.weekday", "shifts.0.end"}
    customer = client_for(manager).get(f"{API}/people/{alice.pk}/availability")
    assert customer.status_code == 404
    mode = client_for(manager).put(
        f"{API}/groups/999/assignment", {"mode": "round_robin"}, content_type=JSON
    )
    assert mode.status_code == 404
