"""The catch-up job: a solve whose CSAT invitation was lost is invited later, an invitation left
unsent is queued again, and one that could not be sent keeps why instead of a sent time."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from conftest import make_person
from tierdesk.engineering.tests.fake_tracker import immediate_queue
from tierdesk.surveys import services
from tierdesk.surveys.models import SurveyInvitation
from tierdesk.surveys.tests.conftest import solve
from tierdesk.surveys.tests.helpers import invite
from tierdesk.tickets.services import ticket_open

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TIERDESK_PUBLIC_URL = "https://desk.example.test"


def test_a_lost_invite_is_made_and_sent_by_the_catch_up(
    ticket, agent, django_capture_on_commit_callbacks
):
    # The after-commit invite never ran (in a db test on_commit callbacks are dropped: a crash).
    solve(ticket, agent)
    assert not SurveyInvitation.objects.exists()

    with immediate_queue(), django_capture_on_commit_callbacks(execute=True):
        assert services.survey_catch_up() == (1, 0)

    invitation = SurveyInvitation.objects.get()
    assert (invitation.kind, invitation.ticket_id) == ("csat", ticket.pk)
    assert invitation.sent_at is not None
    assert len(mail.outbox) == 1
    with immediate_queue(), django_capture_on_commit_callbacks(execute=True):
        assert services.survey_catch_up() == (0, 0)
    assert len(mail.outbox) == 1


def test_solves_older_than_a_week_are_left_alone(ticket, agent):
    with time_machine.travel(timezone.now() - timedelta(days=8), tick=False):
        solve(ticket, agent)
    assert services.survey_catch_up() == (0, 0)
    assert not SurveyInvitation.objects.exists()


def test_an_unsent_invitation_is_queued_again_after_ten_minutes(
    ticket, django_capture_on_commit_callbacks
):
    now = timezone.now()
    old = invite(ticket, at=now - timedelta(minutes=11))
    other = ticket_open(actor=ticket.requester, subject="Other", body="x", route=False)
    fresh = invite(other, at=now - timedelta(minutes=2))

    with immediate_queue(), django_capture_on_commit_callbacks(execute=True):
        assert services.survey_catch_up(now=now) == (0, 1)

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.sent_at is not None
    assert fresh.sent_at is None
    assert len(mail.outbox) == 1


def test_nothing_sent_leaves_sent_at_empty_with_the_reason(
    acme, group, django_capture_on_commit_callbacks
):
    nomail = make_person("nomail", organization=acme)
    nomail.email = ""
    nomail.save(update_fields=["email"])
    ticket = ticket_open(actor=nomail, subject="No address", body="x", route=False)
    invitation = invite(ticket, at=timezone.now() - timedelta(minutes=30))

    assert services.invitation_email_send(invitation.pk) is False

    invitation.refresh_from_db()
    assert invitation.sent_at is None
    assert invitation.skipped_reason == "no_email"
    # and the catch-up does not keep trying it
    with immediate_queue(), django_capture_on_commit_callbacks(execute=True):
        assert services.survey_catch_up() == (0, 0)
    assert mail.outbox == []
