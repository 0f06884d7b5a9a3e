"""GET /api/v1/search: the results contract and refusals that name their field."""

from __future__ import annotations

import pytest

from tierdesk.core.tests.api_support import API, client_for, fields
from tierdesk.knowledge.services import article_create
from tierdesk.tickets.services import ticket_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(alice, oscar, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = article_create(
            actor=manager,
            title="Query timeouts",
            problem="Dashboards fail with ERR_QUERY_TIMEOUT",
            resolution="Raise the timeout",
            visibility="public",
            state="validated",
            product_area="query_engine",
        )
        own = ticket_open(actor=alice, subject="Timeouts", body="ERR_QUERY_TIMEOUT on reports")
        other = ticket_open(actor=oscar, subject="Timeouts", body="ERR_QUERY_TIMEOUT at Globex")
    return {"article": article, "own": own, "other": other}


def test_search_answers_ranked_results_with_snippets(indexed, agent):
    response = client_for(agent).get(f"{API}/search", {"q": "ERR_QUERY_TIMEOUT"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"query", "total", "total_is_lower_bound", "took_ms", "results"}
    assert body["query"] == "ERR_QUERY_TIMEOUT" and body["total"] == 3
    result = next(r for r in body["results"] if r["type"] == "article")
    assert set(result) == {
        "type", "id", "title", "snippet", "url", "score", "language", "status",
        "product_area", "updated_at",
    }  # fmt: skip
    assert result["id"] == indexed["article"].pk
    assert "<mark>ERR_QUERY_TIMEOUT</mark>" in result["snippet"]
    assert result["url"] == f"/knowledge/articles/{indexed['article'].pk}/"
    assert result["status"] == "validated" and result["product_area"] == "query_engine"


def test_a_customer_gets_their_organization_only(indexed, alice):
    body = client_for(alice).get(f"{API}/search", {"q": "ERR_QUERY_TIMEOUT"}).json()
    assert {(r["type"], r["id"]) for r in body["results"]} == {
        ("article", indexed["article"].pk),
        ("ticket", indexed["own"].number),
    }
    assert body["total"] == 2


def test_type_and_paging(indexed, agent):
    api = client_for(agent)
    body = api.get(f"{API}/search", {"q": "timeout", "type": "ticket", "limit": 1}).json()
    assert body["total"] == 2 and len(body["results"]) == 1
    assert body["results"][0]["type"] == "ticket"
    second = api.get(f"{API}/search", {"q": "timeout", "type": "ticket", "limit": 1, "offset": 1})
    assert second.json()["results"][0]["id"] != body["results"][0]["id"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "x", "type": "macro"}, "type"),
        ({"q": "x", "lang": "fr"}, "lang"),
        ({"q": "x", "state": "lost"}, "state"),
        ({"q": "x", "product_area": "toasters"}, "product_area"),
        ({"q": "x", "from": "yesterday"}, "from"),
        ({"q": "x", "to": "2024-13-01"}, "to"),
        ({"q": "x", "from": "2024-05-02", "to": "2024-05-01"}, "to"),
        ({"q": "x", "limit": "0"}, "limit"),
        ({"q": "x", "limit": "101"}, "limit"),
        ({"q": "x", "limit": "many"}, "limit"),
        ({"q": "x", "offset": "-1"}, "offset"),
    ],
)
def test_refusals_name_the_field(agent, params, field):
    response = client_for(agent).get(f"{API}/search", params)
    assert response.status_code == 422
    assert fields(response) == {field}


def test_search_needs_a_token(db, client):
    assert client.get(f"{API}/search", {"q": "x"}).status_code == 401
