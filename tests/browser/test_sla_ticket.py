"""End to end on the ticket page: an agent sees the SLA card with the first response target
running, replies, and sees the target met, with the moves that explain it."""

from __future__ import annotations

import re

import pytest

from tierdesk.tickets.services import ticket_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_sees_the_first_response_target_and_meets_it_by_replying(
    page, sign_in, agent, alice, sla_defaults
):
    from playwright.sync_api import expect

    # Given a new ticket from an enterprise customer (first response within 1 h, around the clock)
    ticket = ticket_open(actor=alice, subject="Exports stop at 10k rows", body="Since 4.2")
    sign_in("agent")
    # When the agent opens it
    page.goto(f"/tickets/{ticket.number}/")
    card = page.locator("#sla")
    first = card.locator('.sla-clock[data-metric="first_response"]')
    # Then the card shows the first response clock running against its target
    expect(card).to_contain_text("Service level")
    expect(first).to_have_attribute("data-state", "running")
    expect(first).to_contain_text("First response")
    expect(first).to_contain_text("Premium and enterprise")
    expect(first).to_contain_text("1 h, around the clock")
    expect(first.locator("[data-remaining]")).to_have_text(re.compile(r"in (1 h|59 min)"))

    # When the agent replies
    page.fill("#reply_body", "We can reproduce it; a fix is on its way.")
    page.click("text=Send reply")
    expect(page.locator("#timeline")).to_contain_text("a fix is on its way")

    # Then the first response target shows met, and its details tell why
    expect(first).to_have_attribute("data-outcome", "met")
    expect(first.locator(".sla-met")).to_have_text("Met")
    expect(first).to_have_attribute("data-state", "stopped")
    first.locator("summary", has_text="Details").click()
    expect(first.locator(".sla-moves")).to_contain_text("Started: the ticket was opened")
    expect(first.locator(".sla-moves")).to_contain_text("Stopped: a reply was sent")
