"""The console's ticket list: who may see it, its filters, htmx partials, paging and query count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import make_person
from tierdesk.tickets.services import ticket_claim, ticket_open, ticket_update


@pytest.fixture
def three_tickets(alice, oscar, agent):
    first = ticket_open(actor=alice, subject="Dashboard export fails", body="CSV export is empty")
    second = ticket_open(
        actor=oscar, subject="Login loop after SSO change", body="We keep bouncing", priority="high"
    )
    third = ticket_open(actor=alice, subject="Invoice question", body="Why two invoices?")
    ticket_claim(actor=agent, ticket=second)
    ticket_update(actor=agent, ticket=third, changes={"status": "solved"})
    return first, second, third


def numbers_in(response) -> list[int]:
    return [t.number for t in response.context["page"].tickets]


def test_customer_asking_for_the_console_is_sent_to_the_portal(client, alice):
    client.force_login(alice)
    response = client.get(reverse("tickets:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_anonymous_visitor_is_sent_to_sign_in(client, db):
    response = client.get(reverse("tickets:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_agent_sees_every_organizations_tickets_newest_first(client, agent, three_tickets):
    first, second, third = three_tickets
    client.force_login(agent)
    response = client.get(reverse("tickets:list"))
    assert response.status_code == 200
    assert numbers_in(response) == [third.number, second.number, first.number]
    assert b"Login loop after SSO change" in response.content


def test_my_tickets_view_shows_only_unsolved_tickets_assigned_to_me(client, agent, three_tickets):
    _first, second, _third = three_tickets
    client.force_login(agent)
    response = client.get(reverse("tickets:list"), {"assignee": "me", "status": "unsolved"})
    assert numbers_in(response) == [second.number]
    assert response.context["quick_view"] == "mine"


def test_unassigned_view_leaves_out_claimed_and_solved_tickets(client, agent, three_tickets):
    first, _second, _third = three_tickets
    client.force_login(agent)
    response = client.get(reverse("tickets:list"), {"assignee": "none", "status": "unsolved"})
    assert numbers_in(response) == [first.number]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"priority": "high"}, [1]),
        ({"status": "solved"}, [2]),
        ({"q": "invoice"}, [2]),
        ({"channel": "email"}, []),
        ({"tier": "1"}, [2, 1, 0]),
    ],
)
def test_each_filter_narrows_the_list(client, agent, three_tickets, params, expected):
    client.force_login(agent)
    response = client.get(reverse("tickets:list"), params)
    assert numbers_in(response) == [three_tickets[i].number for i in expected]


def test_search_by_number_finds_the_ticket(client, agent, three_tickets):
    first = three_tickets[0]
    client.force_login(agent)
    response = client.get(reverse("tickets:list"), {"q": f"#{first.number}"})
    assert first.number in numbers_in(response)


def test_organization_and_person_filters(client, agent, three_tickets, acme):
    first, second, third = three_tickets
    client.force_login(agent)
    by_org = client.get(reverse("tickets:list"), {"organization": acme.pk})
    assert numbers_in(by_org) == [third.number, first.number]
    by_person = client.get(reverse("tickets:list"), {"assignee": agent.pk})
    assert numbers_in(by_person) == [second.number]


def test_invalid_filter_is_reported_and_the_rest_still_apply(client, agent, three_tickets):
    client.force_login(agent)
    response = client.get(reverse("tickets:list"), {"status": "bogus", "priority": "high"})
    assert response.status_code == 200
    assert numbers_in(response) == [three_tickets[1].number]
    assert b"Those filters were left out." in response.content


def test_htmx_request_gets_the_table_alone(client, agent, three_tickets):
    client.force_login(agent)
    response = client.get(
        reverse("tickets:list"), {"priority": "high"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="ticket-table">')
    assert "<html" not in body
    assert "Login loop after SSO change" in body
    assert "HX-Request" in response["Vary"]


def test_full_page_carries_the_filter_form_and_the_table(client, agent, three_tickets):
    client.force_login(agent)
    body = client.get(reverse("tickets:list")).content.decode()
    assert "<html" in body
    assert 'hx-get="/tickets/"' in body
    assert 'id="ticket-table"' in body


def test_older_link_pages_with_the_cursor_and_keeps_filters(client, agent, alice):
    tickets = [ticket_open(actor=alice, subject=f"Question {i}", body="Hello") for i in range(55)]
    client.force_login(agent)
    first_page = client.get(reverse("tickets:list"), {"status": "new"})
    assert len(first_page.context["page"].tickets) == 50
    cursor = first_page.context["page"].next_cursor
    assert cursor and f"cursor={cursor}".encode() in first_page.content
    second_page = client.get(reverse("tickets:list"), {"status": "new", "cursor": cursor})
    assert numbers_in(second_page) == [t.number for t in reversed(tickets[:5])]
    assert second_page.context["page"].next_cursor is None


def test_a_forged_cursor_shows_the_first_page_instead_of_failing(client, agent, three_tickets):
    client.force_login(agent)
    response = client.get(reverse("tickets:list"), {"cursor": "not-a-cursor"})
    assert response.status_code == 200
    assert len(numbers_in(response)) == 3


def test_list_query_count_does_not_grow_with_the_rows(
    client, agent, alice, group, django_assert_max_num_queries
):
    # Given 60 tickets with assignees, groups and organizations (everything a row shows)
    for i in range(60):
        ticket = ticket_open(
            actor=agent, requester=alice, subject=f"Row {i}", body="Hello", group=group
        )
        ticket_claim(actor=agent, ticket=ticket)
    make_person("agent2", role="agent", tier=2)
    client.force_login(agent)
    # When the list renders a full page, then a constant handful of queries serve it (one of
    # them the navigation's work counts)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("tickets:list"))
    assert len(response.context["page"].tickets) == 50


def test_list_never_counts_the_whole_table(client, agent, three_tickets):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(agent)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("tickets:list"))
    # The navigation's work counts are counts of one person's work, answered from indexes; the
    # list itself must not count the table.
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert [sql for sql in counts if '"portfolio"' not in sql] == []
