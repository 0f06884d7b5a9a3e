"""Which connector opens a tier-3 escalation's issue: exactly one — the one serving the
receiving group, else the default, else the only active one — and when none applies, the ticket
and the log say so instead of nothing happening."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from tierdesk.engineering.choices import ACTION_NO_CONNECTOR, IssueStatus
from tierdesk.engineering.models import EngineeringIssue
from tierdesk.engineering.selectors import ticket_engineering_card, ticket_unserved_escalations
from tierdesk.engineering.services import escalation_to_engineering
from tierdesk.engineering.tests.conftest import escalate, make_connector, make_tier3_group
from tierdesk.escalations.models import EscalationStatus
from tierdesk.tickets.choices import EventKind
from tierdesk.tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def issue_connectors(escalation) -> list[str]:
    with transaction.atomic():
        escalation_to_engineering(escalation)
    return [
        issue.connector.name
        for issue in EngineeringIssue.objects.filter(escalation=escalation).order_by("pk")
    ]


@pytest.fixture
def platform(db):
    return make_tier3_group("Platform")


@pytest.fixture
def three_connectors(tracker, query_engine, platform):
    """Jira serves Query engine, GitHub serves Platform, the webhook is the default."""
    return {
        "jira": make_connector(tracker, "jira", name="Jira", groups=[query_engine]),
        "github": make_connector(tracker, "github", name="GitHub", groups=[platform]),
        "webhook": make_connector(tracker, "webhook", name="Hook", is_default=True),
    }


def test_the_connector_serving_the_receiving_group_opens_the_only_issue(
    three_connectors, ticket, backline, query_engine, platform
):
    assert issue_connectors(escalate(ticket, backline, group=query_engine)) == ["Jira"]
    assert issue_connectors(escalate(ticket, backline, group=platform)) == ["GitHub"]


def test_a_group_no_connector_serves_goes_to_the_default(three_connectors, ticket, backline):
    storage = make_tier3_group("Storage")

    assert issue_connectors(escalate(ticket, backline, group=storage)) == ["Hook"]


def test_an_escalation_without_a_group_goes_to_the_default(three_connectors, escalation):
    assert issue_connectors(escalation) == ["Hook"]


def test_an_inactive_serving_connector_leaves_the_escalation_to_the_default(
    three_connectors, ticket, backline, query_engine
):
    three_connectors["jira"].active = False
    three_connectors["jira"].save()

    assert issue_connectors(escalate(ticket, backline, group=query_engine)) == ["Hook"]


def test_an_inactive_default_is_not_used(tracker, ticket, backline, query_engine, platform):
    make_connector(tracker, "jira", name="Jira", groups=[platform])
    make_connector(tracker, "webhook", name="Hook", is_default=True, active=False)

    assert issue_connectors(escalate(ticket, backline, group=query_engine)) == []


def test_the_only_active_connector_takes_every_escalation_when_it_names_no_group(
    tracker, ticket, backline, query_engine
):
    make_connector(tracker, "jira", name="Jira")
    make_connector(tracker, "github", name="Old GitHub", active=False)

    assert issue_connectors(escalate(ticket, backline, group=query_engine)) == ["Jira"]
    assert issue_connectors(escalate(ticket, backline)) == ["Jira"]


def test_the_only_active_connector_naming_other_groups_does_not_take_it(
    tracker, ticket, backline, query_engine, platform
):
    make_connector(tracker, "jira", name="Jira", groups=[platform])

    assert issue_connectors(escalate(ticket, backline, group=query_engine)) == []


def test_two_connectors_without_groups_or_default_open_no_duplicate_issues(tracker, escalation):
    make_connector(tracker, "jira", name="Jira")
    make_connector(tracker, "github", name="GitHub")

    assert issue_connectors(escalation) == []


def test_with_no_connector_the_ticket_and_the_log_say_why(
    tracker, ticket, backline, query_engine, caplog
):
    escalation = escalate(ticket, backline, group=query_engine)

    with caplog.at_level(logging.WARNING, logger="tierdesk.engineering.services"):
        assert issue_connectors(escalation) == []

    [event] = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ENGINEERING)
    assert event.actor is None
    assert event.data == {
        "action": ACTION_NO_CONNECTOR,
        "escalation": escalation.pk,
        "group": "Query engine",
    }
    assert "No engineering connector serves escalation" in caplog.text
    assert "Query engine" in caplog.text
    assert tracker.requests == []


def test_an_unserved_escalation_is_listed_for_staff_while_it_is_open(
    ticket, backline, query_engine, alice
):
    escalation = escalate(ticket, backline, group=query_engine)
    issue_connectors(escalation)

    [gap] = ticket_unserved_escalations(backline, ticket)
    assert (gap.escalation_id, gap.group) == (escalation.pk, "Query engine")

    escalation.status = EscalationStatus.RESOLVED
    escalation.save()
    assert ticket_unserved_escalations(backline, ticket) == []


def test_a_rolled_back_unserved_escalation_leaves_no_trace(ticket, backline, query_engine):
    with pytest.raises(RuntimeError), transaction.atomic():
        escalation_to_engineering(escalate(ticket, backline, group=query_engine))
        raise RuntimeError("the escalation failed")

    assert not TicketEvent.objects.filter(kind=EventKind.ENGINEERING).exists()


def test_the_chosen_issue_starts_pending(three_connectors, ticket, backline, query_engine):
    issue = escalation_to_engineering(escalate(ticket, backline, group=query_engine))

    assert issue is not None
    assert (issue.connector.name, issue.status) == ("Jira", IssueStatus.PENDING)


def test_the_ticket_card_reads_one_query_for_a_ticket_without_engineering(
    ticket, backline, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert ticket_engineering_card(backline, ticket) == ([], [])


def test_the_ticket_card_reads_issues_and_gaps_in_a_fixed_number_of_queries(
    tracker, ticket, backline, query_engine, django_assert_max_num_queries
):
    make_connector(tracker, "jira", groups=[query_engine])
    for number in range(3):
        escalation_to_engineering(escalate(ticket, backline, group=query_engine))
        other = make_tier3_group(f"Group {number}")
        escalation_to_engineering(escalate(ticket, backline, group=other))

    # The probe, the issues and their deliveries, the gaps and their escalations.
    with django_assert_max_num_queries(5):
        issues, unserved = ticket_engineering_card(backline, ticket)

    assert (len(issues), len(unserved)) == (3, 3)
