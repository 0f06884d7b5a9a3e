"""End to end in the customer portal: open a request, see it, find nothing of another
organization's, and write on a closed request to open its follow-up."""

from __future__ import annotations

import re

import pytest

from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_open, ticket_update

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_opens_a_request_and_cannot_see_another_organizations(page, sign_in, alice, oscar):
    from playwright.sync_api import expect

    # Given a request of another organization
    foreign = ticket_open(actor=oscar, subject="Globex only", body="Not for Acme eyes")
    # When alice signs in and opens a new request
    sign_in("alice")
    expect(page).to_have_url(re.compile(r"/portal/$"))
    page.click("text=Open a new request")
    page.fill("#id_subject", "Cannot connect the Snowflake source")
    page.fill("#id_description", "The connector says: certificate verify failed.")
    page.select_option("#id_product_area", "integrations")
    page.click("text=Send request")
    # Then she is on her request, and it is in her organization's list
    expect(page.locator("h1")).to_have_text("Cannot connect the Snowflake source")
    expect(page.locator("#timeline")).to_contain_text("certificate verify failed")
    ticket = Ticket.objects.get(subject="Cannot connect the Snowflake source")
    assert (ticket.requester, ticket.channel) == (alice, "portal")
    page.goto("/portal/")
    expect(page.locator("table.tickets")).to_contain_text("Cannot connect the Snowflake source")
    expect(page.locator("table.tickets")).not_to_contain_text("Globex only")
    # And another organization's ticket number is a 404 page, in the portal and the console
    response = page.goto(f"/portal/tickets/{foreign.number}/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Not found")
    response = page.goto(f"/tickets/{foreign.number}/")
    assert response.status == 404


def test_customer_writing_on_a_closed_request_opens_a_follow_up(page, sign_in, alice, agent):
    from playwright.sync_api import expect

    # Given alice's request was solved and then closed
    closed = ticket_open(actor=alice, subject="Export is empty", body="The CSV has no rows.")
    ticket_update(actor=agent, ticket=closed, changes={"status": "solved"})
    ticket_update(actor=agent, ticket=closed, changes={"status": "closed"})
    # When she opens it and writes a follow-up
    sign_in("alice")
    page.goto(f"/portal/tickets/{closed.number}/")
    expect(page.locator("#follow-up")).to_have_text("Write a follow-up")
    page.fill("#id_body", "The export is empty again since Monday.")
    page.click("text=Send follow-up")
    # Then she lands on the new request, which says what happened and links back
    follow_up = Ticket.objects.exclude(pk=closed.pk).get()
    expect(page).to_have_url(re.compile(rf"/portal/tickets/{follow_up.number}/$"))
    expect(page.locator(".flash")).to_contain_text(
        f"Request #{closed.number} was closed, so your message opened follow-up #{follow_up.number}."
    )
    expect(page.locator("#timeline")).to_contain_text("The export is empty again since Monday.")
    page.click(f"#timeline >> text=#{closed.number}")
    expect(page).to_have_url(re.compile(rf"/portal/tickets/{closed.number}/$"))
