"""SLA setup API: calendars with their dates and holidays, policies and their order, business time;
who may read and write, and every 422 naming its field."""

from __future__ import annotations

import pytest

from tierdesk.core.tests.api_support import API, client_for, fields
from tierdesk.sla.models import BusinessCalendar, CalendarDate, SlaPolicy

pytestmark = pytest.mark.django_db

JSON = "application/json"
WEEKDAYS = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
CALENDAR = {
    "name": "Osaka",
    "time_zone": "Asia/Tokyo",
    "hours": WEEKDAYS,
    "holiday_country": "JP",
}
POLICY = {
    "name": "Gold",
    "channels": ["email", "portal"],
    "targets": [{"metric": "first_response", "seconds": 3600, "warn_before_seconds": 900}],
}


def post(user, path, body, **headers):
    return client_for(user, **headers).post(f"{API}{path}", body, content_type=JSON)


def patch(user, path, body):
    return client_for(user).patch(f"{API}{path}", body, content_type=JSON)


# --- calendars ----------------------------------------------------------------------------------


def test_admin_creates_reads_changes_and_deletes_a_calendar(admin_user):
    created = post(admin_user, "/sla/calendars", CALENDAR)
    assert created.status_code == 201, created.json()
    calendar = created.json()
    assert calendar["hours"]["mon"] == [["09:00", "18:00"]]
    assert calendar["hours"]["sat"] == []
    assert calendar["holiday_country"] == "JP"
    assert calendar["upcoming_holidays"]  # Japan has public holidays in any 12 months
    assert {h["source"] for h in calendar["upcoming_holidays"]} == {"public"}
    path = f"/sla/calendars/{calendar['id']}"

    singapore = BusinessCalendar.objects.get(name="Singapore")
    assert fields(patch(admin_user, path, {"regions": ["apac"]})) == {"regions"}
    patch(admin_user, f"/sla/calendars/{singapore.pk}", {"regions": []})
    changed = patch(admin_user, path, {"around_the_clock": True, "regions": ["apac"]})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["around_the_clock"] is True
    assert changed.json()["hours"]["mon"] == [["09:00", "18:00"]]
    assert "Osaka" in [c["name"] for c in client_for(admin_user).get(f"{API}/sla/calendars").json()]

    assert client_for(admin_user).delete(f"{API}{path}").status_code == 204
    assert client_for(admin_user).get(f"{API}{path}").status_code == 404


def test_calendar_refusals_name_each_field(admin_user):
    response = post(
        admin_user,
        "/sla/calendars",
        {
            "name": "",
            "time_zone": "Nowhere/City",
            "hours": {"mon": [["18:00"]]},
            "holiday_country": "ZZ",
            "regions": ["americas"],
        },
    )
    assert response.status_code == 422
    assert fields(response) == {"name", "time_zone", "hours", "holiday_country", "regions"}

    response = post(admin_user, "/sla/calendars", {**CALENDAR, "hours": "9-6", "colour": "red"})
    assert response.status_code == 422
    assert fields(response) == {"hours", "colour"}


def test_a_used_calendar_is_not_deleted_and_its_policies_are_named(admin_user):
    calendar = post(admin_user, "/sla/calendars", CALENDAR).json()
    post(admin_user, "/sla/policies", {**POLICY, "calendar": calendar["id"]})

    response = client_for(admin_user).delete(f"{API}/sla/calendars/{calendar['id']}")

    assert response.status_code == 422
    assert fields(response) == {"calendar"}
    assert "Gold" in response.json()["errors"][0]["reason"]
    detail = client_for(admin_user).get(f"{API}/sla/calendars/{calendar['id']}").json()
    assert detail["policies"] == [{"id": SlaPolicy.objects.get(name="Gold").pk, "name": "Gold"}]


def test_dates_are_set_replaced_and_removed(admin_user):
    calendar = post(admin_user, "/sla/calendars", CALENDAR).json()
    dates = f"/sla/calendars/{calendar['id']}/dates"

    added = post(admin_user, dates, {"date": "2030-05-07", "name": "Inventory"})
    assert added.status_code == 201
    assert added.json() == {"date": "2030-05-07", "name": "Inventory", "hours": []}
    replaced = post(admin_user, dates, {"date": "2030-05-07", "hours": [["10:00", "15:00"]]})
    assert replaced.status_code == 200
    assert replaced.json()["hours"] == [["10:00", "15:00"]]
    bad = post(admin_user, dates, {"date": "2030-05-08", "hours": [["10:00", "noon"]]})
    assert bad.status_code == 422 and fields(bad) == {"hours"}
    assert fields(post(admin_user, dates, {"date": "someday"})) == {"date"}

    client = client_for(admin_user)
    assert client.delete(f"{API}{dates}/2030-05-07").status_code == 204
    assert client.delete(f"{API}{dates}/2030-05-07").status_code == 404
    assert client.delete(f"{API}{dates}/tomorrow").status_code == 422
    assert not CalendarDate.objects.exists()


def test_custom_dates_show_among_the_coming_holidays(admin_user):
    from datetime import UTC, datetime, timedelta

    calendar = post(admin_user, "/sla/calendars", {**CALENDAR, "holiday_country": ""}).json()
    soon = (datetime.now(UTC).date() + timedelta(days=20)).isoformat()
    post(admin_user, f"/sla/calendars/{calendar['id']}/dates", {"date": soon, "name": "Move"})

    detail = client_for(admin_user).get(f"{API}/sla/calendars/{calendar['id']}").json()

    assert detail["upcoming_holidays"] == [
        {"date": soon, "name": "Move", "source": "custom", "hours": []}
    ]
    assert detail["dates"] == [{"date": soon, "name": "Move", "hours": []}]


def test_business_time_adds_and_measures_on_the_calendar(admin_user, manager):
    calendar = post(admin_user, "/sla/calendars", {**CALENDAR, "holiday_country": ""}).json()
    path = f"{API}/sla/calendars/{calendar['id']}/business-time"
    client = client_for(manager)

    # Friday 17:00 in Tokyo plus 4 business hours: one hour on Friday, three on Monday.
    due = client.get(path, {"from": "2030-03-01T17:00:00+09:00", "seconds": 4 * 3600})
    assert due.status_code == 200, due.json()
    assert due.json()["due_at"] == "2030-03-04T03:00:00Z"  # Monday 12:00 in Tokyo
    assert due.json()["from"].startswith("2030-03-01T")

    between = client.get(
        path, {"from": "2030-03-01T17:00:00+09:00", "to": "2030-03-04T12:00:00+09:00"}
    )
    assert between.status_code == 200
    assert between.json()["seconds"] == 4 * 3600

    assert fields(client.get(path, {"from": "2030-03-01T17:00:00+09:00"})) == {"seconds", "to"}
    assert fields(client.get(path, {"from": "2030-03-01T17:00:00", "seconds": 60})) == {"from"}
    assert fields(client.get(path, {"seconds": 60})) == {"from"}
    too_far = client.get(path, {"from": "2030-03-01T17:00:00Z", "seconds": 10**9})
    assert fields(too_far) == {"seconds"}


@pytest.mark.parametrize(
    "query, named",
    [
        ({"from": "0001-01-01T00:00:00Z", "to": "0001-01-02T23:00:00Z"}, {"from", "to"}),
        ({"from": "9999-12-30T00:00:00Z", "to": "9999-12-31T23:00:00Z"}, {"from", "to"}),
        ({"from": "9999-12-31T00:00:00Z", "seconds": 7_776_000}, {"from"}),
        ({"from": "1969-12-31T23:59:59Z", "seconds": 60}, {"from"}),
        ({"from": "2200-12-31T00:00:00Z", "to": "2201-01-01T00:00:00Z"}, {"to"}),
    ],
)
def test_business_time_refuses_instants_outside_the_years_it_counts(manager, query, named):
    tokyo = BusinessCalendar.objects.get(name="Tokyo")
    path = f"{API}/sla/calendars/{tokyo.pk}/business-time"

    refused = client_for(manager).get(path, query)

    assert refused.status_code == 422
    assert fields(refused) == named
    assert {e["reason"] for e in refused.json()["errors"]} == {
        "Give an instant in the years 1970 to 2200."
    }


def test_business_time_counts_at_both_ends_of_the_years_on_every_calendar(manager):
    client = client_for(manager)
    for calendar in BusinessCalendar.objects.all():
        path = f"{API}/sla/calendars/{calendar.pk}/business-time"
        first = client.get(path, {"from": "1970-01-01T00:00:00+14:00", "to": "1971-12-31T00:00Z"})
        last = client.get(path, {"from": "2200-12-31T23:59:59-12:00", "seconds": 7_776_000})
        assert first.status_code == 200, (calendar.name, first.json())
        assert last.status_code == 200, (calendar.name, last.json())
        assert last.json()["due_at"].startswith("2201-")


def test_business_time_on_a_calendar_never_open_names_seconds(manager):
    # The API refuses such a calendar; one stored without hours (by hand) must not fail either.
    closed = BusinessCalendar.objects.create(name="Closed", time_zone="Asia/Tokyo", hours={})
    path = f"{API}/sla/calendars/{closed.pk}/business-time"

    refused = client_for(manager).get(path, {"from": "2030-03-01T17:00:00Z", "seconds": 60})
    between = client_for(manager).get(
        path, {"from": "2030-03-01T17:00:00Z", "to": "2030-03-08T17:00:00Z"}
    )

    assert fields(refused) == {"seconds"}
    assert "not open" in refused.json()["errors"][0]["reason"]
    assert between.status_code == 200 and between.json()["seconds"] == 0


def test_calendar_list_queries_do_not_grow_with_calendars(
    admin_user, django_assert_max_num_queries
):
    client = client_for(admin_user)
    client.get(f"{API}/sla/calendars")
    for n in range(5):
        post(admin_user, "/sla/calendars", {**CALENDAR, "name": f"C{n}", "holiday_country": ""})

    with django_assert_max_num_queries(8):
        response = client.get(f"{API}/sla/calendars")
    assert len(response.json()) == BusinessCalendar.objects.count()


# --- policies -----------------------------------------------------------------------------------


def test_admin_creates_reads_changes_moves_and_deletes_a_policy(admin_user, acme):
    created = post(
        admin_user, "/sla/policies", {**POLICY, "organizations": [acme.pk], "position": 1}
    )
    assert created.status_code == 201, created.json()
    policy = created.json()
    assert policy["position"] == 1
    assert policy["organizations"] == [acme.pk]
    assert policy["calendar"] is None and policy["calendar_name"] is None
    assert policy["targets"] == [
        {
            "metric": "first_response",
            "seconds": 3600,
            "business_hours": True,
            "goal_percent": 90.0,
            "warn_before_seconds": 900,
            "notify": True,
            "breach_priority": "",
            "breach_notify_managers": False,
        }
    ]
    path = f"/sla/policies/{policy['id']}"
    tokyo = BusinessCalendar.objects.get(name="Tokyo")

    changed = patch(admin_user, path, {"calendar": tokyo.pk, "tags": ["VIP"], "active": False})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["calendar_name"] == "Tokyo"
    assert changed.json()["tags"] == ["vip"]
    assert changed.json()["targets"][0]["seconds"] == 3600  # targets not sent: kept

    moved = post(admin_user, f"{path}/move", {"offset": 1})
    assert [p["name"] for p in moved.json()][:2] == ["Live chat", "Gold"]
    assert [p["position"] for p in moved.json()] == list(range(1, len(moved.json()) + 1))
    assert client_for(admin_user).get(f"{API}{path}").json()["position"] == 2

    assert client_for(admin_user).delete(f"{API}{path}").status_code == 204
    assert client_for(admin_user).get(f"{API}{path}").status_code == 404


def test_policy_refusals_name_each_field(admin_user):
    response = post(
        admin_user,
        "/sla/policies",
        {
            "name": "Bad",
            "plans": ["gold"],
            "priorities": ["asap"],
            "calendar": 99999,
            "targets": [
                {"metric": "first_response", "seconds": 60, "warn_before_seconds": 120},
                {"metric": "first_response", "seconds": 60},
                {"metric": "resolution", "seconds": 60, "goal_percent": 150},
            ],
        },
    )
    assert response.status_code == 422
    assert fields(response) == {
        "plans",
        "priorities",
        "calendar",
        "targets.0.warn_before_seconds",
        "targets.1.metric",
        "targets.2.goal_percent",
    }

    schema = post(admin_user, "/sla/policies", {"name": "x", "targets": [{"metric": "x"}]})
    assert fields(schema) == {"targets.0.seconds"}
    unknown = post(admin_user, "/sla/policies", {"name": "x", "when": {}})
    assert fields(unknown) == {"when"}


def test_reorder_and_move_refusals(admin_user):
    ids = [p.pk for p in SlaPolicy.objects.order_by("position", "id")]

    response = post(admin_user, "/sla/policies/reorder", {"ids": ids[::-1]})
    assert response.status_code == 200
    assert [p["id"] for p in response.json()] == ids[::-1]
    assert fields(post(admin_user, "/sla/policies/reorder", {"ids": ids[:2]})) == {"ids"}
    assert fields(post(admin_user, f"/sla/policies/{ids[0]}/move", {})) == {"position"}
    assert fields(post(admin_user, f"/sla/policies/{ids[0]}/move", {"position": 0})) == {"position"}


def test_creating_a_policy_is_idempotent(admin_user):
    first = post(admin_user, "/sla/policies", POLICY, **{"Idempotency-Key": "sla-1"})
    again = post(admin_user, "/sla/policies", POLICY, **{"Idempotency-Key": "sla-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert SlaPolicy.objects.filter(name="Gold").count() == 1


def test_policy_list_queries_do_not_grow_with_policies(admin_user, django_assert_max_num_queries):
    client = client_for(admin_user)
    client.get(f"{API}/sla/policies")
    for n in range(5):
        post(admin_user, "/sla/policies", {**POLICY, "name": f"P{n}"})

    with django_assert_max_num_queries(8):
        response = client.get(f"{API}/sla/policies")
    assert len(response.json()) == SlaPolicy.objects.count()


# --- who may ------------------------------------------------------------------------------------


def test_managers_read_but_do_not_write(manager, admin_user):
    calendar = post(admin_user, "/sla/calendars", CALENDAR).json()
    client = client_for(manager)

    assert client.get(f"{API}/sla/policies").status_code == 200
    assert client.get(f"{API}/sla/calendars/{calendar['id']}").status_code == 200
    assert post(manager, "/sla/policies", POLICY).status_code == 403
    assert post(manager, "/sla/calendars", {**CALENDAR, "name": "M"}).status_code == 403
    assert patch(manager, f"/sla/calendars/{calendar['id']}", {"name": "M"}).status_code == 403
    dates = f"/sla/calendars/{calendar['id']}/dates"
    assert post(manager, dates, {"date": "2030-01-02"}).status_code == 403


@pytest.mark.parametrize("who", ["agent", "reviewer", "alice"])
def test_agents_reviewers_and_customers_are_refused(request, who, admin_user):
    person = request.getfixturevalue(who)
    policy = SlaPolicy.objects.first()
    calendar = BusinessCalendar.objects.first()
    client = client_for(person)

    assert client.get(f"{API}/sla/policies").status_code == 403
    assert client.get(f"{API}/sla/calendars").status_code == 403
    assert client.get(f"{API}/sla/calendars/{calendar.pk}").status_code == 403
    assert patch(person, f"/sla/policies/{policy.pk}", {"active": False}).status_code == 403
    assert client.delete(f"{API}/sla/calendars/{calendar.pk}").status_code == 403
    assert post(person, "/sla/policies", POLICY).status_code == 403
    assert SlaPolicy.objects.get(pk=policy.pk).active


def test_anonymous_requests_are_refused_with_401():
    from django.test import Client

    assert Client().get(f"{API}/sla/policies").status_code == 401
    assert Client().get(f"{API}/sla/calendars").status_code == 401


def test_missing_things_are_404(admin_user):
    client = client_for(admin_user)
    assert client.get(f"{API}/sla/policies/99999").status_code == 404
    assert client.get(f"{API}/sla/calendars/99999").status_code == 404
    assert patch(admin_user, "/sla/calendars/99999", {"name": "x"}).status_code == 404
