"""Ranking the same on both backends: the newest matches up to the candidates, then by relevance
(title words above body words); a total that stops at the candidates and says when more matched;
date filters on a ticket's own last change. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from tierdesk.core.tests.api_support import API, client_for
from tierdesk.search import backend
from tierdesk.search.selectors import search
from tierdesk.tickets.services import ticket_open, ticket_update

pytestmark = pytest.mark.django_db


def numbers(page) -> list[int]:
    return [hit.id for hit in page.hits]


@pytest.fixture
def five(alice, committed) -> list[int]:
    """Five tickets about exports, oldest first; the oldest says it in its title and body."""
    with committed():
        opened = [
            ticket_open(actor=alice, subject="Exports stall", body="The export hangs on export")
        ]
        opened += [
            ticket_open(actor=alice, subject=f"Question {i}", body=f"Also an export, {i}")
            for i in range(4)
        ]
    return [t.number for t in opened]


def test_both_backends_rank_title_words_above_body_words(alice, agent, committed):
    with committed():
        body = ticket_open(actor=alice, subject="Dashboards slow", body="Since the export ran")
        title = ticket_open(actor=alice, subject="Export failed", body="Nothing happens at all")
        ticket_open(actor=alice, subject="Login", body="Password reset")
    page = search(agent, "export")
    assert numbers(page) == [title.number, body.number]
    assert (page.total, page.total_is_lower_bound) == (2, False)


def test_only_the_newest_candidates_are_ranked_and_counted(five, agent, monkeypatch):
    monkeypatch.setattr(backend, "CANDIDATES", 3)
    page = search(agent, "export")
    # The oldest would rank first, but it is not among the newest three matches
    assert sorted(numbers(page)) == sorted(five[-3:])
    assert (page.total, page.total_is_lower_bound) == (3, True)


def test_a_total_within_the_candidates_is_exact(five, agent, monkeypatch):
    monkeypatch.setattr(backend, "CANDIDATES", 5)
    page = search(agent, "export")
    assert numbers(page)[0] == five[0]
    assert (page.total, page.total_is_lower_bound) == (5, False)


def test_the_page_says_more_matched_and_stops_paging_at_the_candidates(
    five, agent, client, monkeypatch
):
    from conftest import PASSWORD as password

    monkeypatch.setattr(backend, "CANDIDATES", 3)
    monkeypatch.setattr("tierdesk.search.views.PAGE_SIZE", 2)
    assert client.login(username=agent.username, password=password)
    page = client.get("/search/", {"q": "export"}).content.decode()
    assert 'data-total="3+"' in page
    assert "Most relevant of the newest 3 matches; add words to narrow." in page
    assert "offset=2" in page  # the second page holds the third candidate
    last = client.get("/search/", {"q": "export", "offset": 2}, headers={"HX-Request": "true"})
    assert "offset=0" in last.content.decode()  # Previous
    assert "offset=4" not in last.content.decode()  # no Next past the candidates


def test_the_api_refuses_an_offset_past_the_candidates(five, agent, monkeypatch):
    monkeypatch.setattr(backend, "CANDIDATES", 3)
    api = client_for(agent)
    body = api.get(f"{API}/search", {"q": "export"}).json()
    assert (body["total"], body["total_is_lower_bound"]) == (3, True)
    response = api.get(f"{API}/search", {"q": "export", "offset": 3})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "offset" and "narrow" in error["reason"]


def test_date_filters_read_a_tickets_last_change_of_any_kind(alice, agent, committed):
    with time_machine.travel("2024-03-01 12:00Z", tick=False), committed():
        ticket = ticket_open(actor=alice, subject="Dashboards slow", body="Slow")
    # A change that does not touch what the index holds of the ticket
    with time_machine.travel("2024-05-01 12:00Z", tick=False), committed():
        ticket_update(actor=agent, ticket=ticket, changes={"priority": "urgent"})
    assert numbers(search(agent, "dashboards", since=date(2024, 4, 1))) == [ticket.number]
    assert numbers(search(agent, "dashboards", until=date(2024, 3, 31))) == []


def test_an_articles_only_search_stops_paging_where_offsets_stop(agent, client, monkeypatch):
    from conftest import PASSWORD as password
    from tierdesk.search import views

    monkeypatch.setattr(backend, "CANDIDATES", 3)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    page = type("Page", (), {"total": 6, "hits": [], "total_is_lower_bound": False})()
    monkeypatch.setattr(views, "search", lambda *args, **kwargs: page, raising=False)
    assert client.login(username=agent.username, password=password)
    html = client.get("/search/", {"q": "export", "type": "article", "offset": 2}).content.decode()
    assert "offset=4" not in html  # an offset the filters refuse is never offered
