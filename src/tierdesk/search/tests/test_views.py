"""The console's and the portal's search pages."""

from __future__ import annotations

import pytest

from conftest import PASSWORD
from tierdesk.tickets.services import ticket_add_note, ticket_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(alice, oscar, agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        own = ticket_open(actor=alice, subject="Exports stall", body="CSV export hangs <b>now</b>")
        ticket_add_note(actor=agent, ticket=own, body="CSV customer on trial")
        other = ticket_open(actor=oscar, subject="Exports stall", body="CSV export at Globex")
    return {"own": own, "other": other}


def signed_in(client, person):
    assert client.login(username=person.username, password=PASSWORD)
    return client


def test_the_console_page_shows_hits_with_highlights(indexed, agent, client):
    response = signed_in(client, agent).get("/search/", {"q": "csv export"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-total="2"' in page
    assert "<mark>CSV</mark> <mark>export</mark> hangs &lt;b&gt;now&lt;/b&gt;" in page
    assert f'href="/tickets/{indexed["own"].number}/"' in page


def test_the_console_page_answers_htmx_with_the_results_alone(indexed, agent, client):
    response = signed_in(client, agent).get(
        "/search/", {"q": "csv"}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert page.startswith('<div id="search-results"') and "<html" not in page


def test_the_console_page_without_a_query_is_the_form(agent, client):
    response = signed_in(client, agent).get("/search/")
    assert response.status_code == 200 and b'name="q"' in response.content


def test_the_console_page_names_refused_filters(agent, client):
    response = signed_in(client, agent).get("/search/", {"q": "csv", "from": "soon"})
    assert b'data-field="from"' in response.content


def test_the_portal_page_shows_the_customers_organization_only(indexed, alice, client):
    response = signed_in(client, alice).get("/portal/search/", {"q": "csv"})
    page = response.content.decode()
    assert response.status_code == 200 and 'data-total="1"' in page
    assert f'href="/portal/tickets/{indexed["own"].number}/"' in page
    assert "trial" not in page


def test_customers_are_sent_from_the_console_page(alice, client):
    response = signed_in(client, alice).get("/search/", {"q": "csv"})
    assert response.status_code == 302
