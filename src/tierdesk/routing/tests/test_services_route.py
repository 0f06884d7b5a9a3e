# ruff: noqa: RUF001 - Japanese and Russian texts on purpose.
"""Routing a ticket: each condition kind, rule order, stop processing and the events it leaves."""

from __future__ import annotations

import pytest

from conftest import make_person
from tierdesk.accounts.choices import Plan, Region, Role, Tier
from tierdesk.accounts.models import Organization, SkillGroup
from tierdesk.routing import services
from tierdesk.routing.tests.conftest import prediction
from tierdesk.tickets.choices import EventKind
from tierdesk.tickets.models import TicketEvent
from tierdesk.tickets.services import ticket_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def japanese(db):
    return SkillGroup.objects.create(name="Tier 1 / Japanese", language="ja")


@pytest.fixture
def integrations(db):
    return SkillGroup.objects.create(name="Enterprise / integrations", product_area="integrations")


def open_as(person, subject="Question about exports", body="How do I export a report?", **fields):
    return ticket_open(actor=person, subject=subject, body=body, **fields)


def routed(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ROUTED).order_by("id"))


# --- the hook in ticket_open ---------------------------------------------------------------------


def test_opening_a_ticket_routes_it_and_records_the_rule(alice, make_rule, integrations):
    make_rule("Enterprise integrations", {"plan": ["enterprise"]}, group=integrations.pk)

    ticket = open_as(alice)

    ticket.refresh_from_db()
    assert ticket.group == integrations
    [event] = routed(ticket)
    assert event.field == "group"
    assert event.to_value == str(integrations.pk)
    assert event.actor is None
    assert event.data == {
        "rule": "Enterprise integrations",
        "from_label": "",
        "to_label": "Enterprise / integrations",
    }


def test_without_rules_opening_changes_nothing(alice):
    ticket = open_as(alice)

    assert ticket.group is None
    assert routed(ticket) == []


def test_ticket_route_returns_the_matched_rule_names(alice, make_rule, integrations):
    make_rule("Urgent words", {"keywords": ["outage"]}, priority="urgent")
    make_rule("Everything enterprise", {"plan": ["enterprise"]}, group=integrations.pk)
    ticket = open_as(alice, subject="Production outage", body="Nothing loads.")
    ticket.priority = "normal"
    ticket.group = None
    ticket.save()

    assert services.ticket_route(ticket) == ["Urgent words", "Everything enterprise"]


# --- each condition kind -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "matches"),
    [
        ({"channel": ["portal"]}, True),
        ({"channel": ["email", "chat"]}, False),
        ({"plan": ["enterprise"]}, True),
        ({"plan": ["basic"]}, False),
        ({"region": ["americas"]}, True),
        ({"region": ["japan"]}, False),
        ({"language": ["en"]}, True),
        ({"language": ["ja"]}, False),
        ({"product_area": ["integrations"]}, True),
        ({"product_area": ["billing"]}, False),
        ({"type": ["problem"]}, True),
        ({"type": ["question"]}, False),
        ({"tags": ["salesforce", "sso"]}, True),
        ({"tags": ["billing"]}, False),
        ({"keywords": ["webhook"]}, True),
        ({"keywords": ["WEBHOOK"]}, True),
        ({"keywords": ["hook"]}, False),
        ({"keywords": ["crm sync"]}, True),
        ({"plan": ["enterprise"], "type": ["question"]}, False),
    ],
)
def test_each_condition_matches_or_not(alice, make_rule, conditions, matches):
    make_rule("Rule", conditions, add_tags=["matched"])

    ticket = open_as(
        alice,
        subject="Salesforce CRM sync fails",
        body="The Webhook returns 500 since Monday.",
        type="problem",
        product_area="integrations",
        tags=["salesforce"],
    )

    assert ("matched" in ticket.tags) is matches


def test_product_area_condition_can_catch_unclassified_tickets(alice, make_rule):
    make_rule("Unclassified", {"product_area": [""]}, add_tags=["triage"])

    assert "triage" in open_as(alice).tags
    assert "triage" not in open_as(alice, product_area="billing").tags


def test_keywords_match_whole_words_only(alice, make_rule):
    make_rule("Down", {"keywords": ["down"]}, priority="urgent")

    assert open_as(alice, subject="Site is down!").priority == "urgent"
    assert open_as(alice, subject="Download of the report is slow").priority == "normal"


def test_keywords_match_japanese_and_russian_text(oscar, make_rule):
    make_rule("Japanese outage", {"keywords": ["障害"]}, priority="high")
    make_rule("Russian outage", {"keywords": ["не работает"]}, add_tags=["outage"])

    japanese_ticket = open_as(
        oscar, subject="本番環境で障害が発生しています", body="至急ご確認ください。"
    )
    russian_ticket = open_as(oscar, subject="Срочно", body="Дашборд НЕ РАБОТАЕТ с утра.")

    assert japanese_ticket.priority == "high"
    assert "outage" in russian_ticket.tags
    assert russian_ticket.priority == "normal"


def test_organization_conditions_refuse_a_ticket_without_organization(make_rule):
    staff_requester = make_person("walkin", role=Role.AGENT, tier=Tier.FRONT_LINE)
    make_rule("Enterprise", {"plan": ["enterprise"]}, add_tags=["vip"])

    assert "vip" not in open_as(staff_requester).tags


def test_region_and_plan_come_from_the_requesters_organization(make_rule, japanese):
    org = Organization.objects.create(name="Sakura KK", plan=Plan.PREMIUM, region=Region.JAPAN)
    customer = make_person("hanako", organization=org, language="ja")
    make_rule("Japan premium", {"region": ["japan"], "plan": ["premium"]}, group=japanese.pk)

    assert open_as(customer).group == japanese


# --- predictions ---------------------------------------------------------------------------------


def test_predicted_product_area_matches_above_the_threshold(alice, make_rule, classifier):
    make_rule(
        "Predicted integrations",
        {"predicted_product_area": {"values": ["integrations"], "min_confidence": 0.8}},
        add_tags=["predicted"],
    )

    classifier.answer = prediction(area_confidence=0.85)
    assert "predicted" in open_as(alice).tags
    classifier.answer = prediction(area_confidence=0.6)
    assert "predicted" not in open_as(alice).tags
    classifier.answer = None
    assert "predicted" not in open_as(alice).tags


def test_predicted_type_matches_the_value_and_confidence(alice, make_rule, classifier):
    make_rule(
        "Predicted incident",
        {"predicted_type": {"values": ["incident"], "min_confidence": 0.7}},
        priority="high",
    )

    classifier.answer = prediction(type="incident", type_confidence=0.75)
    assert open_as(alice).priority == "high"
    classifier.answer = prediction(type="question", type_confidence=0.99)
    assert open_as(alice).priority == "normal"


def test_apply_prediction_sets_what_is_confident_enough(alice, make_rule, classifier):
    make_rule("Trust the classifier", {}, apply_prediction={"min_confidence": 0.8})
    classifier.answer = prediction(
        type="incident", type_confidence=0.95, product_area="billing", area_confidence=0.5
    )

    ticket = open_as(alice, type="question", product_area="")

    assert (ticket.type, ticket.product_area) == ("incident", "")
    [event] = routed(ticket)
    assert (event.field, event.data["from_label"], event.data["to_label"]) == (
        "type",
        "Question",
        "Incident",
    )
    assert classifier.suggested == [ticket.pk]


# --- order and effects ---------------------------------------------------------------------------


def test_later_rules_see_what_earlier_rules_set(alice, make_rule, classifier, integrations):
    make_rule("Classify", {}, apply_prediction={"min_confidence": 0.5})
    make_rule("Integrations team", {"product_area": ["integrations"]}, group=integrations.pk)
    classifier.answer = prediction(product_area="integrations", area_confidence=0.9)

    ticket = open_as(alice)

    assert ticket.group == integrations
    assert [(e.field, e.data["rule"]) for e in routed(ticket)] == [
        ("type", "Classify"),
        ("product_area", "Classify"),
        ("group", "Integrations team"),
    ]


def test_a_later_rule_overrides_an_earlier_one_and_both_are_recorded(
    alice, make_rule, japanese, integrations
):
    make_rule("First", {}, group=japanese.pk)
    make_rule("Second", {}, group=integrations.pk)

    ticket = open_as(alice)

    assert ticket.group == integrations
    assert [(e.data["rule"], e.data["from_label"], e.data["to_label"]) for e in routed(ticket)] == [
        ("First", "", "Tier 1 / Japanese"),
        ("Second", "Tier 1 / Japanese", "Enterprise / integrations"),
    ]


def test_stop_processing_skips_the_rules_after(alice, make_rule, japanese, integrations):
    make_rule("First", {}, group=japanese.pk, stop_processing=True)
    make_rule("Second", {}, group=integrations.pk)

    ticket = open_as(alice)

    assert ticket.group == japanese
    assert [e.data["rule"] for e in routed(ticket)] == ["First"]


def test_reordering_changes_which_rule_wins(alice, admin_user, make_rule, japanese, integrations):
    first = make_rule("First", {}, group=japanese.pk)
    second = make_rule("Second", {}, group=integrations.pk)
    services.routing_rule_reorder(actor=admin_user, rule_ids=[second.pk, first.pk])

    assert open_as(alice).group == japanese


def test_inactive_rules_do_not_run(alice, admin_user, make_rule):
    rule = make_rule("Tag", {}, add_tags=["seen"])
    services.routing_rule_update(actor=admin_user, rule=rule, changes={"active": False})

    assert open_as(alice).tags == []


def test_each_changed_field_is_one_event_and_unchanged_ones_none(alice, make_rule):
    make_rule("Many", {}, priority="normal", type="problem", add_tags=["a", "b"])

    ticket = open_as(alice, tags=["a"])

    assert ticket.tags == ["a", "b"]
    assert {(e.field, e.to_value) for e in routed(ticket)} == {
        ("type", "problem"),
        ("tags", "a, b"),
    }


def test_a_deleted_group_makes_its_rule_move_nothing(alice, make_rule, integrations):
    make_rule("Integrations", {}, group=integrations.pk, add_tags=["routed"])
    open_as(alice)  # compiles the rules while the group exists
    integrations.delete()

    ticket = open_as(alice)

    assert ticket.group is None
    assert ticket.tags == ["routed"]


def test_cached_rules_follow_changes(alice, admin_user, make_rule):
    rule = make_rule("Tag", {}, add_tags=["one"])
    assert open_as(alice).tags == ["one"]

    services.routing_rule_update(
        actor=admin_user, rule=rule, changes={"actions": {"add_tags": ["two"]}}
    )
    assert open_as(alice).tags == ["two"]

    services.routing_rule_delete(actor=admin_user, rule=rule)
    assert open_as(alice).tags == []


def test_routing_costs_only_the_token_read_when_rules_are_cached(
    alice, make_rule, classifier, django_assert_num_queries
):
    make_rule("Enterprise", {"plan": ["enterprise"]}, add_tags=["vip"])
    ticket = open_as(alice)
    ticket.tags = ["vip"]  # already there: nothing to write

    # The token read, and the savepoint pair of the service's transaction inside the test's.
    with django_assert_num_queries(3) as captured:
        services.ticket_route(ticket)
    assert "routing_rulebookversion" in captured.captured_queries[1]["sql"]


def test_a_rule_setting_the_type_overrides_its_own_prediction(alice, make_rule, classifier):
    make_rule(
        "Predict but keep questions",
        {},
        type="question",
        apply_prediction={"min_confidence": 0.5},
    )
    classifier.answer = prediction(type="incident", product_area="billing")

    ticket = open_as(alice)

    assert (ticket.type, ticket.product_area) == ("question", "billing")
