"""A poor answer on a restricted ticket: its follow-up goes only to a manager named on the
ticket, other managers never list it, and the notification leaves the subject out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import PASSWORD
from tierdesk.macros.models import Notification
from tierdesk.surveys import selectors, services
from tierdesk.surveys.models import FollowUpTask
from tierdesk.surveys.tests.helpers import invite

pytestmark = pytest.mark.django_db


def _restrict(ticket, *named):
    ticket.restricted = True
    ticket.save(update_fields=["restricted"])
    ticket.restricted_to.add(*named)


def test_an_unnamed_group_manager_gets_no_task_and_does_not_list_it(ticket, manager, other_manager):
    _restrict(ticket, other_manager)
    services.survey_answer(invitation=invite(ticket), scores={"csat": 1}, comment="Awful.")

    task = FollowUpTask.objects.get()
    assert task.assignee == other_manager
    assert list(selectors.follow_ups_for(manager)) == []
    assert list(selectors.follow_ups_for(other_manager)) == [task]
    assert not Notification.objects.filter(person=manager).exists()


def test_with_no_manager_named_the_task_stays_unassigned(ticket, manager):
    _restrict(ticket)
    services.survey_answer(invitation=invite(ticket), scores={"csat": 1})

    assert FollowUpTask.objects.get().assignee is None
    assert not Notification.objects.exists()
    assert list(selectors.follow_ups_for(manager)) == []


def test_the_notification_of_a_restricted_ticket_leaves_out_the_subject(client, ticket, manager):
    _restrict(ticket, manager)
    services.survey_answer(invitation=invite(ticket), scores={"csat": 1})
    assert Notification.objects.get().person == manager

    client.login(username="maria", password=PASSWORD)
    page = client.get(reverse("macros:notifications"))

    assert page.status_code == 200
    assert f"#{ticket.pk}".encode() in page.content
    assert b"Queries time out" not in page.content
