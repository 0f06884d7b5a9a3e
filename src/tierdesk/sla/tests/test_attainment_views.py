"""The attainment page and its CSV: the numbers, a chart per target with its goal line, the
periods in the reader's time zone or the one asked for, the query's refusals, and who may open
them."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, make_person
from tierdesk.accounts.choices import Role
from tierdesk.accounts.models import SkillGroup
from tierdesk.sla.choices import Metric, Outcome
from tierdesk.sla.tests.test_attainment import T0, make_clock, make_ticket

PAGE = "/sla/"
CSV = "/sla/attainment.csv"
MAY = {"from": "2024-05-06", "to": "2024-06-02"}


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def html_of(client, url, params=None, status=200) -> str:
    response = client.get(url, params or {})
    assert response.status_code == status, response.status_code
    return response.content.decode()


@pytest.fixture
def clocks(alice):
    ticket = make_ticket(alice)
    group = SkillGroup.objects.create(name="Query engine")
    for hour in range(1, 10):
        make_clock(ticket, decided_at=T0 + timedelta(hours=hour), elapsed=60.0 * hour, group=group)
    make_clock(ticket, decided_at=T0 + timedelta(days=8), outcome=Outcome.BREACHED, elapsed=7200)
    make_clock(
        ticket,
        decided_at=T0 + timedelta(days=1),
        metric=Metric.RESOLUTION,
        outcome=Outcome.BREACHED,
        elapsed=200_000,
        policy_name="=Urgent",
    )
    return group


def test_the_urls_are_named():
    assert reverse("sla:attainment") == PAGE
    assert reverse("sla:attainment_csv") == CSV


def test_the_page_shows_each_target_with_its_numbers_and_a_chart_against_its_goal(clocks, manager):
    html = html_of(signed_in(manager), PAGE, MAY)

    # A card per target: 9 of 10 first responses met, the goal 90% met; the median measured time
    first = re.search(
        r'<section class="sla-chart card" data-metric="first_response".*?</section>', html, re.S
    )
    assert first is not None
    card = first.group(0)
    assert '<span class="figure" data-share="attainment">90.0%</span>' in card
    assert '<dd data-count="met">9</dd>' in card
    assert '<dd data-count="breached">1</dd>' in card
    assert '<dd data-time="p50">5 min</dd>' in card
    assert "Goal met" in card
    # Its chart is an SVG per day with a title, the goal line at 90% and each bar's number
    assert '<svg class="sla-chart-svg" id="chart-first_response"' in card
    assert (
        '<title id="chart-first_response-title">First response: share met per day</title>' in card
    )
    assert 'class="goal-line"' in card
    assert "Goal 90%" in card
    assert '<g class="bar goal-met" data-period="2024-05-06">' in card
    assert '<g class="bar goal-missed" data-period="2024-05-14">' in card
    assert ">100%</text>" in card and ">0%</text>" in card
    assert '<g class="bar no-clocks" data-period="2024-05-07">' in card
    # The resolution target missed
    assert '<section class="sla-chart card" data-metric="resolution"' in html
    assert "Below goal" in html
    # And the table has a row per target
    assert '<tr data-metric="first_response">' in html
    assert '<tr data-metric="resolution">' in html


def test_the_chart_goal_line_sits_at_the_goal(clocks, manager):
    html = html_of(signed_in(manager), PAGE, MAY)

    # 0% at y=166, 100% at y=16: 90% is 15 units below the top
    assert 'class="goal-line" x1="44" x2="888" y1="31.0" y2="31.0"' in html


def test_longer_periods_chart_per_week_and_rows_follow_the_keys(clocks, agent):
    html = html_of(
        signed_in(agent),
        PAGE,
        {"from": "2024-04-01", "to": "2024-06-30", "group_by": ["group", "week"]},
    )

    assert "First response: share met per week" in html
    assert '<g class="bar goal-met" data-period="2024-05-06">' in html
    assert '<tr data-metric="first_response" data-period="2024-05-06">' in html
    assert "Query engine" in html
    assert "(no group)" in html
    assert "Week of May 6, 2024" in html


def test_the_period_links_and_the_form_keep_the_query(clocks, manager):
    with time_machine.travel(datetime(2024, 5, 20, 12, tzinfo=UTC), tick=False):
        html = html_of(signed_in(manager), PAGE, {"group_by": "channel", "metric": "resolution"})

    assert (
        'href="?from=2024-05-14&amp;to=2024-05-20&amp;group_by=channel&amp;metric=resolution"'
        in html
    )
    # The default is the last 28 days, today included: that preset is the current one
    assert 'data-days="28" class="active"' in html
    assert 'name="from" value="2024-04-23"' in html
    assert 'name="to" value="2024-05-20"' in html
    assert 'value="channel" checked' in html
    assert '<option value="resolution" selected>' in html
    assert 'href="/sla/attainment.csv?group_by=channel&amp;metric=resolution"' in html


def test_nothing_decided_says_so(manager):
    html = html_of(signed_in(manager), PAGE, MAY)

    assert "No target was met or breached in this period." in html
    assert "<svg" not in html


def test_a_refused_query_names_the_field_and_keeps_what_was_typed(manager):
    html = html_of(signed_in(manager), PAGE, {"from": "2024-05-10", "to": "2024-05-01"}, status=422)

    assert (
        '<li class="error" data-field="to"><strong>to</strong>: Give an end after the start.</li>'
        in html
    )
    assert 'name="from" value="2024-05-10"' in html
    assert 'id="sla-rows"' not in html


def test_the_csv_has_the_rows_of_the_same_query(clocks, manager):
    response = signed_in(manager).get(CSV, {**MAY, "group_by": "policy"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="sla-attainment-2024-05-06-2024-06-02.csv"' in response["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table[0] == [
        "metric",
        "policy",
        "met",
        "breached",
        "total",
        "attainment_percent",
        "goal_percent",
        "goal_min_percent",
        "goal_max_percent",
        "goal_met",
        "p50_seconds",
        "p90_seconds",
        "p95_seconds",
        "tz",
    ]
    assert table[1][:6] == ["first_response", "Email, portal and API", "9", "1", "10", "90.0"]
    assert table[1][-1] == "UTC"
    assert table[1][9] == "true"
    # A name a spreadsheet would run as a formula is written as text
    assert table[2][:5] == ["resolution", "'=Urgent", "0", "1", "1"]
    assert table[2][9] == "false"


def test_a_refused_csv_query_answers_422_with_the_reasons(manager):
    response = signed_in(manager).get(CSV, {"group_by": "colour"})

    assert response.status_code == 422
    assert response.content.decode().startswith("group_by: Unknown: colour.")


def test_customers_are_sent_to_the_portal(alice):
    client = signed_in(alice)

    for url in (PAGE, CSV):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("portal:home")


def test_signing_in_is_needed(db):
    response = Client().get(PAGE)

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_chart_keeps_svg_numbers_in_russian(clocks):
    from conftest import make_person
    from tierdesk.accounts.choices import Role

    boss = make_person("boss", role=Role.MANAGER, language="ru")

    html = html_of(signed_in(boss), PAGE, MAY)

    # Coordinates stay SVG numbers while the labels follow the language
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    shapes = re.sub(r"<(text|title|desc)\b.*?</\1>", "", svg, flags=re.S)
    assert 'y1="31.0" y2="31.0"' in shapes
    assert not re.search(r'="[^"]*\d,\d', shapes)
    assert "90,0%" in html


def test_the_page_reads_a_bounded_number_of_queries(clocks, manager, django_assert_max_num_queries):
    client = signed_in(manager)

    # Session and person, the table's rows, each target's totals and its bars, the choices of
    # group, policy and time zone (the calendars'): the same however many clocks, groups or
    # days.
    with django_assert_max_num_queries(16):
        html_of(client, PAGE, {**MAY, "group_by": ["group", "day"]})


# --- time zones --------------------------------------------------------------------------------


@pytest.fixture
def tokyo_manager(db):
    return make_person("kenta", role=Role.MANAGER, time_zone="Asia/Tokyo")


def test_a_tokyo_manager_sees_days_split_at_tokyo_midnight(alice, tokyo_manager):
    # Given first responses met at 14:30 UTC on 6 May (23:30 in Tokyo) and at 23:30 UTC on
    # 6 May (08:30 on 7 May in Tokyo), and one breached at 15:00 UTC on 7 May (midnight)
    ticket = make_ticket(alice)
    make_clock(ticket, decided_at=datetime(2024, 5, 6, 14, 30, tzinfo=UTC))
    make_clock(ticket, decided_at=datetime(2024, 5, 6, 23, 30, tzinfo=UTC))
    make_clock(ticket, decided_at=datetime(2024, 5, 7, 15, 0, tzinfo=UTC), outcome=Outcome.BREACHED)

    # When the Tokyo manager reads 6 to 8 May per day
    html = html_of(
        signed_in(tokyo_manager),
        PAGE,
        {"from": "2024-05-06", "to": "2024-05-08", "group_by": "day"},
    )

    # Then each clock is on its Tokyo day: 6 May met, 7 May met, 8 May breached
    assert '<g class="bar goal-met" data-period="2024-05-06">' in html
    assert '<g class="bar goal-met" data-period="2024-05-07">' in html
    assert '<g class="bar goal-missed" data-period="2024-05-08">' in html
    assert '<tr data-metric="first_response" data-period="2024-05-07">' in html
    # And the page says which zone, and offers to change it
    assert "From May 6, 2024 to May 8, 2024, included, in Asia/Tokyo." in html
    assert "in the time zone chosen below, your own unless you choose another" in html
    assert 'name="tz" value="Asia/Tokyo"' in html
    assert '<option value="Europe/Moscow"></option>' in html


def test_the_periods_follow_the_zone_asked_for(alice, manager):
    ticket = make_ticket(alice)
    make_clock(ticket, decided_at=datetime(2024, 5, 6, 23, 30, tzinfo=UTC))

    # The manager's own zone is UTC; tz=Asia/Tokyo moves the clock to 7 May
    client = signed_in(manager)
    query = {"from": "2024-05-06", "to": "2024-05-08", "group_by": "day"}
    assert '<tr data-metric="first_response" data-period="2024-05-06">' in html_of(
        client, PAGE, query
    )
    html = html_of(client, PAGE, {**query, "tz": "Asia/Tokyo"})
    assert '<tr data-metric="first_response" data-period="2024-05-07">' in html
    assert "included, in Asia/Tokyo." in html

    # And the CSV says which zone its periods are in
    response = client.get(CSV, {**query, "tz": "Asia/Tokyo"})
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table[0][:2] == ["metric", "period"]
    assert table[0][-1] == "tz"
    assert (table[1][1], table[1][-1]) == ("2024-05-07", "Asia/Tokyo")


def test_the_period_links_end_today_in_the_readers_zone(tokyo_manager):
    # 20:00 UTC on 20 May is 21 May in Tokyo
    with time_machine.travel(datetime(2024, 5, 20, 20, tzinfo=UTC), tick=False):
        html = html_of(signed_in(tokyo_manager), PAGE)
        moscow = html_of(signed_in(tokyo_manager), PAGE, {"tz": "Europe/Moscow"})

    assert 'href="?from=2024-05-15&amp;to=2024-05-21"' in html
    assert 'data-days="28" class="active"' in html
    assert 'name="from" value="2024-04-24"' in html
    assert 'name="to" value="2024-05-21"' in html
    # 23:00 in Moscow: still 20 May there, and the links keep the zone
    assert 'href="?from=2024-05-14&amp;to=2024-05-20&amp;tz=Europe%2FMoscow"' in moscow
    assert 'name="to" value="2024-05-20"' in moscow


def test_an_unknown_zone_is_refused_naming_tz(manager):
    client = signed_in(manager)

    html = html_of(client, PAGE, {"tz": "Mars/Olympus"}, status=422)
    assert '<li class="error" data-field="tz"><strong>tz</strong>: Give a time zone' in html
    assert 'name="tz" value="Mars/Olympus"' in html

    response = client.get(CSV, {"tz": "Mars/Olympus"})
    assert response.status_code == 422
    assert response.content.decode().startswith("tz: Give a time zone by its IANA name")
