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
    make_call,
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
    # Monday 10:00 Tokyo: 2 chats an hour of 400 s and 1 email ticket an hour; one engineer on
    # shift 09:00-12:00 Tokyo. At the defaults (2 chats at once, a 4-hour email target, 30%
    # shrinkage): chat 1 engineer (Erlang C on 200 s, A = 0.111: 90.3% within 30 s), email
    # ceil(1 * 720 / (3600 * 4)) = 1 in each of 10:00-13:59; 10:00 schedules ceil(2 / 0.7) = 3
    # against 1 on shift (gap -2), 11:00 ceil(1 / 0.7) = 2 against 1 (gap -1).
    for week in (0, 1):
        for minute in (5, 30):
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
    assert '<g class="hour short" data-slot="11">' in html
    assert 'class="gap"' in html
    assert '<path class="on-shift" d="M36,' in html
    # The numbers are one click away, and the CSV keeps the query.
    assert '<details id="staffing-numbers">' in html
    row = html.split(f'<tr data-slot="{MONDAY_SLOT_10}" class="short">')[1].split("</tr>")[0]
    assert '<td data-col="needed-chat">1</td>' in row
    assert '<td data-col="needed-email">1</td>' in row
    assert '<td data-col="scheduled">3</td>' in row
    assert '<td data-col="on-shift">1</td>' in row
    assert '<td data-col="gap">-2</td>' in row
    assert "/staffing/plan.csv?tz=Asia%2FTokyo" in html
    assert "mean from taken to ended of 4 chats" in html
    assert "Asia/Tokyo" in html
    # The new parameters are on the form at their defaults, and the arrivals' source is said:
    # chats from chat sessions, phone from its tickets since there are no calls.
    assert 'name="email_target_hours" min="0" max="72" step="any" value="4"' in html
    assert 'name="chat_concurrency" min="1" max="6" step="1" value="2"' in html
    assert "chats requested, taken or not" in html
    assert "no calls in the window: phone tickets instead" in html
    assert 'id="staffing-beyond-calculator"' not in html


def test_engineers_read_the_page_in_their_own_zone_by_default(agent):
    html = signed_in(agent).get(PAGE).content.decode()

    assert 'id="staffing-tz" name="tz" value="UTC"' in html
    assert 'id="staffing-no-shifts"' in html


def test_a_refused_query_names_the_fields(manager):
    response = signed_in(manager).get(
        PAGE,
        {"weeks": "x", "shrinkage": "120", "email_target_hours": "73", "chat_concurrency": "0"},
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-field="weeks"' in html
    assert 'data-field="shrinkage"' in html
    assert 'data-field="email_target_hours"' in html
    assert 'data-field="chat_concurrency"' in html
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
        "needed_chat": "1",
        "needed_phone": "0",
        "needed_email": "1",
        "needed_total": "2",
        "needed_with_shrinkage": "3",
        "on_shift": "1",
        "gap": "-2",
        "tz": "Asia/Tokyo",
        "email_target_hours": "4",
        "chat_concurrency": "2",
        "arrivals_from_chat": "chats",
        "arrivals_from_phone": "tickets",
        "arrivals_from_email": "tickets",
        "beyond_calculator": "",
    }
    assert rows[9]["on_shift"] == "1" and rows[9]["gap"] == "1"
    # The email of 10:00 is worked until 13:59 and gone by 14:00.
    assert [rows[slot]["needed_email"] for slot in range(10, 15)] == ["1", "1", "1", "1", "0"]
    assert rows[11]["gap"] == "-1"


def test_the_csv_takes_the_email_target_and_chat_concurrency(history, manager):
    query = {**TOKYO_TWO_WEEKS, "email_target_hours": "1", "chat_concurrency": "1"}

    rows = list(csv.DictReader(io.StringIO(signed_in(manager).get(CSV, query).content.decode())))

    # The old rules: chat 2 (one at a time, 79.0% with one engineer), email cleared within
    # the hour; 3 engineers are ceil(3 / 0.7) = 5 to schedule, against 1 on shift.
    short = rows[MONDAY_SLOT_10]
    assert (short["needed_chat"], short["needed_email"], short["needed_with_shrinkage"]) == (
        "2",
        "1",
        "5",
    )
    assert (short["email_target_hours"], short["chat_concurrency"]) == ("1", "1")
    assert rows[11]["needed_email"] == "0"


def test_an_hour_beyond_the_calculator_is_flagged_on_the_page_and_in_the_csv(agent, manager):
    # One call whose talk time is in the wrong unit: 0.5 an hour of 200,000,000 s is 27,778
    # Erlangs, past the calculator; ceil(27,777.8 / 0.85) = 32,680 engineers, estimated.
    make_call(agent, T0 + timedelta(hours=1, minutes=5), talk=200_000_000)
    client = signed_in(manager)

    html = client.get(PAGE, TOKYO_TWO_WEEKS).content.decode()
    rows = list(csv.DictReader(io.StringIO(client.get(CSV, TOKYO_TWO_WEEKS).content.decode())))

    assert 'id="staffing-beyond-calculator"' in html
    assert "In 1 hour of the week the arrivals are beyond the calculator" in html
    row = html.split(f'<tr data-slot="{MONDAY_SLOT_10}" class="short">')[1].split("</tr>")[0]
    assert '<td data-col="needed-phone">32680 <abbr class="beyond"' in row
    assert rows[MONDAY_SLOT_10]["needed_phone"] == "32680"
    assert rows[MONDAY_SLOT_10]["beyond_calculator"] == "phone"
    assert rows[MONDAY_SLOT_10]["arrivals_from_phone"] == "calls"
    assert rows[9]["beyond_calculator"] == ""


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
