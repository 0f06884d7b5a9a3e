"""The dashboard, the definitions page with its targets, and the CSV of a KPI."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.utils.html import escape

from conftest import PASSWORD
from tierdesk.measures.definitions import KPIS
from tierdesk.measures.models import KpiTarget
from tierdesk.sla.choices import Metric, Outcome
from tierdesk.sla.tests.test_attainment import make_clock, make_ticket

pytestmark = pytest.mark.django_db

WEEK = {"from": "2026-03-02", "to": "2026-03-08", "tz": "UTC"}


def card_of(html: str, metric: str) -> str:
    return re.search(
        rf'<section class="card kpi-card" data-metric="{metric}">.*?</section>', html, re.S
    ).group(0)


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def escalated_week(history):
    # Two handled tickets in the week, one escalated to engineering: 50 %.
    first = history.ticket("02-20")
    history.escalate(first, "03-03", 3)
    second = history.ticket("02-20")
    history.reply(second, "03-04")


def test_the_dashboard_shows_team_numbers_against_targets_with_weekly_numbers(
    escalated_week, manager
):
    KpiTarget.objects.create(metric="escalation_rate_engineering", comparison="at_most", value=5)

    response = signed_in(manager).get("/measures/", WEEK)

    assert response.status_code == 200
    card = card_of(response.content.decode(), "escalation_rate_engineering")
    assert 'data-value="50.0"' in card
    assert 'data-met="false"' in card
    assert "<svg" in card
    assert (
        '<tr data-week="2026-03-02"><td>2026-03-02</td><td>50.0%</td><td>1</td><td>2</td>' in card
    )
    assert "metric=escalation_rate_engineering&amp;group_by=week" in card


def test_the_presets_are_4_12_and_26_weeks_to_today(manager):
    with time_machine.travel(datetime(2026, 3, 11, 12, tzinfo=UTC), tick=False):
        html = signed_in(manager).get("/measures/", {"tz": "UTC"}).content.decode()

    # Wednesday 11 March: the current week starts on Monday the 9th.
    assert "from=2026-02-16&amp;to=2026-03-11" in html
    assert "from=2025-12-22&amp;to=2026-03-11" in html
    assert "from=2025-09-15&amp;to=2026-03-11" in html
    # The default period is the last 12 weeks.
    assert 'value="2025-12-22"' in html


def test_a_refused_filter_is_named(manager):
    response = signed_in(manager).get("/measures/", {**WEEK, "region": "atlantis"})

    assert response.status_code == 422
    assert 'data-field="region"' in response.content.decode()


def test_customers_do_not_see_measures(alice):
    response = signed_in(alice).get("/measures/")

    assert response.status_code != 200


def test_the_csv_has_the_rows_of_the_api(escalated_week, agent):
    response = signed_in(agent).get(
        "/measures/kpis.csv", {"metric": "escalation_rate_engineering", "group_by": "week", **WEEK}
    )

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:7] == ["key", "label", "series", "value", "numerator", "denominator", "met"]
    assert rows[1][:6] == ["2026-03-02", "2026-03-02", "", "50.0", "1", "2"]


def test_the_csv_refuses_an_unknown_metric_by_name(agent):
    response = signed_in(agent).get("/measures/kpis.csv", {"metric": "luck"})

    assert response.status_code == 422
    assert response.content.decode().startswith("metric: ")


def test_the_definitions_page_lists_every_formula(agent):
    html = signed_in(agent).get("/measures/definitions/").content.decode()

    for name, kpi in KPIS.items():
        assert f'data-metric="{name}"' in html
        assert escape(str(kpi.formula)) in html
    assert "kpi-target-form" not in html  # agents read, managers set


def test_a_manager_sets_a_target_on_the_page(manager, group):
    client = signed_in(manager)

    response = client.post(
        "/measures/definitions/",
        {"metric": "reopen_rate", "comparison": "at_most", "value": "8", "group": group.pk},
    )
    refused = client.post(
        "/measures/definitions/", {"metric": "reopen_rate", "comparison": "x", "value": "8"}
    )

    assert response.status_code == 302
    target = KpiTarget.objects.get()
    assert (target.metric, target.group_id, float(target.value)) == ("reopen_rate", group.pk, 8.0)
    assert refused.status_code == 422
    assert 'data-field="comparison"' in refused.content.decode()
    client.post(f"/measures/targets/{target.pk}/remove/")
    assert not KpiTarget.objects.exists()


def test_an_agent_cannot_set_a_target(agent):
    response = signed_in(agent).post(
        "/measures/definitions/", {"metric": "mttr", "comparison": "at_most", "value": "1"}
    )

    assert response.status_code == 403
    assert not KpiTarget.objects.exists()


def test_the_dashboard_splits_the_kpis_per_group_and_tier(history, manager, group):
    KpiTarget.objects.create(metric="volume", comparison="at_least", value=2, group=group)
    history.ticket("03-03", group=group, tier=2)
    history.ticket("03-04", tier=1)

    html = signed_in(manager).get("/measures/", WEEK).content.decode()

    per_group = re.search(r'id="kpi-per-group".*?</section>', html, re.S).group(0)
    per_tier = re.search(r'id="kpi-per-tier".*?</section>', html, re.S).group(0)
    # Volume is the last column: 1 ticket in the group, below its target of at least 2.
    row = re.search(rf'<tr data-key="{group.pk}">.*?</tr>', per_group, re.S).group(0)
    assert "Query engine" in row
    assert re.search(r"<td>1 <span class=\"kpi-missed\"", row)
    assert "Tier 2 (back line)" in per_tier
    assert "Tier 1 (front line)" in per_tier


def test_the_heatmap_counts_arrivals_per_hour_of_the_week_in_the_zone(history, manager):
    history.ticket("03-02 00:30")  # Monday 09:30 in Tokyo
    history.ticket("03-02 00:45")

    html = signed_in(manager).get("/measures/", {**WEEK, "tz": "Asia/Tokyo"}).content.decode()

    heatmap = re.search(r'id="kpi-heatmap".*?</section>', html, re.S).group(0)
    monday = re.search(r"<tr><th scope=\"row\">Mon</th>(.*?)</tr>", heatmap, re.S).group(1)
    counts = re.findall(r'data-count="(\d+)"', monday)
    assert counts[9] == "2"
    assert counts.count("0") == 23
    assert "rgba(74, 122, 184, 1.0)" in monday


def test_the_dashboard_shows_survey_scores_when_the_surveys_app_answers(monkeypatch, manager):
    pytest.importorskip("tierdesk.surveys.selectors")

    def survey_scores(kind, start, end, tz, group_by, filters):
        if group_by == "week":
            return [{"key": "2026-03-02", "value": -20.0, "numerator": -1, "denominator": 5}]
        return [{"key": None, "value": -20.0, "numerator": -1, "denominator": 5}]

    monkeypatch.setattr("tierdesk.surveys.selectors.survey_scores", survey_scores)

    html = signed_in(manager).get("/measures/", WEEK).content.decode()

    nps = re.search(r'data-metric="nps">.*?</section>', html, re.S).group(0)
    assert 'data-value="-20.0"' in nps
    assert "<td>-20.0</td>" in nps
    # A negative score is a dot below the zero line, on a scale that reaches 0.
    zero = float(re.search(r'<line class="grid zero" [^>]*y1="([\d.]+)"', nps).group(1))
    dot = float(re.search(r'<circle class="dot" [^>]*cy="([\d.]+)"', nps).group(1))
    assert dot > zero
    assert '<polyline class="trend"' in nps
    assert "<title>Week of 2026-03-02: -20.0</title>" in nps


def test_a_weekly_trend_is_a_line_with_a_dot_per_week_and_the_dashed_target(
    escalated_week, manager
):
    KpiTarget.objects.create(metric="escalation_rate_engineering", comparison="at_most", value=5)

    html = signed_in(manager).get("/measures/", WEEK).content.decode()

    card = card_of(html, "escalation_rate_engineering")
    # One week at 50 %: a one-point line, its dot with the week and value as a tooltip.
    assert '<polyline class="trend" points="' in card
    assert re.search(
        r'<g class="week" data-week="2026-03-02">\s*<title>Week of 2026-03-02: 50.0%</title>\s*<circle class="dot"',
        card,
    )
    # The target is a dashed line, labelled in the KPI's unit, inside the scale.
    assert re.search(r'<line class="target-line" [^>]*stroke-dasharray="6 4"', card)
    assert '<text class="target-label"' in card
    assert "target ≤ 5%" in card
    assert "The dashed line is the target ≤ 5%." in card
    # Without a target there is no target line.
    assert "target-line" not in card_of(html, "reopen_rate")


def test_a_duration_target_is_labelled_in_hours(manager):
    KpiTarget.objects.create(metric="mttr", comparison="at_most", value=7200)

    html = signed_in(manager).get("/measures/", WEEK).content.decode()

    card = card_of(html, "mttr")
    assert "target ≤ 2 h" in card
    assert ">2 h</text>" in card  # a tick of the y axis


def test_the_backlog_by_age_is_charted_above_its_table(history, manager):
    # Unsolved at the end of Sunday 8 March: 2 tickets 2 days old, 1 over 30 days old.
    history.ticket("03-06 12:00")
    history.ticket("03-06 06:00")
    history.ticket("01-10")

    html = signed_in(manager).get("/measures/", WEEK).content.decode()

    ages = re.search(r'id="kpi-backlog-ages".*?</section>', html, re.S).group(0)
    assert ages.index('id="kpi-ages-chart"') < ages.index("<table")
    bars = re.findall(r'<g class="age-bar" data-age="([^"]+)">\s*<title>([^<]*)</title>', ages)
    assert bars == [
        ("&lt;1d", "&lt;1d: 0 tickets"),
        ("1-3d", "1-3d: 2 tickets"),
        ("3-7d", "3-7d: 0 tickets"),
        ("7-30d", "7-30d: 0 tickets"),
        ("&gt;30d", "&gt;30d: 1 ticket"),
    ]
    # Empty buckets have no bar.
    assert ages.count("<rect") == 2


def test_sla_attainment_is_a_bar_per_target_against_its_goal(alice, manager):
    # First responses: 3 met, 1 breached (75 % against a 90 % goal); resolution: 1 met of 1.
    ticket = make_ticket(alice)
    for day in (3, 4, 5):
        make_clock(ticket, decided_at=datetime(2026, 3, day, 12, tzinfo=UTC))
    make_clock(ticket, decided_at=datetime(2026, 3, 6, 12, tzinfo=UTC), outcome=Outcome.BREACHED)
    make_clock(
        ticket, decided_at=datetime(2026, 3, 6, 12, tzinfo=UTC), metric=Metric.RESOLUTION, goal=80
    )

    html = signed_in(manager).get("/measures/", WEEK).content.decode()

    sla = re.search(r'id="kpi-sla".*?</section>', html, re.S).group(0)
    assert sla.index('id="kpi-sla-chart"') < sla.index("<table")
    first = re.search(
        r'<g class="sla-bar sla-missed" data-series="first_response".*?</g>', sla, re.S
    )
    resolution = re.search(r'<g class="sla-bar sla-met" data-series="resolution".*?</g>', sla, re.S)
    assert first and resolution
    # Missed and met are said in words, not by colour only.
    assert "<title>First response: 75.0% met, goal 90%: missed</title>" in first.group(0)
    assert "75.0% · missed (goal 90%)" in first.group(0)
    assert "100.0% · met (goal 80%)" in resolution.group(0)
    # The bar runs from 0 to 75 % of the track, the goal mark at 90 %.
    track = float(re.search(r'class="track" [^>]*width="([\d.]+)"', first.group(0)).group(1))
    bar = float(re.search(r'class="attained" [^>]*width="([\d.]+)"', first.group(0)).group(1))
    assert bar == pytest.approx(track * 0.75, abs=0.1)
    assert 'class="goal-mark"' in first.group(0)


def test_without_sla_clocks_there_is_no_attainment_chart(manager):
    html = signed_in(manager).get("/measures/", WEEK).content.decode()

    assert 'id="kpi-sla-chart"' not in html
    assert "No target was met or breached in this period." in html


def test_the_dashboard_reads_the_desks_rollup_zone_unless_another_is_asked_for(manager, settings):
    settings.TIERDESK_KPI_ROLLUP_ZONES = ["Europe/Berlin"]
    manager.time_zone = "Asia/Tokyo"
    manager.save(update_fields=["time_zone"])
    client = signed_in(manager)

    default = client.get("/measures/")
    asked = client.get("/measures/", {"tz": "Asia/Tokyo"})

    assert b'value="Europe/Berlin"' in default.content
    assert b'value="Asia/Tokyo"' in asked.content


def test_the_dashboard_says_where_its_figures_were_counted(escalated_week, manager):
    from tierdesk.measures.rollups import rollups_rebuild

    client = signed_in(manager)
    counted_from = re.compile(r'id="kpi-counted-from" data-sources="([a-z,]*)"')

    before = client.get("/measures/", WEEK).content.decode()
    with time_machine.travel(datetime(2026, 3, 20, 12, tzinfo=UTC), tick=False):
        rollups_rebuild()
        after = client.get("/measures/", WEEK).content.decode()

    assert counted_from.search(before).group(1) == "raw"  # no rollups built yet
    assert "take longer on a large desk" in before
    assert counted_from.search(after).group(1) == "rollups"
    assert "Counted from the daily rollups" in after
