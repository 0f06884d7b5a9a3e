"""The queues API: my queues with counts, a queue's tickets, claim and release."""

from __future__ import annotations

from urllib.parse import quote

from tierdesk.accounts.choices import Tier
from tierdesk.core.tests.api_support import API, client_for
from tierdesk.escalations.models import Escalation
from tierdesk.escalations.services import ticket_flag_escalation
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
    assert body["ungrouped"]["total"] == 0


def test_tickets_in_no_group_have_their_queue_in_the_api(engineer, manager, group, open_at):
    # Given a ticket no rule routed and one in the engineer's group
    unrouted = open_at("2026-03-01 08:00Z", None)
    grouped = open_at("2026-03-01 09:00Z", group)
    client = client_for(engineer)

    index = client.get(f"{API}/queues").json()
    listed = client.get(f"{API}/queues/ungrouped/tickets").json()
    together = client.get(f"{API}/queues/groups/tickets").json()

    ungrouped = index["ungrouped"]
    assert (ungrouped["new"], ungrouped["reactivated"], ungrouped["answered"]) == (1, 0, 0)
    assert ungrouped["total"] == 1
    assert ungrouped["tickets_url"].endswith(f"{API}/queues/ungrouped/tickets")
    assert [q["id"] for q in index["groups"]] == [group.pk]
    assert [t["number"] for t in listed["items"]] == [unrouted.number]
    assert listed["items"][0]["group"] is None
    assert [t["number"] for t in together["items"]] == [unrouted.number, grouped.number]
    managers = client_for(manager).get(f"{API}/queues/ungrouped/tickets").json()
    assert [t["number"] for t in managers["items"]] == [unrouted.number]


def test_staff_without_a_tier_get_no_queue_of_tickets_in_no_group(reviewer, open_at):
    open_at("2026-03-01 08:00Z", None)
    client = client_for(reviewer)

    assert client.get(f"{API}/queues").json()["ungrouped"] is None
    assert client.get(f"{API}/queues/ungrouped/tickets").status_code == 404


def test_a_group_named_ungrouped_is_reached_by_its_id(manager, open_at):
    from tierdesk.accounts.models import SkillGroup

    named = SkillGroup.objects.create(name="ungrouped")
    in_group = open_at("2026-03-01 08:00Z", named)
    in_none = open_at("2026-03-01 09:00Z", None)
    client = client_for(manager)

    by_id = client.get(f"{API}/queues/{named.pk}/tickets").json()
    by_name = client.get(f"{API}/queues/ungrouped/tickets").json()

    assert [t["number"] for t in by_id["items"]] == [in_group.number]
    assert [t["number"] for t in by_name["items"]] == [in_none.number]


def test_queue_rows_carry_the_escalation_flag_and_manager(engineer, manager, group, open_at):
    flagged = open_at("2026-03-01 08:00Z", group)
    ticket_flag_escalation(
        actor=manager, ticket=flagged, flag="incident", escalation_manager=manager
    )
    plain = open_at("2026-03-01 09:00Z", group)

    body = client_for(engineer).get(f"{API}/queues/{group.pk}/tickets").json()

    rows = {t["number"]: t for t in body["items"]}
    assert rows[flagged.number]["escalation_flag"] == "incident"
    assert rows[flagged.number]["escalation_manager"]["name"] == "Manager"
    assert rows[flagged.number]["escalation_manager"]["username"] == "manager"
    assert (rows[plain.number]["escalation_flag"], rows[plain.number]["escalation_manager"]) == (
        "",
        None,
    )


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


def test_claiming_from_a_group_i_am_not_in_is_403_naming_the_group(
    outsider, manager, group, open_at
):
    ticket = open_at("2026-03-01 08:00Z", group)

    refused = client_for(outsider).post(f"{API}/tickets/{ticket.number}/claim")

    assert refused.status_code == 403
    assert "Query engine" in refused.json()["detail"]
    assert Ticket.objects.get(pk=ticket.pk).assignee is None
    claimed = client_for(manager).post(f"{API}/tickets/{ticket.number}/claim")
    assert claimed.status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).assignee == manager


def test_a_ticket_in_no_group_is_anyones_to_claim(outsider, open_at):
    ticket = open_at("2026-03-01 08:00Z", None)

    response = client_for(outsider).post(f"{API}/tickets/{ticket.number}/claim")

    assert response.status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).assignee == outsider


def test_a_ticket_i_hold_in_a_group_i_am_not_in_is_claimed_again_without_change(
    outsider, group, open_at
):
    ticket = open_at("2026-03-01 08:00Z", group)
    ticket_claim(actor=outsider, ticket=ticket)  # given to them past the queue

    response = client_for(outsider).post(f"{API}/tickets/{ticket.number}/claim")

    assert response.status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).assignee == outsider


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


def test_queue_listing_of_flagged_tickets_in_no_group_takes_a_fixed_number_of_queries(
    engineer, manager, open_at, django_assert_max_num_queries
):
    # Given ten tickets in no group, each a complaint with its escalation manager
    for hour in range(8, 18):
        ticket = open_at(f"2026-03-01 {hour:02}:00Z", None)
        ticket_flag_escalation(
            actor=manager, ticket=ticket, flag="complaint", escalation_manager=manager
        )
    client = client_for(engineer)
    client.get(f"{API}/queues")  # warm the token's first use

    with django_assert_max_num_queries(2):
        listed = client.get(f"{API}/queues/ungrouped/tickets")
    with django_assert_max_num_queries(4):
        index = client.get(f"{API}/queues")

    assert [t["escalation_manager"]["name"] for t in listed.json()["items"]] == ["Manager"] * 10
    assert index.json()["ungrouped"]["total"] == 10
