"""The engineer's own view: their work and KPIs beside the team's, nobody else's; managers may
open an engineer's view, engineers only their own."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from conftest import PASSWORD
from tierdesk.measures.kpis import Scope
from tierdesk.measures.selectors import engineer_figures, kpi_query

pytestmark = pytest.mark.django_db

WEEK = {"from": "2026-03-02", "to": "2026-03-08", "tz": "UTC"}


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def shared_week(history, agent, backline):
    # The agent answers and solves a and b (b in one reply); backline solves c after the
    # agent's first reply, and escalates nothing. The agent escalates a to tier 2.
    a = history.ticket("03-02 08:00")
    history.reply(a, "03-02 10:00", actor=agent)
    history.reply(a, "03-03 10:00", actor=agent)
    history.escalate(a, "03-03 11:00", 2)
    history.status(a, "03-04 10:00", "open", "solved", actor=agent)
    b = history.ticket("03-02 09:00")
    history.reply(b, "03-02 09:30", actor=agent)
    history.status(b, "03-02 09:31", "open", "solved", actor=agent)
    c = history.ticket("03-02 12:00")
    history.reply(c, "03-02 13:00", actor=agent)
    history.reply(c, "03-05 13:00", actor=backline)
    history.status(c, "03-05 13:01", "open", "solved", actor=backline)
    for ticket, first in ((a, "03-02 10:00"), (b, "03-02 09:30"), (c, "03-02 13:00")):
        from tierdesk.measures.tests.conftest import at

        ticket.first_responded_at = at(first)
        ticket.save(update_fields=["first_responded_at"])


def test_the_figures_count_only_the_engineers_own_work(shared_week, agent, backline):
    query = kpi_query(metric="volume", start="2026-03-02", end="2026-03-08", tz="UTC")

    mine = engineer_figures(query, agent)
    theirs = engineer_figures(query, backline)

    # Solved: the agent a and b, backline c; first responses: all three by the agent.
    assert mine["counts"]["solved"] == (2, 3)
    assert theirs["counts"]["solved"] == (1, 3)
    assert mine["counts"]["first_responses"] == (3, 3)
    rows = {row["metric"]: row for row in mine["rows"]}
    # One-touch: b had one reply before its solve, a had two -> 1 of 2 = 50 %.
    assert rows["one_touch_rate"]["mine"].value == 50.0
    # Escalation: the agent escalated a; handled by the agent: a, b, c -> 1 / 3.
    assert rows["escalation_rate"]["mine"].value == pytest.approx(33.33)
    # First response: the agent's 2 h, 30 min, 1 h -> median 1 h.
    assert rows["first_response_time"]["mine"].value == 3600.0
    assert isinstance(query.scope, Scope)


def test_an_engineer_sees_their_numbers_beside_the_teams(shared_week, agent):
    response = signed_in(agent).get("/measures/me/", WEEK)

    assert response.status_code == 200
    html = response.content.decode()
    solved = re.search(r'<tr data-count="solved">.*?</tr>', html, re.S).group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', solved) == ["2", "3"]
    assert 'data-metric="first_response_time"' in html
    assert 'id="own-engineer"' not in html  # no choice of engineer: only their own
    # Their solves per week as a chart: one dot for the week, at their 2 tickets.
    chart = re.search(r'<svg class="kpi-chart-svg kpi-line-chart".*?</svg>', html, re.S).group(0)
    assert 'id="kpi-chart-own-solved-title"' in chart
    assert re.findall(r"Week of 2026-03-02: (\d+)", chart) == ["2"]
    assert chart.count('<circle class="dot"') == 1


def test_only_managers_open_another_engineers_view(shared_week, agent, backline, manager):
    refused = signed_in(agent).get("/measures/me/", {**WEEK, "engineer": backline.pk})
    opened = signed_in(manager).get("/measures/me/", {**WEEK, "engineer": backline.pk})
    missing = signed_in(manager).get("/measures/me/", {**WEEK, "engineer": 999999})

    assert refused.status_code == 403
    assert opened.status_code == 200
    solved = re.search(r'<tr data-count="solved">.*?</tr>', opened.content.decode(), re.S)
    assert re.findall(r'<td class="num">(\d+)</td>', solved.group(0)) == ["1", "3"]
    assert missing.status_code == 404


def test_a_refused_period_is_named(agent):
    response = signed_in(agent).get("/measures/me/", {"from": "2026-13-01"})

    assert response.status_code == 422
    assert b'data-field="from"' in response.content


def test_customers_have_no_engineer_view(alice):
    assert signed_in(alice).get("/measures/me/").status_code != 200
