"""GET /api/v1/kpis and /kpis/definitions, and the targets managers set: staff only, errors
naming the field, the same figures as the computation."""

from __future__ import annotations

import importlib.util

import pytest

from tierdesk.accounts.models import SkillGroup
from tierdesk.core.tests.api_support import API, client_for, fields
from tierdesk.measures.definitions import KPIS
from tierdesk.measures.models import KpiTarget

pytestmark = pytest.mark.django_db

URL = f"{API}/kpis"
WEEK = {"from": "2026-03-02", "to": "2026-03-08"}


def reasons(response) -> dict[str, list[str]]:
    named: dict[str, list[str]] = {}
    for error in response.json()["errors"]:
        named.setdefault(error["field"], []).append(error["reason"])
    return named


@pytest.fixture
def escalated_week(history):
    # Two handled tickets in the week, one of them escalated to engineering: 50 %.
    first = history.ticket("02-20")
    history.escalate(first, "03-03", 3)
    second = history.ticket("02-20")
    history.reply(second, "03-04")


def test_staff_read_a_kpi_with_its_formula_and_whether_the_target_is_met(escalated_week, manager):
    KpiTarget.objects.create(metric="escalation_rate_engineering", comparison="at_most", value=5)

    response = client_for(manager).get(URL, {"metric": "escalation_rate_engineering", **WEEK})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["unit"] == "percent"
    assert body["formula"] == str(KPIS["escalation_rate_engineering"].formula)
    assert body["target"]["comparison"] == "at_most"
    assert body["target"]["value"] == 5.0
    assert body["from"] == "2026-03-02T00:00:00Z"
    assert body["to"] == "2026-03-09T00:00:00Z"
    [row] = body["rows"]
    assert (row["value"], row["numerator"], row["denominator"], row["met"]) == (50.0, 1, 2, False)


def test_weeks_are_rows_keyed_by_their_monday(escalated_week, agent):
    response = client_for(agent).get(
        URL,
        {
            "metric": "escalation_rate_engineering",
            "from": "2026-02-23",
            "to": "2026-03-08",
            "group_by": "week",
        },
    )

    assert response.status_code == 200, response.content
    rows = response.json()["rows"]
    assert [(r["key"], r["value"]) for r in rows] == [("2026-02-23", None), ("2026-03-02", 50.0)]


def test_a_group_target_answers_for_its_group_rows(history, manager):
    team = SkillGroup.objects.create(name="Query engine")
    ticket = history.ticket("03-03", group=team)
    history.reply(ticket, "03-04")
    KpiTarget.objects.create(metric="volume", comparison="at_least", value=1, group=team)

    response = client_for(manager).get(URL, {"metric": "volume", "group_by": "group", **WEEK})

    [row] = response.json()["rows"]
    assert (row["key"], row["label"], row["value"], row["met"]) == (
        team.pk,
        "Query engine",
        1,
        True,
    )


def test_customers_are_refused(alice):
    response = client_for(alice).get(URL, {"metric": "volume"})

    assert response.status_code == 403


def test_an_unknown_metric_lists_the_valid_names(agent):
    response = client_for(agent).get(URL, {"metric": "happiness", "tz": "Mars/Olympus"})

    assert response.status_code == 422
    named = reasons(response)
    assert "weekly_resolution_rate" in named["metric"][0]
    assert "sla_attainment" in named["metric"][0]
    assert "tz" in named


def test_a_key_the_metric_cannot_be_split_by_is_refused(agent):
    response = client_for(agent).get(URL, {"metric": "mttr", "group_by": "hour_of_week"})

    assert response.status_code == 422
    assert "group_by" in fields(response)


def test_surveys_answer_only_from_recorded_responses(agent):
    response = client_for(agent).get(URL, {"metric": "csat", **WEEK})

    if importlib.util.find_spec("tierdesk.surveys.selectors") is None:
        assert response.status_code == 422
        assert reasons(response)["metric"] == ["No survey responses are recorded yet."]
    else:
        # The surveys app answers: with no response recorded, no score.
        assert response.status_code == 200, response.content
        assert [row["value"] for row in response.json()["rows"]] == [None]


def test_sla_attainment_reads_the_sla_report(agent):
    response = client_for(agent).get(URL, {"metric": "sla_attainment", **WEEK})

    assert response.status_code == 200, response.content
    assert response.json()["rows"] == []


def test_definitions_list_every_kpi_with_formula_and_targets(manager):
    KpiTarget.objects.create(metric="reopen_rate", comparison="at_most", value=8)

    response = client_for(manager).get(f"{URL}/definitions")

    assert response.status_code == 200
    body = {row["metric"]: row for row in response.json()}
    assert list(body) == list(KPIS)
    assert body["reopen_rate"]["targets"][0]["value"] == 8.0
    assert body["backlog"]["formula"] == str(KPIS["backlog"].formula)


def test_managers_set_and_remove_targets_agents_may_not(manager, agent):
    payload = {"metric": "mttr", "comparison": "at_most", "value": "86400"}

    refused = client_for(agent).put(f"{URL}/targets", payload, content_type="application/json")
    created = client_for(manager).put(f"{URL}/targets", payload, content_type="application/json")
    changed = client_for(manager).put(
        f"{URL}/targets", {**payload, "value": 3600}, content_type="application/json"
    )

    assert refused.status_code == 403
    assert created.status_code == 200, created.content
    assert changed.json()["id"] == created.json()["id"]
    assert KpiTarget.objects.get().value == 3600
    removed = client_for(manager).delete(f"{URL}/targets/{created.json()['id']}")
    assert removed.status_code == 204
    assert not KpiTarget.objects.exists()


def test_a_target_names_its_refused_fields(manager):
    response = client_for(manager).put(
        f"{URL}/targets",
        {"metric": "speed", "comparison": "about", "value": "lots"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert set(fields(response)) == {"metric", "comparison", "value"}


def test_the_operations_are_documented(client):
    paths = client.get(f"{API}/openapi.json").json()["paths"]

    assert {"get"} <= set(paths[f"{API}/kpis"])
    assert "metric" in {p["name"] for p in paths[f"{API}/kpis"]["get"]["parameters"]}
    assert f"{API}/kpis/definitions" in paths
    assert {"put"} <= set(paths[f"{API}/kpis/targets"])


def test_survey_scores_come_from_the_surveys_app_with_the_target(monkeypatch, manager):
    pytest.importorskip("tierdesk.surveys.selectors")
    asked = {}

    def survey_scores(kind, start, end, tz, group_by, filters):
        asked.update(kind=kind, group_by=group_by, tz=str(tz), filters=filters)
        return [{"key": None, "value": 75.0, "numerator": 3, "denominator": 4, "responses": 4}]

    monkeypatch.setattr("tierdesk.surveys.selectors.survey_scores", survey_scores)
    KpiTarget.objects.create(metric="csat", comparison="at_least", value=80)

    response = client_for(manager).get(
        URL, {"metric": "csat", "channel": "email", "tz": "Asia/Tokyo", **WEEK}
    )

    assert response.status_code == 200, response.content
    [row] = response.json()["rows"]
    assert (row["value"], row["numerator"], row["denominator"], row["met"]) == (75.0, 3, 4, False)
    assert row["details"] == {"responses": 4}
    assert asked == {
        "kind": "csat",
        "group_by": None,
        "tz": "Asia/Tokyo",
        "filters": {"group": None, "channel": "email", "region": None},
    }
