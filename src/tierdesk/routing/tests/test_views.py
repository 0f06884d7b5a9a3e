"""Routing pages: admins edit rules as form fields, managers read and plan shifts, others are refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from conftest import PASSWORD
from tierdesk.routing.models import GroupAssignment, RoutingRule, Shift
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_open

pytestmark = pytest.mark.django_db


def signed_in(person) -> Client:
    client = Client()
    assert client.login(username=person.username, password=PASSWORD)
    return client


RULE_FORM = {
    "name": "Japanese outages",
    "active": "on",
    "language": ["ja"],
    "keywords": "障害\nダウン",
    "set_priority": "urgent",
    "add_tags": "outage, ja",
    "predicted_type_confidence": "0.8",
    "predicted_product_area_confidence": "0.8",
    "apply_prediction_confidence": "0.8",
}


def test_admin_adds_a_rule_from_form_fields(admin_user, group):
    response = signed_in(admin_user).post(
        "/routing/rules/new/", {**RULE_FORM, "set_group": group.pk}
    )

    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert rule.conditions == {"language": ["ja"], "keywords": ["障害", "ダウン"]}
    assert rule.actions == {"group": group.pk, "priority": "urgent", "add_tags": ["outage", "ja"]}
    page = signed_in(admin_user).get("/routing/rules/")
    assert "Japanese outages" in page.content.decode()
    assert "障害, ダウン" in page.content.decode()


def test_a_rule_without_actions_is_shown_back_with_the_reason(admin_user):
    form = {k: v for k, v in RULE_FORM.items() if k not in {"set_priority", "add_tags"}}

    response = signed_in(admin_user).post("/routing/rules/new/", form)

    assert response.status_code == 200
    assert "Choose at least one action" in response.content.decode()
    assert not RoutingRule.objects.exists()


def test_edit_prefills_and_saves(admin_user, make_rule):
    rule = make_rule("Old", {"plan": ["basic"], "keywords": ["slow"]}, priority="low")
    client = signed_in(admin_user)

    page = client.get(f"/routing/rules/{rule.pk}/").content.decode()
    assert 'value="Old"' in page
    assert "slow</textarea>" in page

    client.post(f"/routing/rules/{rule.pk}/", {**RULE_FORM, "name": "New"})
    rule.refresh_from_db()
    assert rule.name == "New"
    assert rule.actions == {"priority": "urgent", "add_tags": ["outage", "ja"]}


def test_move_toggle_and_delete(admin_user, make_rule):
    a, b = make_rule("a", {}, priority="low"), make_rule("b", {}, priority="low")
    client = signed_in(admin_user)

    client.post(f"/routing/rules/{b.pk}/move/", {"direction": "up"})
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["b", "a"]
    client.post(f"/routing/rules/{a.pk}/toggle/")
    assert RoutingRule.objects.get(pk=a.pk).active is False
    client.post(f"/routing/rules/{a.pk}/delete/")
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["b"]


def test_reroute_applies_current_rules_to_the_queue(admin_user, alice, make_rule, group):
    ticket = ticket_open(actor=alice, subject="Export fails", body="CSV stops at 10%.")
    make_rule("Everything", {}, group=group.pk)

    response = signed_in(admin_user).post("/routing/rules/reroute/")

    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).group == group


def test_managers_read_rules_but_cannot_change_them(manager, make_rule):
    rule = make_rule("Rule", {}, priority="low")
    client = signed_in(manager)

    page = client.get("/routing/rules/")
    assert page.status_code == 200
    assert f"/routing/rules/{rule.pk}/delete/" not in page.content.decode()
    assert client.get("/routing/rules/new/").status_code == 403
    assert client.post(f"/routing/rules/{rule.pk}/delete/").status_code == 403
    assert client.post(f"/routing/rules/{rule.pk}/toggle/").status_code == 403
    assert RoutingRule.objects.get().active


def test_agents_are_refused_and_customers_sent_to_the_portal(agent, alice):
    assert signed_in(agent).get("/routing/rules/").status_code == 403
    assert signed_in(agent).get("/routing/groups/").status_code == 403
    response = signed_in(alice).get("/routing/rules/")
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/")


def test_routing_link_shows_for_managers_only(manager, agent):
    assert 'href="/routing/rules/"' in signed_in(manager).get("/tickets/").content.decode()
    assert 'href="/routing/rules/"' not in signed_in(agent).get("/tickets/").content.decode()


@time_machine.travel(datetime(2024, 6, 5, 10, 0, tzinfo=UTC), tick=False)
def test_groups_page_shows_who_is_on_shift_and_admin_sets_the_mode(
    admin_user, manager, agent, backline, group
):
    agent.skill_groups.add(group)
    backline.skill_groups.add(group)
    Shift.objects.create(person=agent, weekday=2, start="09:00", end="17:00")

    page = signed_in(manager).get("/routing/groups/").content.decode()
    assert "on shift" in page and "off shift" in page
    assert 'name="mode"' not in page  # managers read the mode

    signed_in(admin_user).post(f"/routing/groups/{group.pk}/assignment/", {"mode": "round_robin"})
    assert GroupAssignment.objects.get(group=group).mode == "round_robin"


def test_manager_edits_a_persons_shifts(manager, agent):
    client = signed_in(manager)
    assert client.get(f"/routing/people/{agent.pk}/availability/").status_code == 200

    response = client.post(
        f"/routing/people/{agent.pk}/availability/",
        {
            "max_open_tickets": "12",
            "shifts-TOTAL_FORMS": "3",
            "shifts-INITIAL_FORMS": "0",
            "shifts-0-weekday": "0",
            "shifts-0-start": "09:00",
            "shifts-0-end": "17:00",
            "shifts-1-weekday": "4",
            "shifts-1-start": "22:00",
            "shifts-1-end": "06:00",
            "shifts-2-weekday": "",
        },
    )

    assert response.status_code == 302
    assert agent.availability.max_open_tickets == 12
    assert [(s.weekday, s.overnight) for s in Shift.objects.filter(person=agent)] == [
        (0, False),
        (4, True),
    ]


def test_a_half_filled_shift_row_is_refused(manager, agent):
    response = signed_in(manager).post(
        f"/routing/people/{agent.pk}/availability/",
        {
            "max_open_tickets": "12",
            "shifts-TOTAL_FORMS": "1",
            "shifts-INITIAL_FORMS": "0",
            "shifts-0-weekday": "0",
            "shifts-0-start": "09:00",
        },
    )
    assert response.status_code == 200
    assert "Give the day, the start and the end" in response.content.decode()
    assert not Shift.objects.exists()
