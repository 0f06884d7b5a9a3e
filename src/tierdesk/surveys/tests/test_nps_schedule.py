"""The NPS schedule: contacts with a ticket solved in the last 30 days, never more often than the
settings' interval, signed single-use links."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from conftest import make_person
from tierdesk.accounts.choices import Role
from tierdesk.core.errors import ValidationFailed
from tierdesk.engineering.tests.fake_tracker import immediate_queue
from tierdesk.surveys import services
from tierdesk.surveys.models import SurveyInvitation, SurveyResponse, SurveySettings
from tierdesk.surveys.tests.conftest import solve
from tierdesk.tickets.services import ticket_open

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TIERDESK_PUBLIC_URL = "https://desk.example.test"


def _nps(person):
    return SurveyInvitation.objects.filter(kind="nps", person=person)


def test_nps_respects_the_interval(ticket, alice, agent, django_capture_on_commit_callbacks):
    # Given alice's ticket solved on 1 March
    with time_machine.travel("2026-03-01 10:00Z", tick=False):
        solve(ticket, agent)
    # the daily run of 2 March asks her once, by email
    with (
        time_machine.travel("2026-03-02 07:15Z", tick=False),
        immediate_queue(),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert [i.person for i in services.nps_schedule()] == [alice]
    nps_mails = [m for m in mail.outbox if "recommend" in m.subject]
    assert len(nps_mails) == 1
    # then a new solve within the 90 days asks nothing more
    second = ticket_open(actor=alice, subject="Another", body="x", route=False)
    with time_machine.travel("2026-05-20 10:00Z", tick=False):
        solve(second, agent)
    with time_machine.travel("2026-05-30 07:15Z", tick=False):  # 89 days after the first ask
        assert services.nps_schedule() == []
    with time_machine.travel("2026-05-31 07:16Z", tick=False):  # 90 days after
        assert [i.person for i in services.nps_schedule()] == [alice]
    assert _nps(alice).count() == 2


def test_nps_skips_old_solves_staff_and_a_disabled_setting(ticket, alice, agent):
    staff = make_person("reporter", role=Role.AGENT)
    staff_ticket = ticket_open(actor=staff, subject="Unknown caller", body="x", route=False)
    with time_machine.travel("2026-03-01 10:00Z", tick=False):
        solve(ticket, agent)
        solve(staff_ticket, agent)
    with time_machine.travel("2026-04-01 07:15Z", tick=False):  # 31 days after the solve
        assert services.nps_schedule() == []
    SurveySettings.objects.update_or_create(pk=1, defaults={"nps_enabled": False})
    with time_machine.travel("2026-03-02 07:15Z", tick=False):
        assert services.nps_schedule() == []
    SurveySettings.objects.filter(pk=1).update(nps_enabled=True, nps_interval_days=30)
    with time_machine.travel("2026-03-02 07:15Z", tick=False):
        assert [i.person for i in services.nps_schedule()] == [alice]
        assert services.nps_schedule() == []  # a second run the same day asks nobody again


def test_nps_link_shows_the_0_to_10_form_and_is_single_use(
    client, ticket, alice, agent, django_capture_on_commit_callbacks
):
    with time_machine.travel("2026-03-01 10:00Z", tick=False):
        solve(ticket, agent)
    with (
        time_machine.travel("2026-03-02 07:15Z", tick=False),
        immediate_queue(),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.nps_schedule()
    with time_machine.travel("2026-03-02 08:00Z", tick=False):
        email = next(m for m in mail.outbox if "recommend" in m.subject)
        signed = re.search(r"/surveys/([^/\s]+)/", email.body).group(1)
        url = reverse("surveys:answer", args=[signed])
        page = client.get(url)
        assert b'name="nps"' in page.content
        assert b'value="0"' in page.content and b'value="10"' in page.content
        assert b'name="csat"' not in page.content
        client.post(url, {"nps": "10"})
        assert b'data-survey="answered"' in client.post(url, {"nps": "0"}).content
    assert list(SurveyResponse.objects.values_list("kind", "score")) == [("nps", 10)]


def test_nps_asks_at_most_the_daily_number_oldest_solve_first(acme, agent):
    people = [make_person(name, organization=acme) for name in ("ann", "bob", "cid")]
    for day, person in zip(("05", "03", "04"), people, strict=True):
        mine = ticket_open(actor=person, subject="Mine", body="x", route=False)
        with time_machine.travel(f"2026-03-{day} 10:00Z", tick=False):
            solve(mine, agent)
    SurveySettings.objects.update_or_create(pk=1, defaults={"nps_daily_max": 2})
    ann, bob, cid = people

    with time_machine.travel("2026-03-06 07:15Z", tick=False):
        assert [i.person for i in services.nps_schedule()] == [bob, cid]
    with time_machine.travel("2026-03-07 07:15Z", tick=False):
        assert [i.person for i in services.nps_schedule()] == [ann]


def test_nps_skips_a_contact_asked_for_a_csat_within_a_week(ticket, alice, agent):
    with time_machine.travel("2026-03-01 10:00Z", tick=False):
        solve(ticket, agent)
        services.csat_invite_solved([ticket.pk])

    with time_machine.travel("2026-03-07 07:15Z", tick=False):
        assert services.nps_schedule() == []
    with time_machine.travel("2026-03-08 10:01Z", tick=False):
        assert [i.person for i in services.nps_schedule()] == [alice]


def test_the_daily_number_is_a_setting(manager):
    with pytest.raises(ValidationFailed) as refused:
        services.survey_settings_update(actor=manager, changes={"nps_daily_max": 0})
    assert set(refused.value.errors) == {"nps_daily_max"}
    assert services.survey_settings().nps_daily_max == 200
    services.survey_settings_update(actor=manager, changes={"nps_daily_max": 50})
    assert services.survey_settings().nps_daily_max == 50
