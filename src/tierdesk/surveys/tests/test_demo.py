"""The demo's survey answers: realistic shares, follow-ups for the poor ones, and a rerun adds nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tierdesk.surveys.demo import seed_surveys_demo
from tierdesk.surveys.models import FollowUpTask, SurveyInvitation, SurveyResponse
from tierdesk.surveys.selectors import survey_scores
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_open

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_demo_answers_the_solved_tickets_of_the_last_12_weeks(alice, manager, group):
    numbers = []
    for n in range(400):
        ticket = ticket_open(actor=alice, subject=f"Question {n}", body="x", route=False)
        numbers.append(ticket.pk)
    # 300 solved in the last 12 weeks, 100 solved long before
    for position, number in enumerate(numbers):
        solved_at = NOW - timedelta(days=(position % 80) + 1 if position < 300 else 200)
        Ticket.objects.filter(pk=number).update(status="solved", solved_at=solved_at, group=group)
    written = seed_surveys_demo(now=NOW)
    assert written == SurveyResponse.objects.count() > 0
    assert SurveyInvitation.objects.filter(kind="csat").count() == 300
    [csat] = survey_scores("csat", NOW - timedelta(weeks=12), NOW, UTC)
    assert 75 <= csat["value"] <= 95  # about 85 % positive
    lows = SurveyResponse.objects.filter(kind="csat", score__lte=2).count()
    lows += SurveyResponse.objects.filter(kind="nps", score__lte=6).count()
    assert FollowUpTask.objects.count() == lows
    assert not FollowUpTask.objects.filter(status="done", outcome="").exists()
    assert SurveyInvitation.objects.filter(kind="nps").count() == 1  # one contact, one NPS
    assert seed_surveys_demo(now=NOW) == 0
