"""GET /api/v1/sla/attainment: the rows for staff in their time zone or the one asked for, 403
for customers, 422 naming each refused parameter, and the operation documented."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from conftest import make_person
from tierdesk.accounts.choices import Role
from tierdesk.core.tests.api_support import API, client_for, fields
from tierdesk.sla.choices import Metric, Outcome
from tierdesk.sla.tests.test_attainment import T0, make_clock, make_ticket

URL = f"{API}/sla/attainment"


@pytest.fixture
def clocks(alice):
    ticket = make_ticket(alice)
    for hour in range(1, 4):
        make_clock(ticket, decided_at=T0 + timedelta(hours=hour), elapsed=600.0 * hour)
    make_clock(ticket, decided_at=T0 + timedelta(days=8), outcome=Outcome.BREACHED, elapsed=7200)
    make_clock(ticket, decided_at=T0 + timedelta(days=1), metric=Metric.RESOLUTION, goal=80)


def test_staff_read_the_rows_per_target_and_week(clocks, manager):
    response = client_for(manager).get(
        URL, {"from": "2024-05-06", "to": "2024-06-02", "group_by": "week"}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["from"] == "2024-05-06T00:00:00Z"
    assert body["to"] == "2024-06-03T00:00:00Z"
    assert body["tz"] == "UTC"
    assert body["group_by"] == ["metric", "week"]
    first, second, resolution = body["rows"]
    assert first == {
        "metric": "first_response",
        "channel": None,
        "priority": None,
        "group": None,
        "group_name": None,
        "policy": None,
        "period": "2024-05-06",
        "met": 3,
        "breached": 0,
        "total": 3,
        "attainment_percent": 100.0,
        "goal_percent": 90.0,
        "goal_min_percent": 90.0,
        "goal_max_percent": 90.0,
        "goal_met": True,
        "p50_seconds": 1200.0,
        "p90_seconds": 1680.0,
        "p95_seconds": 1740.0,
    }
    assert (second["period"], second["breached"], second["goal_met"]) == ("2024-05-13", 1, False)
    assert (resolution["metric"], resolution["goal_percent"]) == ("resolution", 80.0)


def test_a_tokyo_manager_reads_days_of_tokyo(alice):
    # Given a manager in Tokyo, and first responses met at 14:30 UTC on 6 May (23:30 in Tokyo)
    # and at 23:30 UTC on 6 May (08:30 on 7 May in Tokyo)
    tokyo = make_person("kenta", role=Role.MANAGER, time_zone="Asia/Tokyo")
    ticket = make_ticket(alice)
    make_clock(ticket, decided_at=datetime(2024, 5, 6, 14, 30, tzinfo=UTC))
    make_clock(ticket, decided_at=datetime(2024, 5, 6, 23, 30, tzinfo=UTC))

    # When they read 6 and 7 May per day, without naming a zone
    response = client_for(tokyo).get(
        URL, {"from": "2024-05-06", "to": "2024-05-07", "group_by": "day"}
    )

    # Then the dates are Tokyo's, midnight to midnight there, and the clock at 23:30 UTC
    # counts on the next day
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tz"] == "Asia/Tokyo"
    assert (body["from"], body["to"]) == ("2024-05-06T00:00:00+09:00", "2024-05-08T00:00:00+09:00")
    assert [(r["period"], r["met"]) for r in body["rows"]] == [
        ("2024-05-06", 1),
        ("2024-05-07", 1),
    ]

    # And asking for UTC puts both on 6 May
    response = client_for(tokyo).get(
        URL, {"from": "2024-05-06", "to": "2024-05-07", "group_by": "day", "tz": "UTC"}
    )
    body = response.json()
    assert (body["tz"], body["from"]) == ("UTC", "2024-05-06T00:00:00Z")
    assert [(r["period"], r["met"]) for r in body["rows"]] == [("2024-05-06", 2)]


def test_a_zone_given_by_name_sets_the_dates_and_today(clocks, agent):
    # 22:00 UTC on 20 May is 21 May in Moscow: the default period ends with that day
    with time_machine.travel(datetime(2024, 5, 20, 22, tzinfo=UTC), tick=False):
        response = client_for(agent).get(URL, {"tz": "Europe/Moscow"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tz"] == "Europe/Moscow"
    assert (body["from"], body["to"]) == ("2024-04-24T00:00:00+03:00", "2024-05-22T00:00:00+03:00")


def test_group_by_may_repeat_and_filters_narrow(clocks, agent):
    response = client_for(agent).get(
        URL,
        {
            "from": "2024-05-01T00:00:00Z",
            "to": "2024-06-01T00:00:00Z",
            "group_by": ["channel", "priority"],
            "metric": "first_response",
            "channel": "email",
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["group_by"] == ["metric", "channel", "priority"]
    assert [(r["channel"], r["priority"], r["met"], r["breached"]) for r in body["rows"]] == [
        ("email", "normal", 3, 1)
    ]


def test_by_default_the_last_28_days_today_included(clocks, reviewer):
    with time_machine.travel(datetime(2024, 5, 20, 12, tzinfo=UTC), tick=False):
        response = client_for(reviewer).get(URL)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["from"], body["to"]) == ("2024-04-23T00:00:00Z", "2024-05-21T00:00:00Z")
    assert [(r["metric"], r["total"]) for r in body["rows"]] == [
        ("first_response", 4),
        ("resolution", 1),
    ]


def test_customers_may_not_read_attainment(alice):
    response = client_for(alice).get(URL)

    assert response.status_code == 403
    assert response.json()["detail"] == "Service levels are for the support team."


def test_reading_needs_credentials(db):
    from django.test import Client

    assert Client().get(URL).status_code == 401


@pytest.mark.parametrize(
    ("params", "field", "reason"),
    [
        ({"from": "2024-05-10", "to": "2024-05-01"}, "to", "Give an end after the start."),
        ({"from": "2022-01-01", "to": "2024-06-01"}, "to", "Give a period of at most 731 days."),
        ({"from": "last week"}, "from", "Give a date (2024-05-01)"),
        ({"to": "2024-05-01T09:00"}, "to", "with a time zone"),
        ({"group_by": "metric,colour"}, "group_by", "Unknown: colour."),
        ({"group_by": ["day", "month"]}, "group_by", "Choose at most one of day, week, month."),
        ({"channel": "fax"}, "channel", "Choose one of email, portal"),
        ({"metric": "speed"}, "metric", "Choose one of first_response"),
        ({"group": "0"}, "group", "No such group."),
        ({"tz": "Mars/Olympus"}, "tz", "Give a time zone by its IANA name"),
        ({"tz": "+09:00"}, "tz", "Give a time zone by its IANA name"),
    ],
)
def test_refusals_name_the_parameter_and_why(manager, params, field, reason):
    response = client_for(manager).get(URL, params)

    assert response.status_code == 422
    assert fields(response) == {field}
    assert reason in response.json()["errors"][0]["reason"]


def test_the_operation_is_documented(admin_user):
    from django.test import Client

    schema = Client().get(f"{API}/openapi.json").json()
    operation = schema["paths"]["/api/v1/sla/attainment"]["get"]

    assert operation["summary"] == "SLA attainment"
    assert "403 for customers" in operation["description"]
    assert {p["name"] for p in operation["parameters"]} >= {
        "from",
        "to",
        "tz",
        "group_by",
        "metric",
    }
    assert "time zone" in operation["description"]
