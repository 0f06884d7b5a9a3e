"""A CSAT invitation and its email follow a solve, once per ticket, only for customers."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from conftest import make_person
from tierdesk.accounts.choices import Role
from tierdesk.engineering.tests.fake_tracker import immediate_queue
from tierdesk.surveys import services
from tierdesk.surveys.models import SurveyInvitation
from tierdesk.surveys.tests.conftest import reopen, solve
from tierdesk.tickets.services import ticket_open

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TIERDESK_PUBLIC_URL = "https://desk.example.test"


def test_solve_sends_one_csat_email_with_the_signed_link_after_commit(
    ticket, agent, django_capture_on_commit_callbacks
):
    # Given a customer's open ticket; when staff solve it
    with immediate_queue(), django_capture_on_commit_callbacks(execute=False) as callbacks:
        solve(ticket, agent)
        # then nothing is written before the commit
        assert not SurveyInvitation.objects.exists()
    with immediate_queue(), django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    invitation = SurveyInvitation.objects.get()
    assert (invitation.kind, invitation.ticket_id, invitation.person_id) == (
        "csat",
        ticket.pk,
        ticket.requester_id,
    )
    assert invitation.sent_at is not None
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["alice@example.test"]
    # the email carries a signed link that names this invitation
    match = re.search(r"https://desk\.example\.test/surveys/([^/\s]+)/", email.body)
    assert match is not None
    assert services.invitation_from_link(match.group(1)) == invitation
    assert f"#{ticket.pk}" in email.subject


def test_reopen_and_solve_again_sends_no_second_csat(
    ticket, agent, django_capture_on_commit_callbacks
):
    with immediate_queue(), django_capture_on_commit_callbacks(execute=True):
        solve(ticket, agent)
        reopen(ticket, agent)
        solve(ticket, agent)
    assert SurveyInvitation.objects.filter(ticket=ticket).count() == 1
    assert len(mail.outbox) == 1


def test_a_rerun_of_the_invite_changes_nothing(ticket, agent, django_capture_on_commit_callbacks):
    with immediate_queue(), django_capture_on_commit_callbacks(execute=True):
        solve(ticket, agent)
    with immediate_queue():
        assert services.csat_invite_solved([ticket.pk]) == []
    assert SurveyInvitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_staff_requester_gets_no_survey(acme, agent, django_capture_on_commit_callbacks):
    staff = make_person("reporter", role=Role.AGENT)
    ticket = ticket_open(actor=staff, subject="Call from unknown", body="x", route=False)
    with immediate_queue(), django_capture_on_commit_callbacks(execute=True):
        solve(ticket, agent)
    assert not SurveyInvitation.objects.exists()
    assert mail.outbox == []


def test_proactive_and_merged_tickets_get_no_survey(
    ticket, alice, agent, django_capture_on_commit_callbacks
):
    proactive = ticket_open(
        actor=agent, requester=alice, subject="Heads-up", body="x", channel="proactive", route=False
    )
    other = ticket_open(actor=alice, subject="Duplicate", body="x", route=False)
    other.merged_into = ticket
    other.save(update_fields=["merged_into"])
    with immediate_queue(), django_capture_on_commit_callbacks(execute=True):
        solve(proactive, agent)
        solve(other, agent)
    assert not SurveyInvitation.objects.exists()


def test_a_failed_send_keeps_the_solve_and_is_retried(
    ticket, agent, django_capture_on_commit_callbacks, monkeypatch
):
    # Given a mail server that refuses, the solve still commits and the invitation stays unsent
    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(services, "send_mail", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        solve(ticket, agent)
    invitation = SurveyInvitation.objects.get()
    with pytest.raises(OSError):
        services.invitation_email_send(invitation.pk)
    invitation.refresh_from_db()
    ticket.refresh_from_db()
    assert ticket.status == "solved"
    assert invitation.sent_at is None
    # when the server is back, the retry sends it, once
    monkeypatch.undo()
    assert services.invitation_email_send(invitation.pk) is True
    assert services.invitation_email_send(invitation.pk) is False
    assert len(mail.outbox) == 1


def test_a_failing_invite_never_fails_the_committed_solve(
    ticket, agent, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(ticket_ids):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "csat_invite_solved", broken)
    with django_capture_on_commit_callbacks(execute=True):
        solve(ticket, agent)  # no exception reaches the caller
    ticket.refresh_from_db()
    assert ticket.status == "solved"
