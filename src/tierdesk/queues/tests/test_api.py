"""The queues API: my queues with counts, a queue's tickets, claim and release."""

from __future__ import annotations

from urllib.parse import quote

from tierdesk.accounts.choices import Tier
from tierdesk.core.tests.api_support import API, client_for
from tierdesk.escalations.models import Escalation
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_claim


def test_my_queues_list_my_groups_with_counts_portfolio_and_escalations(
    engineer, group, other_group, open_at, reactivate
):
    open_at("2026-03-01 08:00Z", group)
    reactivate(open_at("2026-03-01 09:00Z", group), "2026-03-01 10:00Z", "2026-03-01 11:00Z")
    ticket_claim(actor=engineer, ticket=open_at("2026-03-01 12:00Z", group))
    open_at("2026-03-01 13:00Z", other_group)

    response = client_for(engineer).get(f"{API}/queues")

    assert response.status_code == 200
    body = response.json()
    [queue] = body["groups"]
    assert (queue["id"], queue["name"], queue["tier"]) == (group.pk, group.name, 1)
    assert (queue["new"], queue["reactivated"], queue["answered"], queue["total"]) == (1, 1, 0, 2)
    assert queue["tickets_url"].endswith(f"{API}/queues/{group.pk}/tickets")
    assert (body["portfolio"], body["escalated"]) == (1, 0)
    assert body["portfolio_url"].endswith(f"{API}/queues/portfolio/tickets")


def test_a_group_queue_lists_its_tickets_in_order_saying_why_each_waits(
    engineer, group, open_at, reactivate
):
    reactivated = reactivate(
        open_at("2026-03-01 08:00Z", group), "2026-03-01 09:00Z", "2026-03-01 10:00Z"
    )
    new = open_at("2026-03-01 12:00Z", group)
    client = client_for(engineer)

    by_id = client.get(f"{API}/queues/{group.pk}/tickets").json()
    by_name = client.get(f"{API}/queues/{quote(group.name)}/tickets").json()

    rows = [(t["number"], t["queue_state"]) for t in by_id["items"]]
    assert rows == [(new.number, "new"), (reactivated.number, "reactivated")]
    assert by_name == by_id
    assert by_id["items"][1]["reactivated_at"] is not None
    assert by_id["items"][0]["escalation"] is None


def test_a_group_name_with_a_slash_names_its_queue(outsider, other_group, open_at):
    ticket = open_at("2026-03-01 08:00Z", other_group)
    assert "/" in other_group.name

    response = client_for(outsider).get(f"{API}/queues/{other_group.name}/tickets")

    assert response.status_code == 200
    assert [t["number"] for t in response.json()["items"]] == [ticket.number]


def test_queue_pages_carry_a_cursor(engineer, group, open_at):
    first, second = open_at("2026-03-01 08:00Z", group), open_at("2026-03-01 09:00Z", group)
    client = client_for(engineer)

    page = client.get(f"{API}/queues/groups/tickets", {"limit": 1}).json()
    following = client.get(
        f"{API}/queues/groups/tickets", {"limit": 1, "cursor": page["next_cursor"]}
    ).json()
    refused = client.get(f"{API}/queues/groups/tickets", {"cursor": "garbage"})

    assert [t["number"] for t in page["items"] + following["items"]] == [
        first.number,
        second.number,
    ]
    assert following["next_cursor"] is None
    assert refused.status_code == 422


def test_unknown_queues_and_other_groups_queues_are_404(engineer, other_group):
    client = client_for(engineer)

    assert client.get(f"{API}/queues/{other_group.pk}/tickets").status_code == 404
    assert client.get(f"{API}/queues/nothing/tickets").status_code == 404


def test_portfolio_and_escalated_queues(engineer, backline, group, open_at):
    mine = open_at("2026-03-01 08:00Z", group)
    ticket_claim(actor=engineer, ticket=mine)
    escalation = Escalation.objects.create(
        ticket=mine,
        from_tier=Tier.FRONT_LINE,
        to_tier=Tier.BACK_LINE,
        requested_by=engineer,
        summary="Planner regression",
        created_at=mine.created_at,
    )

    portfolio = client_for(engineer).get(f"{API}/queues/portfolio/tickets").json()
    escalated = client_for(backline).get(f"{API}/queues/escalated/tickets").json()

    assert [t["number"] for t in portfolio["items"]] == [mine.number]
    [row] = escalated["items"]
    assert row["number"] == mine.number
    assert row["escalation"]["id"] == escalation.pk
    assert (row["escalation"]["from_tier"], row["escalation"]["summary"]) == (
        1,
        "Planner regression",
    )
    assert row["escalation"]["requested_by"]["username"] == "emma"


def test_claim_gives_the_ticket_to_me(engineer, group, open_at):
    ticket = open_at("2026-03-01 08:00Z", group)

    response = client_for(engineer).post(f"{API}/tickets/{ticket.number}/claim")

    assert response.status_code == 200
    assert response.json()["assignee"]["username"] == "emma"
    assert Ticket.objects.get(pk=ticket.pk).assignee == engineer


def test_claiming_a_ticket_someone_else_holds_is_409_naming_the_holder(
    engineer, teammate, group, open_at
):
    ticket = open_at("2026-03-01 08:00Z", group)
    ticket_claim(actor=teammate, ticket=ticket)

    response = client_for(engineer).post(f"{API}/tickets/{ticket.number}/claim")

    assert response.status_code == 409
    assert "Tom" in response.json()["detail"]
    assert Ticket.objects.get(pk=ticket.pk).assignee == teammate


def test_release_puts_my_ticket_back_in_the_queue(engineer, group, open_at):
    ticket = open_at("2026-03-01 08:00Z", group)
    ticket_claim(actor=engineer, ticket=ticket)

    response = client_for(engineer).post(f"{API}/tickets/{ticket.number}/release")

    assert response.status_code == 200
    assert response.json()["assignee"] is None
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_releasing_someone_elses_ticket_is_403_but_a_manager_may(
    engineer, teammate, manager, group, open_at
):
    ticket = open_at("2026-03-01 08:00Z", group)
    ticket_claim(actor=teammate, ticket=ticket)

    refused = client_for(engineer).post(f"{API}/tickets/{ticket.number}/release")
    released = client_for(manager).post(f"{API}/tickets/{ticket.number}/release")

    assert refused.status_code == 403
    assert released.status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_releasing_a_ticket_nobody_holds_is_409(engineer, group, open_at):
    ticket = open_at("2026-03-01 08:00Z", group)

    response = client_for(engineer).post(f"{API}/tickets/{ticket.number}/release")

    assert response.status_code == 409


def test_restricted_tickets_cannot_be_claimed_by_those_not_named(
    engineer, teammate, group, open_at
):
    ticket = open_at("2026-03-01 08:00Z", group)
    from tierdesk.tickets.services import ticket_update

    ticket_update(actor=teammate, ticket=ticket, changes={"restricted": True, "assignee": None})

    response = client_for(engineer).post(f"{API}/tickets/{ticket.number}/claim")

    assert response.status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_customers_are_refused_every_queue_endpoint(alice, group, open_at):
    ticket = open_at("2026-03-01 08:00Z", group)
    client = client_for(alice)

    answers = [
        client.get(f"{API}/queues"),
        client.get(f"{API}/queues/{group.pk}/tickets"),
        client.get(f"{API}/queues/portfolio/tickets"),
        client.post(f"{API}/tickets/{ticket.number}/claim"),
        client.post(f"{API}/tickets/{ticket.number}/release"),
    ]

    assert [a.status_code for a in answers] == [403] * 5
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_queue_listing_takes_a_fixed_number_of_queries(
    engineer, group, open_at, django_assert_max_num_queries
):
    for hour in range(8, 18):
        open_at(f"2026-03-01 {hour:02}:00Z", group)
    client = client_for(engineer)
    client.get(f"{API}/queues/{group.pk}/tickets")  # warm the token's first use

    with django_assert_max_num_queries(4):
        response = client.get(f"{API}/queues/{group.pk}/tickets")

    assert len(response.json()["items"]) == 10
