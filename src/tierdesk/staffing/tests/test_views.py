"""The staffing page and its CSV: the chart and numbers for managers and engineers, a refused
query naming its fields, customers sent away."""

from __future__ import annotations

import csv
import io
from datetime import time, timedelta

import pytest
import time_machine
from django.test import Client

from conftest import PASSWORD
from tierdesk.routing.models import Shift
from tierdesk.staffing.tests.test_selectors import (
    MONDAY_SLOT_10,
    NOW,
    T0,
    engineer,
    make_chat,
    make_ticket,
)
from tierdesk.tickets.choices import Channel

PAGE = "/staffing/"
CSV = "/staffing/plan.csv"
TOKYO_TWO_WEEKS = {"tz": "Asia/Tokyo", "weeks": "2", "shrinkage": "30"}


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def history(alice):
    for week in (0, 1):
        for minute in (0, 30):
            make_chat(alice, T0 + timedelta(weeks=week, hours=1, minutes=minute), 400)
        make_ticket(alice, T0 + timedelta(weeks=week, hours=1, minutes=15), Channel.EMAIL)
    Shift.objects.create(person=engineer("uma", "UTC"), weekday=0, start=time(0), end=time(3))


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_manager_sees_the_chart_and_the_numbers(history, manager):
    response = signed_in(manager).get(PAGE, TOKYO_TWO_WEEKS)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="staffing-chart-svg"' in html
    # One group per hour of the week; Monday 10:00 in Tokyo is short, 09:00 is not.
    assert html.count('<g class="hour') == 168
    assert f'<g class="hour short" data-slot="{MONDAY_SLOT_10}">' in html
    assert '<g class="hour" data-slot="9">' in html
    assert 'class="gap"' in html
    assert '<path class="on-shift" d="M36,' in html
    # The numbers are one click away, and the CSV keeps the query.
    assert '<details id="staffing-numbers">' in html
    row = html.split(f'<tr data-slot="{MONDAY_SLOT_10}" class="short">')[1].split("</tr>")[0]
    assert '<td data-col="scheduled">5</td>' in row
    assert '<td data-col="on-shift">1</td>' in row
    assert '<td data-col="gap">-4</td>' in row
    assert "/staffing/plan.csv?tz=Asia%2FTokyo" in html
    assert "mean from taken to ended of 4 chats" in html
    assert "Asia/Tokyo" in html


def test_engineers_read_the_page_in_their_own_zone_by_default(agent):
    html = signed_in(agent).get(PAGE).content.decode()

    assert 'id="staffing-tz" name="tz" value="UTC"' in html
    assert 'id="staffing-no-shifts"' in html


def test_a_refused_query_names_the_fields(manager):
    response = signed_in(manager).get(PAGE, {"weeks": "x", "shrinkage": "120"})

    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-field="weeks"' in html
    assert 'data-field="shrinkage"' in html
    assert 'class="staffing-chart-svg"' not in html


def test_the_csv_has_a_row_per_hour_of_the_week(history, manager):
    response = signed_in(manager).get(CSV, TOKYO_TWO_WEEKS)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 168
    assert (rows[0]["weekday"], rows[0]["hour"]) == ("0", "0")
    assert (rows[-1]["weekday"], rows[-1]["hour"]) == ("6", "23")
    short = rows[MONDAY_SLOT_10]
    assert short == {
        "weekday": "0",
        "hour": "10",
        "arrivals_chat": "2",
        "arrivals_phone": "0",
        "arrivals_email": "1",
        "needed_chat": "2",
        "needed_phone": "0",
        "needed_email": "1",
        "needed_total": "3",
        "needed_with_shrinkage": "5",
        "on_shift": "1",
        "gap": "-4",
        "tz": "Asia/Tokyo",
    }
    assert rows[9]["on_shift"] == "1" and rows[9]["gap"] == "1"


def test_a_refused_csv_query_answers_422_with_the_reasons(manager):
    response = signed_in(manager).get(CSV, {"tz": "Nowhere/Land"})

    assert response.status_code == 422
    assert response.content.decode().startswith("tz: ")


def test_customers_are_sent_to_the_portal(alice):
    response = signed_in(alice).get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/portal/")


def test_the_page_reads_a_bounded_number_of_queries(
    history, manager, django_assert_max_num_queries
):
    client = signed_in(manager)
    with django_assert_max_num_queries(10):
        assert client.get(PAGE, TOKYO_TWO_WEEKS).status_code == 200


def test_the_window_is_shown_in_the_plans_zone(manager):
    html = signed_in(manager).get(PAGE, TOKYO_TWO_WEEKS).content.decode()

    # The window ends at Monday 20 May 00:00 UTC, 9 a.m. in Tokyo.
    assert "May 20, 2024, 9 a.m." in html
