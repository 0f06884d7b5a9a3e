"""GET /api/v1/staffing/erlang-c: the calculator for staff, 403 for customers, 422 naming each
refused parameter."""

from __future__ import annotations

import pytest

from tierdesk.core.tests.api_support import API, client_for

URL = f"{API}/staffing/erlang-c"
CLASSIC = {
    "arrivals": "100",
    "interval_seconds": "1800",
    "aht_seconds": "180",
    "target_seconds": "20",
    "target_level": "0.8",
    "shrinkage": "0.3",
}


def test_staff_get_the_classic_worked_example(agent):
    response = client_for(agent).get(URL, CLASSIC)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {
        "agents",
        "agents_with_shrinkage",
        "service_level",
        "probability_of_waiting",
        "average_speed_of_answer_seconds",
        "occupancy",
        "traffic_erlangs",
    }
    assert body["agents"] == 14
    assert body["agents_with_shrinkage"] == 20
    assert body["traffic_erlangs"] == pytest.approx(10.0)
    assert body["probability_of_waiting"] == pytest.approx(0.1741, abs=5e-4)
    assert body["service_level"] == pytest.approx(0.8884, abs=5e-4)
    assert body["average_speed_of_answer_seconds"] == pytest.approx(7.84, abs=0.01)
    assert body["occupancy"] == pytest.approx(0.7143, abs=5e-4)


def test_shrinkage_defaults_to_none(manager):
    params = {k: v for k, v in CLASSIC.items() if k != "shrinkage"}

    body = client_for(manager).get(URL, params).json()

    assert body["agents"] == body["agents_with_shrinkage"] == 14


def test_each_bad_field_is_named(manager):
    response = client_for(manager).get(
        URL,
        {
            "arrivals": "-3",
            "interval_seconds": "soon",
            "aht_seconds": "180",
            "target_level": "80",
            "shrinkage": "1",
        },
    )

    assert response.status_code == 422
    fields = {item["field"] for item in response.json()["errors"]}
    # Unreadable and missing ones are named first; a number out of range once they read.
    assert fields == {"interval_seconds", "target_seconds"}

    response = client_for(manager).get(
        URL, {**CLASSIC, "arrivals": "-3", "target_level": "80", "shrinkage": "1"}
    )

    assert response.status_code == 422
    body = response.json()
    assert {item["field"] for item in body["errors"]} == {"arrivals", "target_level", "shrinkage"}
    assert all(item["reason"] for item in body["errors"])


def test_customers_are_refused(alice):
    response = client_for(alice).get(URL, CLASSIC)

    assert response.status_code == 403


def test_signing_in_is_needed(client, db):
    assert client.get(URL, CLASSIC).status_code == 401


def test_overflowing_traffic_is_a_422_naming_arrivals(manager):
    response = client_for(manager).get(
        URL, {**CLASSIC, "arrivals": "1e300", "aht_seconds": "1e300"}
    )

    assert response.status_code == 422
    assert {item["field"] for item in response.json()["errors"]} == {"arrivals"}
