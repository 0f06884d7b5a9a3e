"""The work pages: portfolio, my groups' queue (claiming from it), escalated to me, the nav
counts, and the release button on the ticket page."""

from __future__ import annotations

import re

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from tierdesk.accounts.choices import Tier
from tierdesk.escalations.models import Escalation
from tierdesk.escalations.services import ticket_flag_escalation
from tierdesk.queues.context_processors import work_counts
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_claim


def nav_count(html: str, name: str) -> int:
    found = re.search(rf'data-count="{name}">(\d+)<', html)
    assert found, f"no {name} count in the nav"
    return int(found.group(1))


def test_queue_page_shows_each_group_with_counts_and_nav_counts(
    client, engineer, group, open_at, reactivate
):
    new = open_at("2026-03-01 09:00Z", group, subject="Export stops at 10k rows")
    reactivate(open_at("2026-03-01 08:00Z", group), "2026-03-01 10:00Z", "2026-03-01 11:00Z")
    ticket_claim(actor=engineer, ticket=open_at("2026-03-01 12:00Z", group))
    client.force_login(engineer)

    response = client.get(reverse("queues:queue"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Export stops at 10k rows" in html
    assert f'data-queue-total="{group.pk}">2<' in html
    assert "1 new · 1 answered by the customer" in html
    assert (nav_count(html, "queue"), nav_count(html, "portfolio")) == (2, 1)
    assert nav_count(html, "escalated") == 0
    assert reverse("queues:claim", args=[new.number]) in html


def test_queue_page_of_one_group_and_of_a_group_not_mine(
    client, engineer, group, other_group, open_at
):
    ours = open_at("2026-03-01 08:00Z", group, subject="Ours")
    client.force_login(engineer)

    mine = client.get(reverse("queues:queue"), {"group": group.pk})
    not_mine = client.get(reverse("queues:queue"), {"group": other_group.pk})

    assert mine.status_code == 200
    assert f'data-number="{ours.number}"' in mine.content.decode()
    assert not_mine.status_code == 404


def test_the_queue_of_tickets_in_no_group_has_its_tab_and_counts_in_the_nav(
    client, engineer, group, open_at
):
    # Given a ticket no rule routed and one in the engineer's group
    unrouted = open_at("2026-03-01 08:00Z", None, subject="Nobody routed me")
    open_at("2026-03-01 09:00Z", group, subject="Routed")
    client.force_login(engineer)

    everything = client.get(reverse("queues:queue")).content.decode()
    response = client.get(reverse("queues:queue"), {"group": "ungrouped"})

    html = response.content.decode()
    assert 'data-queue="ungrouped"' in everything
    assert 'data-queue-total="ungrouped">1<' in everything
    assert 'data-queue-total="all">2<' in everything
    assert nav_count(everything, "queue") == 2
    assert response.status_code == 200
    assert "Nobody routed me" in html
    assert "Routed<" not in html
    assert re.search(r'aria-current="page"\s+data-queue="ungrouped"', html)
    assert "no routing rule sent them to one" in html
    assert '<input type="hidden" name="group" value="ungrouped">' in html
    assert reverse("queues:claim", args=[unrouted.number]) in html


def test_claiming_from_the_queue_of_tickets_in_no_group_opens_the_ticket(client, engineer, open_at):
    ticket = open_at("2026-03-01 08:00Z", None)
    client.force_login(engineer)

    response = client.post(reverse("queues:claim", args=[ticket.number]), {"group": "ungrouped"})

    assert response["Location"] == reverse("tickets:detail", args=[ticket.number])
    assert Ticket.objects.get(pk=ticket.pk).assignee == engineer


def test_staff_without_a_tier_have_no_tab_for_tickets_in_no_group(client, reviewer, open_at):
    open_at("2026-03-01 08:00Z", None)
    client.force_login(reviewer)

    page = client.get(reverse("queues:queue"))
    refused = client.get(reverse("queues:queue"), {"group": "ungrouped"})

    assert 'data-queue="ungrouped"' not in page.content.decode()
    assert nav_count(page.content.decode(), "queue") == 0
    assert refused.status_code == 404


def test_claiming_from_a_group_i_am_not_in_stays_on_the_queue_naming_the_group(
    client, outsider, group, open_at
):
    ticket = open_at("2026-03-01 08:00Z", group)
    client.force_login(outsider)

    response = client.post(reverse("queues:claim", args=[ticket.number]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("queues:queue")
    assert (
        "Only members of Query engine, managers and administrators claim from its queue."
        in response.content.decode()
    )
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_rows_show_a_complaint_or_incident_and_its_escalation_manager(
    client, engineer, backline, manager, agent, group, open_at
):
    # Given a complaint with an escalation manager in the queue, an incident without one that the
    # engineer holds, and the incident escalated to tier 2
    complaint = open_at("2026-03-01 08:00Z", group, subject="Billed twice")
    ticket_flag_escalation(
        actor=manager, ticket=complaint, flag="complaint", escalation_manager=manager
    )
    incident = open_at("2026-03-01 09:00Z", group, subject="Dashboards down")
    ticket_flag_escalation(actor=agent, ticket=incident, flag="incident", escalation_manager=None)
    ticket_claim(actor=engineer, ticket=incident)
    Escalation.objects.create(
        ticket=incident,
        from_tier=Tier.FRONT_LINE,
        to_tier=Tier.BACK_LINE,
        requested_by=engineer,
        summary="All regions",
        created_at=incident.created_at,
    )

    client.force_login(engineer)
    queue = client.get(reverse("queues:queue")).content.decode()
    portfolio = client.get(reverse("queues:portfolio")).content.decode()
    client.force_login(backline)
    escalated = client.get(reverse("queues:escalated")).content.decode()

    assert 'data-flag="complaint">Complaint<' in queue
    assert "Escalation manager: Manager" in queue
    for html in (portfolio, escalated):
        assert 'data-flag="incident">Incident<' in html
        assert "No escalation manager yet." in html


def test_the_portfolio_links_a_managers_complaints_and_incidents(client, engineer, manager):
    owned = reverse("escalations:owned")

    client.force_login(manager)
    managers = client.get(reverse("queues:portfolio")).content.decode()
    client.force_login(engineer)
    engineers = client.get(reverse("queues:portfolio")).content.decode()

    assert f'under <a href="{owned}">My complaints and incidents</a>' in managers
    assert "under <a" not in engineers


def test_claiming_from_the_queue_opens_the_ticket(client, engineer, group, open_at):
    ticket = open_at("2026-03-01 08:00Z", group)
    client.force_login(engineer)

    response = client.post(reverse("queues:claim", args=[ticket.number]), {"group": group.pk})

    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[ticket.number])
    assert Ticket.objects.get(pk=ticket.pk).assignee == engineer


def test_a_refused_claim_stays_on_the_queue_with_the_reason(
    client, engineer, teammate, group, open_at
):
    ticket = open_at("2026-03-01 08:00Z", group)
    ticket_claim(actor=teammate, ticket=ticket)
    client.force_login(engineer)

    response = client.post(
        reverse("queues:claim", args=[ticket.number]), {"group": group.pk}, follow=True
    )

    assert response.redirect_chain[-1][0] == f"{reverse('queues:queue')}?group={group.pk}"
    assert "Tom already holds this ticket." in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).assignee == teammate


def test_portfolio_page_lists_my_tickets(client, engineer, teammate, group, open_at):
    mine = open_at("2026-03-01 08:00Z", group, subject="Mine to answer")
    theirs = open_at("2026-03-01 08:00Z", group, subject="Someone else's")
    ticket_claim(actor=engineer, ticket=mine)
    ticket_claim(actor=teammate, ticket=theirs)
    client.force_login(engineer)

    response = client.get(reverse("queues:portfolio"))

    html = response.content.decode()
    assert "Mine to answer" in html
    assert "Someone else's" not in html
    assert nav_count(html, "portfolio") == 1


def test_escalated_page_shows_ticket_tier_summary_and_link(client, backline, agent, group, open_at):
    ticket = open_at("2026-03-01 08:00Z", group, subject="Planner picks a full scan")
    Escalation.objects.create(
        ticket=ticket,
        from_tier=Tier.FRONT_LINE,
        to_tier=Tier.BACK_LINE,
        requested_by=agent,
        summary="Reproducible on 4.2 with any join over 1M rows",
        created_at=ticket.created_at,
    )
    client.force_login(backline)

    response = client.get(reverse("queues:escalated"))

    html = response.content.decode()
    assert "Planner picks a full scan" in html
    assert "Reproducible on 4.2 with any join over 1M rows" in html
    assert "1 → 2" in html
    assert reverse("tickets:detail", args=[ticket.number]) in html
    assert nav_count(html, "escalated") == 1


def test_customers_are_sent_to_the_portal(client, alice):
    client.force_login(alice)

    for name in ("queues:portfolio", "queues:queue", "queues:escalated"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/portal/")


def test_release_button_is_offered_to_the_holder_and_managers_only(
    client, engineer, teammate, manager, group, open_at
):
    ticket = open_at("2026-03-01 08:00Z", group)
    ticket_claim(actor=engineer, ticket=ticket)
    release_url = reverse("queues:release", args=[ticket.number])
    page = reverse("tickets:detail", args=[ticket.number])

    offered = {}
    for person in (engineer, teammate, manager):
        client.force_login(person)
        offered[person.username] = release_url in client.get(page).content.decode()

    assert offered == {"emma": True, "tom": False, "manager": True}


def test_releasing_from_the_ticket_page_puts_it_back_in_the_queue(client, engineer, group, open_at):
    ticket = open_at("2026-03-01 08:00Z", group)
    ticket_claim(actor=engineer, ticket=ticket)
    client.force_login(engineer)

    response = client.post(reverse("queues:release", args=[ticket.number]), follow=True)

    assert "The ticket is back in its group" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_a_refused_release_says_why(client, engineer, teammate, group, open_at):
    ticket = open_at("2026-03-01 08:00Z", group)
    ticket_claim(actor=teammate, ticket=ticket)
    client.force_login(engineer)

    response = client.post(reverse("queues:release", args=[ticket.number]), follow=True)

    assert "Only the holder or a manager can release this ticket." in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).assignee == teammate


def test_nav_counts_cost_one_query_for_staff_and_none_for_customers(
    engineer, alice, django_assert_num_queries
):
    def context_for(person):
        request = RequestFactory().get("/")
        request.user = person
        return work_counts(request)["work_counts"]

    with django_assert_num_queries(0):
        customer_counts = context_for(alice)
        assert not customer_counts
    with django_assert_num_queries(1):
        staff_counts = context_for(engineer)
        assert (staff_counts.queue, staff_counts.portfolio, staff_counts.escalated) == (0, 0, 0)


def test_nav_counts_run_no_query_for_anonymous_visitors(db, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    with django_assert_num_queries(0):
        assert not work_counts(request)["work_counts"]


def test_queue_page_query_count_does_not_grow_with_the_rows(
    client, engineer, group, open_at, django_assert_max_num_queries
):
    for hour in range(8, 20):
        ticket = open_at(f"2026-03-01 {hour:02}:00Z", group)
    from tierdesk.tickets.services import ticket_update

    ticket_update(actor=engineer, ticket=ticket, changes={"restricted": True})
    client.force_login(engineer)

    with django_assert_max_num_queries(7):
        response = client.get(reverse("queues:queue"))

    assert response.content.decode().count("<tr data-ticket-url") == 12


def test_queue_page_of_flagged_tickets_in_no_group_takes_a_fixed_number_of_queries(
    client, engineer, manager, open_at, django_assert_max_num_queries
):
    for hour in range(8, 20):
        ticket = open_at(f"2026-03-01 {hour:02}:00Z", None)
        ticket_flag_escalation(
            actor=manager, ticket=ticket, flag="incident", escalation_manager=manager
        )
    client.force_login(engineer)

    with django_assert_max_num_queries(6):
        response = client.get(reverse("queues:queue"), {"group": "ungrouped"})

    html = response.content.decode()
    assert html.count("<tr data-ticket-url") == 12
    assert html.count("Escalation manager: Manager") == 12


def test_portfolio_and_escalated_pages_of_flagged_tickets_take_a_fixed_number_of_queries(
    client, engineer, backline, manager, group, open_at, django_assert_max_num_queries
):
    # Given twelve complaints the engineer holds, each with its escalation manager, escalated
    for hour in range(8, 20):
        ticket = open_at(f"2026-03-01 {hour:02}:00Z", group)
        ticket_flag_escalation(
            actor=manager, ticket=ticket, flag="complaint", escalation_manager=manager
        )
        ticket_claim(actor=engineer, ticket=ticket)
        Escalation.objects.create(
            ticket=ticket,
            from_tier=Tier.FRONT_LINE,
            to_tier=Tier.BACK_LINE,
            requested_by=engineer,
            summary="Billing",
            created_at=ticket.created_at,
        )

    client.force_login(engineer)
    with django_assert_max_num_queries(4):
        portfolio = client.get(reverse("queues:portfolio")).content.decode()
    client.force_login(backline)
    with django_assert_max_num_queries(4):
        escalated = client.get(reverse("queues:escalated")).content.decode()

    for html in (portfolio, escalated):
        assert html.count("Escalation manager: Manager") == 12
