"""Answering a survey: the signed link works without signing in, is refused when altered or
expired, is used once; the portal shows the same form; poor answers open follow-ups."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.urls import reverse

from conftest import PASSWORD, make_person
from tierdesk.accounts.choices import Role
from tierdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from tierdesk.macros.models import Notification
from tierdesk.surveys import services
from tierdesk.surveys.models import FollowUpTask, SurveyResponse, SurveySettings
from tierdesk.surveys.tests.helpers import invite

pytestmark = pytest.mark.django_db


def _url(invitation) -> str:
    return reverse("surveys:answer", args=[services.survey_link_token(invitation)])


def test_signed_link_works_without_signing_in(client, ticket):
    invitation = invite(ticket)
    url = _url(invitation)
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="csat"' in page.content
    assert b'name="ces"' in page.content  # CES rides along while enabled
    answered = client.post(url, {"csat": "5", "ces": "6", "comment": "Quick and kind."})
    assert answered.status_code == 200
    assert b'data-survey="thanks"' in answered.content
    scores = dict(SurveyResponse.objects.values_list("kind", "score"))
    assert scores == {"csat": 5, "ces": 6}
    assert SurveyResponse.objects.get(kind="csat").comment == "Quick and kind."
    invitation.refresh_from_db()
    assert invitation.answered_at is not None


def test_a_second_answer_shows_already_answered_and_writes_nothing(client, ticket):
    invitation = invite(ticket)
    url = _url(invitation)
    client.post(url, {"csat": "4"})
    again = client.post(url, {"csat": "1"})
    assert b'data-survey="answered"' in again.content
    assert list(SurveyResponse.objects.values_list("score", flat=True)) == [4]
    assert b'data-survey="answered"' in client.get(url).content
    with pytest.raises(Conflict):
        services.survey_answer(invitation=invitation, scores={"csat": 2})


def test_tampered_link_is_refused(client, ticket):
    invitation = invite(ticket)
    signed = services.survey_link_token(invitation)
    forged = signing.dumps(invitation.token, salt="another.salt")
    for bad in (signed[:-2] + "xx", forged, "nonsense"):
        page = client.get(reverse("surveys:answer", args=[bad]))
        assert page.status_code == 404
        assert b'data-survey="refused"' in page.content
    assert client.post(reverse("surveys:answer", args=[forged]), {"csat": "1"}).status_code == 404
    assert not SurveyResponse.objects.exists()


def test_expired_link_is_refused(client, ticket):
    with time_machine.travel("2026-01-01 12:00Z", tick=False):
        invitation = invite(ticket)
        url = _url(invitation)
    with time_machine.travel("2026-03-01 12:00Z", tick=False):  # 59 days on: still good
        assert client.get(url).status_code == 200
    with time_machine.travel("2026-03-03 12:00Z", tick=False):  # 61 days on
        assert client.get(url).status_code == 404


def test_answers_outside_the_scale_name_the_field(ticket):
    invitation = invite(ticket)
    with pytest.raises(ValidationFailed) as refused:
        services.survey_answer(invitation=invitation, scores={"csat": 6, "ces": 0})
    assert set(refused.value.errors) == {"csat", "ces"}
    with pytest.raises(ValidationFailed) as missing:
        services.survey_answer(invitation=invitation, scores={"ces": 3})
    assert set(missing.value.errors) == {"csat"}
    assert not SurveyResponse.objects.exists()


def test_ces_is_not_asked_when_disabled(client, ticket):
    SurveySettings.objects.update_or_create(pk=1, defaults={"ces_enabled": False})
    invitation = invite(ticket)
    assert b'name="ces"' not in client.get(_url(invitation)).content
    client.post(_url(invitation), {"csat": "5", "ces": "2"})
    assert list(SurveyResponse.objects.values_list("kind", flat=True)) == ["csat"]


def test_portal_shows_the_rating_form_on_a_solved_ticket_to_its_requester(
    client, ticket, alice, carol
):
    ticket.status = "solved"
    ticket.save(update_fields=["status"])
    invitation = invite(ticket)
    portal_url = reverse("portal:ticket", args=[ticket.pk])
    client.login(username="carol", password=PASSWORD)
    assert b'id="survey"' not in client.get(portal_url).content  # a colleague is not asked
    client.logout()
    client.login(username="alice", password=PASSWORD)
    page = client.get(portal_url)
    assert b'id="survey"' in page.content
    assert _url(invitation).encode() in page.content
    answered = client.post(_url(invitation), {"csat": "4"})
    assert answered.status_code == 302
    assert answered["Location"] == portal_url
    assert b'id="survey"' not in client.get(portal_url).content


def test_the_portal_answer_is_the_requesters_own(ticket, carol):
    invitation = invite(ticket)
    with pytest.raises(PermissionDenied):
        services.survey_answer(invitation=invitation, scores={"csat": 5}, actor=carol)


@pytest.mark.parametrize(
    ("score", "opens"), [(1, True), (2, True), (3, False), (4, False), (5, False)]
)
def test_a_csat_of_1_or_2_opens_a_follow_up_for_the_groups_manager(ticket, manager, score, opens):
    services.survey_answer(invitation=invite(ticket), scores={"csat": score})
    tasks = list(FollowUpTask.objects.all())
    assert len(tasks) == (1 if opens else 0)
    if opens:
        task = tasks[0]
        assert (task.assignee, task.ticket_id, task.status) == (manager, ticket.pk, "open")
        assert task.due_at == task.created_at + timedelta(days=2)
        note = Notification.objects.get()
        assert (note.person, note.ticket_id, note.kind) == (manager, ticket.pk, "follow_up")
    else:
        assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("score", "opens"), [(0, True), (6, True), (7, False), (8, False), (9, False), (10, False)]
)
def test_an_nps_detractor_opens_a_follow_up(ticket, manager, score, opens):
    services.survey_answer(invitation=invite(ticket, kind="nps"), scores={"nps": score})
    assert FollowUpTask.objects.count() == (1 if opens else 0)


def test_a_low_ces_opens_no_follow_up(ticket, manager):
    services.survey_answer(invitation=invite(ticket), scores={"csat": 4, "ces": 1})
    assert not FollowUpTask.objects.exists()


def test_without_a_group_manager_any_manager_gets_the_follow_up(ticket, other_manager):
    services.survey_answer(invitation=invite(ticket), scores={"csat": 1})
    assert FollowUpTask.objects.get().assignee == other_manager


def test_a_manager_records_the_outcome_once(client, ticket, manager, agent):
    services.survey_answer(invitation=invite(ticket), scores={"csat": 1, "ces": 2})
    task = FollowUpTask.objects.get()
    with pytest.raises(PermissionDenied):
        services.follow_up_done(actor=agent, task=task, outcome="Called")
    with pytest.raises(ValidationFailed) as empty:
        services.follow_up_done(actor=manager, task=task, outcome="  ")
    assert set(empty.value.errors) == {"outcome"}
    client.login(username="maria", password=PASSWORD)
    page = client.get(reverse("surveys:follow_ups"))
    assert f'data-follow-up="{task.pk}"'.encode() in page.content
    done = client.post(
        reverse("surveys:follow_up_done", args=[task.pk]), {"outcome": "Called; fixed the timeout."}
    )
    assert done.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.outcome, task.done_by) == (
        "done",
        "Called; fixed the timeout.",
        manager,
    )
    done_page = client.get(reverse("surveys:follow_ups") + "?status=done")
    assert b"Called; fixed the timeout." in done_page.content
    with pytest.raises(Conflict):
        services.follow_up_done(actor=manager, task=task, outcome="again")


def test_follow_up_page_is_for_managers(client, agent):
    make_person("rita", role=Role.REVIEWER)
    client.login(username="agent", password=PASSWORD)
    assert client.get(reverse("surveys:follow_ups")).status_code == 403


def test_the_link_page_works_with_csrf_checks_on(ticket):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    url = _url(invite(ticket))
    browser.get(url)  # sets the CSRF cookie, as a browser opening the link would
    token = browser.cookies["csrftoken"].value
    answered = browser.post(url, {"csat": "5", "csrfmiddlewaretoken": token})
    assert b'data-survey="thanks"' in answered.content


@pytest.mark.parametrize("who", ["carol", "agent"])
def test_a_signed_in_other_person_cannot_answer_through_the_link(client, ticket, carol, agent, who):
    url = _url(invite(ticket))
    client.login(username=who, password=PASSWORD)

    assert client.get(url).status_code == 403
    refused = client.post(url, {"csat": "1"})

    assert refused.status_code == 403
    assert b'data-survey="refused"' in refused.content
    assert not SurveyResponse.objects.exists()


def test_an_answer_racing_another_shows_already_answered(client, ticket):
    # The other answer's rows are in but this request read the invitation before it was marked
    # (SQLite has no row lock): the unique constraint, not a 500, has the last word.
    invitation = invite(ticket)
    SurveyResponse.objects.create(
        invitation=invitation,
        kind="csat",
        score=5,
        ticket=ticket,
        person=ticket.requester,
        created_at=invitation.created_at,
    )

    page = client.post(_url(invitation), {"csat": "1"})

    assert page.status_code == 200
    assert b'data-survey="answered"' in page.content
    assert list(SurveyResponse.objects.values_list("score", flat=True)) == [5]
    assert not FollowUpTask.objects.exists()


def test_an_answer_keeps_the_group_of_its_time_when_the_ticket_moves_later(ticket, group):
    from datetime import UTC, datetime

    from tierdesk.accounts.models import SkillGroup
    from tierdesk.surveys.selectors import survey_scores

    assert ticket.group_id == group.pk
    services.survey_answer(invitation=invite(ticket), scores={"csat": 5})
    ticket.group = SkillGroup.objects.create(name="Billing")
    ticket.save(update_fields=["group"])

    rows = survey_scores(
        "csat", datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC), UTC, "group"
    )

    assert [(row["key"], row["responses"]) for row in rows] == [(group.pk, 1)]
