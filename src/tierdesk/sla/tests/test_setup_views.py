"""SLA setup pages: administrators edit policies and calendars through forms that the services
check, managers read them, agents are refused and customers sent to the portal."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from conftest import PASSWORD
from tierdesk.sla.models import BusinessCalendar, CalendarDate, SlaPolicy

pytestmark = pytest.mark.django_db


def signed_in(person) -> Client:
    client = Client()
    assert client.login(username=person.username, password=PASSWORD)
    return client


def target_rows(**rows: dict) -> dict[str, str]:
    """The targets formset: one row per metric in order, filled from `rows` by metric."""
    data = {"targets-TOTAL_FORMS": "4", "targets-INITIAL_FORMS": "4"}
    for index, metric in enumerate(
        ["first_response", "next_response", "periodic_update", "resolution"]
    ):
        row = {
            "metric": metric,
            "unit": "hours",
            "clock": "business",
            "goal_percent": "90",
            "warn_unit": "minutes",
            "notify": "on",
            **rows.get(metric, {}),
        }
        data.update({f"targets-{index}-{k}": v for k, v in row.items()})
    return data


CALENDAR_FORM = {
    "name": "Osaka",
    "time_zone": "Asia/Tokyo",
    "holiday_country": "JP",
    "mon_0_start": "09:00",
    "mon_0_end": "12:00",
    "mon_1_start": "13:00",
    "mon_1_end": "18:00",
    "fri_0_start": "10:00",
    "fri_0_end": "16:00",
}


# --- policies -----------------------------------------------------------------------------------


def test_policy_list_shows_policies_in_order_with_conditions_and_targets(manager):
    page = signed_in(manager).get("/sla/policies/").content.decode()

    assert page.index("Live chat") < page.index("Phone") < page.index("Email, portal and API")
    assert "Channel: Chat" in page
    assert "First response within 30 s (calendar time)" in page
    assert "on breach priority → High" in page
    assert "/sla/policies/new/" not in page  # managers read


def test_admin_adds_a_policy_from_form_fields(admin_user, acme):
    tokyo = BusinessCalendar.objects.get(name="Tokyo")
    response = signed_in(admin_user).post(
        "/sla/policies/new/",
        {
            "name": "Acme urgent",
            "active": "on",
            "priorities": ["urgent"],
            "organizations": [str(acme.pk)],
            "tags": "outage, VIP",
            "calendar": str(tokyo.pk),
            "position": "1",
            **target_rows(
                first_response={"amount": "30", "unit": "minutes", "warn_amount": "10"},
                resolution={
                    "amount": "2",
                    "unit": "days",
                    "clock": "calendar",
                    "goal_percent": "95.5",
                    "breach_priority": "urgent",
                    "breach_notify_managers": "on",
                },
            ),
        },
    )

    assert response.status_code == 302, response.content.decode()
    policy = SlaPolicy.objects.order_by("position").first()
    assert (policy.name, policy.position, policy.calendar) == ("Acme urgent", 1, tokyo)
    assert policy.tags == ["outage", "vip"] and policy.priorities == ["urgent"]
    assert list(policy.organizations.all()) == [acme]
    first, resolution = policy.targets.order_by("metric")
    assert (first.seconds, first.warn_before_seconds, first.business_hours) == (1800, 600, True)
    assert (resolution.seconds, resolution.business_hours) == (2 * 86400, False)
    assert (str(resolution.goal_percent), resolution.breach_priority) == ("95.50", "urgent")
    assert resolution.breach_notify_managers is True
    assert "Acme urgent" in signed_in(admin_user).get("/sla/policies/").content.decode()


def test_service_refusals_show_next_to_their_fields(admin_user):
    response = signed_in(admin_user).post(
        "/sla/policies/new/",
        {
            "name": "Phone",  # taken
            **target_rows(
                first_response={"amount": "10", "unit": "minutes", "warn_amount": "20"},
                next_response={"amount": "100", "unit": "days"},
            ),
        },
    )

    assert response.status_code == 200
    form = response.context["form"]
    targets = response.context["targets"]
    assert "Another policy is called Phone." in form.errors["name"]
    assert "warn_amount" in targets.forms[0].errors
    assert "amount" in targets.forms[1].errors
    page = response.content.decode()
    assert "Warn before the target is due" in page and "90 days" in page
    assert not SlaPolicy.objects.filter(name="Phone").count() > 1


def test_edit_prefills_and_saves_targets(admin_user):
    policy = SlaPolicy.objects.get(name="Email, portal and API")
    client = signed_in(admin_user)

    page = client.get(f"/sla/policies/{policy.pk}/")
    rows = page.context["targets"].forms
    assert (rows[0]["amount"].value(), rows[0]["unit"].value()) == (1, "hours")
    assert (rows[3]["amount"].value(), rows[3]["unit"].value()) == (27, "hours")
    assert rows[1]["warn_amount"].value() == 30 and rows[2]["amount"].value() is None

    response = client.post(
        f"/sla/policies/{policy.pk}/",
        {"name": "Everything else", "active": "on", **target_rows(first_response={"amount": "2"})},
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.name == "Everything else"
    assert [(t.metric, t.seconds) for t in policy.targets.all()] == [("first_response", 7200)]


def test_move_and_delete(admin_user):
    client = signed_in(admin_user)
    phone = SlaPolicy.objects.get(name="Phone")

    client.post(f"/sla/policies/{phone.pk}/move/", {"direction": "up"})
    names = list(SlaPolicy.objects.order_by("position").values_list("name", flat=True))
    assert names[:2] == ["Phone", "Live chat"]
    client.post(f"/sla/policies/{phone.pk}/delete/")
    assert not SlaPolicy.objects.filter(name="Phone").exists()


def test_a_policy_after_a_catch_all_is_flagged(admin_user):
    client = signed_in(admin_user)
    client.post("/sla/policies/new/", {"name": "Late", "active": "on", **target_rows()})

    page = client.get("/sla/policies/").content.decode()

    assert "Never applies: Email, portal and API above matches every ticket." in page


def test_managers_read_policies_but_cannot_change_them(manager):
    policy = SlaPolicy.objects.get(name="Phone")
    client = signed_in(manager)

    page = client.get(f"/sla/policies/{policy.pk}/")
    assert page.status_code == 200
    assert "Save policy" not in page.content.decode()
    assert client.get("/sla/policies/new/").status_code == 403
    assert client.post(f"/sla/policies/{policy.pk}/", {"name": "x"}).status_code == 403
    assert client.post(f"/sla/policies/{policy.pk}/delete/").status_code == 403
    assert client.post(f"/sla/policies/{policy.pk}/move/").status_code == 403
    assert SlaPolicy.objects.filter(name="Phone").exists()


def test_agents_are_refused_and_customers_sent_to_the_portal(agent, alice):
    for url in ("/sla/policies/", "/sla/calendars/"):
        assert signed_in(agent).get(url).status_code == 403
        response = signed_in(alice).get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/portal/")


def test_missing_policies_and_calendars_are_404(admin_user):
    assert signed_in(admin_user).get("/sla/policies/99999/").status_code == 404
    assert signed_in(admin_user).get("/sla/calendars/99999/").status_code == 404


# --- calendars ----------------------------------------------------------------------------------


def test_calendar_list_summarises_hours_and_use(manager):
    page = signed_in(manager).get("/sla/calendars/").content.decode()

    assert "Mon-Fri 09:00-18:00" in page
    assert "Around the clock" in page
    assert "Americas" in page and "default" in page
    assert "/sla/calendars/new/" not in page


def test_admin_adds_a_calendar_with_split_days(admin_user):
    response = signed_in(admin_user).post("/sla/calendars/new/", CALENDAR_FORM)

    assert response.status_code == 302, response.content.decode()
    calendar = BusinessCalendar.objects.get(name="Osaka")
    assert response["Location"] == f"/sla/calendars/{calendar.pk}/"
    assert calendar.hours == {
        "mon": [["09:00", "12:00"], ["13:00", "18:00"]],
        "fri": [["10:00", "16:00"]],
    }
    page = signed_in(admin_user).get(response["Location"]).content.decode()
    assert 'value="13:00"' in page
    assert "public holiday" in page  # Japan's holidays in the coming 12 months


def test_a_span_to_midnight_shows_and_saves_as_midnight(admin_user):
    from tierdesk.sla import setup

    calendar = setup.calendar_create(
        actor=admin_user, name="Late", time_zone="UTC", hours={"sat": [["18:00", "24:00"]]}
    )
    client = signed_in(admin_user)

    page = client.get(f"/sla/calendars/{calendar.pk}/").content.decode()
    assert 'name="sat_0_end" value="00:00"' in page
    client.post(
        f"/sla/calendars/{calendar.pk}/",
        {"name": "Late", "time_zone": "UTC", "sat_0_start": "18:00", "sat_0_end": "00:00"},
    )
    calendar.refresh_from_db()
    assert calendar.hours == {"sat": [["18:00", "24:00"]]}


def test_add_a_span_shows_another_pair_without_saving(admin_user):
    response = signed_in(admin_user).post(
        "/sla/calendars/new/", {**CALENDAR_FORM, "add_span": "fri"}
    )

    assert response.status_code == 200
    assert 'name="fri_1_start"' in response.content.decode()
    assert not BusinessCalendar.objects.filter(name="Osaka").exists()


def test_calendar_refusals_show_next_to_their_fields(admin_user):
    response = signed_in(admin_user).post(
        "/sla/calendars/new/",
        {
            **CALENDAR_FORM,
            "name": "Tokyo",
            "mon_1_start": "11:00",
            "tue_0_start": "09:00",
            "regions": ["japan"],
        },
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert "tue_0_end" in form.errors  # half a span is refused by the form itself
    response = signed_in(admin_user).post(
        "/sla/calendars/new/",
        {**CALENDAR_FORM, "name": "Tokyo", "mon_1_start": "11:00", "regions": ["japan"]},
    )
    form = response.context["form"]
    assert set(form.errors) == {"name", "hours", "regions"}
    assert "overlap" in form.errors["hours"][0]
    assert "Tokyo" in form.errors["regions"][0]


def test_dates_are_added_and_removed_from_the_calendar_page(admin_user):
    calendar = BusinessCalendar.objects.get(name="Tokyo")
    client = signed_in(admin_user)
    url = f"/sla/calendars/{calendar.pk}/dates/"

    response = client.post(url, {"date-date": "2030-12-30", "date-name": "Year-end"})
    assert response.status_code == 302
    client.post(url, {"date-date": "2030-12-28", "date-start": "10:00", "date-end": "15:00"})
    assert list(calendar.dates.values_list("date", "hours")) == [
        (date(2030, 12, 28), [["10:00", "15:00"]]),
        (date(2030, 12, 30), []),
    ]
    refused = client.post(url, {"date-date": "2030-12-29", "date-start": "10:00"})
    assert refused.status_code == 200
    assert "is not a time of day" in refused.content.decode()

    client.post(f"/sla/calendars/{calendar.pk}/dates/2030-12-30/delete/")
    assert list(CalendarDate.objects.values_list("date", flat=True)) == [date(2030, 12, 28)]


def test_a_used_calendar_is_not_deleted_and_the_page_says_why(admin_user):
    calendar = BusinessCalendar.objects.get(name="Tokyo")
    SlaPolicy.objects.filter(name="Phone").update(calendar=calendar)

    response = signed_in(admin_user).post(f"/sla/calendars/{calendar.pk}/delete/", follow=True)

    assert "used by the policies Phone" in response.content.decode()
    assert BusinessCalendar.objects.filter(pk=calendar.pk).exists()


def test_managers_read_calendars_but_cannot_change_them(manager):
    calendar = BusinessCalendar.objects.get(name="Tokyo")
    client = signed_in(manager)

    page = client.get(f"/sla/calendars/{calendar.pk}/")
    assert page.status_code == 200
    assert "Save calendar" not in page.content.decode()
    assert client.post(f"/sla/calendars/{calendar.pk}/", CALENDAR_FORM).status_code == 403
    assert (
        client.post(f"/sla/calendars/{calendar.pk}/dates/", {"date-date": "2030-01-02"}).status_code
        == 403
    )
    assert client.post(f"/sla/calendars/{calendar.pk}/delete/").status_code == 403
    assert client.get("/sla/calendars/new/").status_code == 403
