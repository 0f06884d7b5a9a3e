"""The escalation pages: the escalate form and its errors (and its refusal for people who may not
escalate the ticket), the ticket card's buttons for the right people, accept / return / resolve /
withdraw from the card, the flag, the report and owned pages."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from conftest import PASSWORD, make_person
from tierdesk.accounts.choices import Role, Tier
from tierdesk.escalations.models import Escalation, EscalationStatus
from tierdesk.escalations.services import ticket_flag_escalation
from tierdesk.escalations.tests.conftest import PACKAGE
from tierdesk.tickets.services import ticket_update


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_escalate_form_names_the_fields_the_next_tier_needs(ticket, agent):
    html = page(signed_in(agent), f"/tickets/{ticket.number}/escalate/")

    assert "Escalate to Tier 2 (back line)" in html
    assert "Summary (required)" in html
    assert "Customer impact (required)" in html
    assert "Steps to reproduce (required)" not in html
    assert "needs:\n        <strong>Summary</strong>, <strong>Customer impact</strong>" in html


def test_tier_3_marks_reproduction_and_environment_required(ticket, backline):
    ticket.tier = Tier.BACK_LINE
    ticket.save(update_fields=["tier"])

    html = page(signed_in(backline), f"/tickets/{ticket.number}/escalate/")

    assert "Steps to reproduce (required)" in html
    assert "Environment (required)" in html


def test_posting_an_empty_package_shows_each_error_next_to_its_field(ticket, agent):
    response = signed_in(agent).post(
        f"/tickets/{ticket.number}/escalate/", {"summary": "", "links": "not a link"}
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"summary", "customer_impact", "tried", "links"}
    assert Escalation.objects.count() == 0
    assert "has-error" in response.content.decode()


def test_posting_the_package_escalates_and_goes_back_to_the_ticket(ticket, agent):
    response = signed_in(agent).post(
        f"/tickets/{ticket.number}/escalate/",
        {**PACKAGE, "links": "https://status.example/1\n\nhttps://logs.example/2"},
    )

    assert response.status_code == 302
    escalation = Escalation.objects.get()
    assert escalation.to_tier == Tier.BACK_LINE
    assert escalation.links == ["https://status.example/1", "https://logs.example/2"]


def test_the_card_offers_accept_to_the_next_tier_and_not_to_the_requester(
    ticket, agent, backline, escalate
):
    escalate(agent, ticket)
    url = f"/tickets/{ticket.number}/"

    for_backline = page(signed_in(backline), url)
    for_requester = page(signed_in(agent), url)

    assert 'data-action="accept"' in for_backline
    assert PACKAGE["customer_impact"] in for_backline
    assert 'data-action="accept"' not in for_requester
    assert 'data-action="escalate"' not in for_requester


def test_the_card_offers_return_and_resolve_to_the_holder_only(accepted, backline, other_backline):
    url = f"/tickets/{accepted.ticket_id}/"

    holder = page(signed_in(backline), url)
    colleague = page(signed_in(other_backline), url)

    assert 'data-action="return"' in holder and 'data-action="resolve"' in holder
    assert 'data-action="return"' not in colleague


def test_the_card_offers_escalate_and_shows_earlier_escalations(accepted, backline, agent):
    from tierdesk.escalations.services import escalation_return

    escalation_return(actor=backline, escalation=accepted, reason="Send the query plan")

    html = page(signed_in(agent), f"/tickets/{accepted.ticket_id}/")

    assert 'data-action="escalate"' in html
    assert "1 earlier escalation" in html
    assert "Send the query plan" in html
    # The timeline tells the story in words.
    assert "escalated to <strong>Tier 2 (back line)</strong>" in html
    assert "returned the escalation to Tier 2 (back line)" in html


def test_a_colleague_of_the_holder_is_offered_no_escalate_link_and_the_page_refuses(
    ticket, agent, manager
):
    mia = make_person("mia", role=Role.AGENT, tier=Tier.FRONT_LINE)
    ticket_update(actor=mia, ticket=ticket, changes={"assignee": mia})
    escalate_url = f"/tickets/{ticket.number}/escalate/"
    client = signed_in(agent)

    card = page(client, f"/tickets/{ticket.number}/")
    form = client.get(escalate_url)
    posted = client.post(escalate_url, PACKAGE)

    assert 'id="escalations"' in card
    assert 'data-action="escalate"' not in card
    assert (form.status_code, posted.status_code) == (403, 403)
    refusal = "Mia holds this ticket; only they or a manager escalate it."
    assert refusal in form.content.decode()
    assert 'name="summary"' not in form.content.decode()
    assert Escalation.objects.count() == 0
    # The holder and a manager are offered it.
    assert 'data-action="escalate"' in page(signed_in(mia), f"/tickets/{ticket.number}/")
    assert 'data-action="escalate"' in page(signed_in(manager), f"/tickets/{ticket.number}/")
    assert 'name="summary"' in page(signed_in(manager), escalate_url)


def test_tier_1_is_offered_no_escalate_link_on_a_tier_2_ticket(ticket, agent, backline):
    ticket_update(actor=backline, ticket=ticket, changes={"tier": Tier.BACK_LINE})
    client = signed_in(agent)

    card = page(client, f"/tickets/{ticket.number}/")
    form = client.get(f"/tickets/{ticket.number}/escalate/")

    assert 'data-action="escalate"' not in card
    assert form.status_code == 403
    assert (
        "This ticket is at tier 2; escalating it is for tier 2 engineers or a manager."
        in form.content.decode()
    )
    assert 'data-action="escalate"' in page(signed_in(backline), f"/tickets/{ticket.number}/")


def test_the_requester_withdraws_from_the_card(ticket, agent, backline, escalate):
    escalation = escalate(agent, ticket)
    url = f"/tickets/{ticket.number}/"

    for_requester = page(signed_in(agent), url)
    for_backline = page(signed_in(backline), url)
    refused = signed_in(backline).post(
        f"/escalations/{escalation.pk}/withdraw/", {"reason": "Not mine"}, follow=True
    )
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.REQUESTED
    empty = signed_in(agent).post(
        f"/escalations/{escalation.pk}/withdraw/", {"reason": ""}, follow=True
    )
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.REQUESTED
    done = signed_in(agent).post(
        f"/escalations/{escalation.pk}/withdraw/", {"reason": "Customer found it"}, follow=True
    )

    assert 'data-action="withdraw"' in for_requester
    assert 'data-action="withdraw"' not in for_backline
    assert "Agent escalated this ticket; only they or a manager withdraw" in (
        refused.content.decode()
    )
    assert "This field is required." in empty.content.decode()
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.WITHDRAWN
    html = done.content.decode()
    assert "Escalation withdrawn." in html
    assert "Withdrawn: Customer found it" in html
    assert 'data-action="withdraw"' not in html
    # Back on the card: the ticket may be escalated again.
    assert 'data-action="escalate"' in html


def test_a_manager_is_offered_withdraw_and_accept_nobody_is_once_accepted(
    ticket, agent, manager, backline, escalate
):
    escalation = escalate(agent, ticket)
    url = f"/tickets/{ticket.number}/"

    for_manager = page(signed_in(manager), url)
    signed_in(backline).post(f"/escalations/{escalation.pk}/accept/")
    after = [page(signed_in(person), url) for person in (agent, manager, backline)]

    assert 'data-action="withdraw"' in for_manager
    assert 'data-action="accept"' in for_manager
    assert all('data-action="withdraw"' not in html for html in after)


def test_customers_never_see_the_card(ticket, alice, agent, escalate):
    escalate(agent, ticket)

    html = page(signed_in(alice), f"/portal/tickets/{ticket.number}/")

    assert 'id="escalations"' not in html
    assert PACKAGE["summary"] not in html


def test_accept_return_and_resolve_from_the_card(ticket, agent, backline, escalate):
    escalation = escalate(agent, ticket)
    client = signed_in(backline)

    client.post(f"/escalations/{escalation.pk}/accept/")
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACCEPTED

    refused = client.post(f"/escalations/{escalation.pk}/return/", {"reason": ""}, follow=True)
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACCEPTED
    assert "This field is required." in refused.content.decode()

    client.post(f"/escalations/{escalation.pk}/resolve/", {"resolution": "Fixed in 4.2.2"})
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED


def test_a_colleague_cannot_return_an_escalation_from_the_card(accepted, other_backline):
    response = signed_in(other_backline).post(
        f"/escalations/{accepted.pk}/return/", {"reason": "Mine now"}, follow=True
    )

    accepted.refresh_from_db()
    assert accepted.status == EscalationStatus.ACCEPTED
    assert "Only the person holding this escalation" in response.content.decode()


def test_a_manager_flags_a_complaint_and_the_card_shows_it(ticket, manager, agent):
    signed_in(manager).post(
        f"/tickets/{ticket.number}/escalation-owner/",
        {"flag": "complaint", "escalation_manager": manager.pk},
    )

    ticket.refresh_from_db()
    assert (ticket.escalation_flag, ticket.escalation_manager) == ("complaint", manager)
    html = page(signed_in(agent), f"/tickets/{ticket.number}/")
    assert 'data-flag="complaint"' in html
    assert "Escalation manager: <strong>Manager</strong>" in html


def test_an_agents_flag_keeps_the_escalation_manager(ticket, manager, agent):
    ticket_flag_escalation(
        actor=manager, ticket=ticket, flag="complaint", escalation_manager=manager
    )

    signed_in(agent).post(f"/tickets/{ticket.number}/escalation-owner/", {"flag": "incident"})

    ticket.refresh_from_db()
    assert (ticket.escalation_flag, ticket.escalation_manager) == ("incident", manager)


def test_my_complaints_and_incidents(ticket, manager, alice):
    from tierdesk.tickets.services import ticket_open

    unowned = ticket_open(actor=alice, subject="Billing double charge", body="Charged twice")
    ticket_flag_escalation(
        actor=manager, ticket=ticket, flag="complaint", escalation_manager=manager
    )
    ticket_flag_escalation(actor=manager, ticket=unowned, flag="incident", escalation_manager=None)

    response = signed_in(manager).get("/escalations/owned/")

    assert [t.number for t in response.context["owned"]] == [ticket.number]
    assert [t.number for t in response.context["unowned"]] == [unowned.number]


@pytest.mark.parametrize("weeks", ["4", "junk"])
def test_the_report_counts_per_engineer_and_group(
    ticket, agent, backline, back_group, escalate, weeks
):
    from tierdesk.escalations.services import escalation_accept

    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        escalation = escalate(agent, ticket, group=back_group)
        escalation_accept(actor=backline, escalation=escalation)
    with time_machine.travel("2026-03-04 09:00Z", tick=False):
        response = signed_in(backline).get("/escalations/", {"weeks": weeks})

    assert response.status_code == 200
    stats = response.context["stats"]
    counts = {row.person.username: (row.requested, row.accepted) for row in stats.engineers}
    assert counts == {"agent": (1, 0), "backline": (0, 1)}
    assert [(row.group, row.received) for row in stats.groups] == [(back_group, 1)]
    html = response.content.decode()
    assert 'id="escalations-per-engineer"' in html
    assert 'href="/escalations/"' in html


def test_the_pages_are_for_staff(ticket, alice):
    client = signed_in(alice)

    assert client.get("/escalations/").status_code == 302
    assert client.get(f"/tickets/{ticket.number}/escalate/").status_code == 302


def test_the_card_costs_one_query_per_ticket_page(
    rf, accepted, backline, django_assert_max_num_queries
):
    from tierdesk.escalations.panels import ticket_panel

    request = rf.get("/")
    request.user = backline
    ticket = accepted.ticket

    with django_assert_max_num_queries(2):
        panel = ticket_panel(request, ticket)

    assert [e.pk for e in panel.context["open"]] == [accepted.pk]
