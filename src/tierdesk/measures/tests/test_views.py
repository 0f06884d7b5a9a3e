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

pytestmark = pytest.mark.django_db

WEEK = {"from": "2026-03-02", "to": "2026-03-08", "tz": "UTC"}


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
    html = response.content.decode()
    card = re.search(
        r'<section class="card kpi-card" data-metric="escalation_rate_engineering">.*?</section>',
        html,
        re.S,
    ).group(0)
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
    # A negative score has no bar, its number is in the table.
    assert "<rect" not in nps
    assert "<td>-20.0</td>" in nps
