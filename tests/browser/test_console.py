"""End to end in the agent console: open a ticket from the list, reply, change properties over
htmx without undoing a colleague's changes, and move between tickets with the keyboard."""

from __future__ import annotations

import re

import pytest

from tierdesk.tickets.models import Message
from tierdesk.tickets.services import ticket_open, ticket_update

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_opens_a_ticket_from_the_list_and_replies(page, sign_in, agent, alice):
    from playwright.sync_api import expect

    # Given a new ticket from a customer
    ticket = ticket_open(
        actor=alice, subject="Scheduled report never arrives", body="The 8am report is missing."
    )
    # When the agent signs in, opens it from the list and sends a reply
    sign_in("agent")
    expect(page).to_have_url(re.compile(r"/tickets/$"))
    page.click("text=Scheduled report never arrives")
    expect(page.locator("h1")).to_have_text("Scheduled report never arrives")
    page.fill("#reply_body", "The mail server rejected it; we have resent the report.")
    page.select_option("#reply_status", "pending")
    page.click("text=Send reply")
    # Then the reply shows in the timeline, the status badge changed and the reply is stored
    expect(page.locator("#timeline")).to_contain_text("we have resent the report")
    expect(page.locator("#ticket-status")).to_have_text("Pending")
    message = Message.objects.get(ticket=ticket, author=agent)
    assert message.body_text == "The mail server rejected it; we have resent the report."
    assert message.kind == "public"


def test_properties_panel_saves_over_htmx_and_updates_the_timeline(page, sign_in, agent, alice):
    from playwright.sync_api import expect

    ticket = ticket_open(actor=alice, subject="Slow dashboards", body="Dashboards take a minute")
    sign_in("agent")
    page.goto(f"/tickets/{ticket.number}/")
    page.select_option("#prop_priority", "high")
    # The change posts through htmx: the page is not reloaded, the timeline gains the change.
    expect(page.locator("#timeline")).to_contain_text("changed priority from Normal to High")
    ticket.refresh_from_db()
    assert ticket.priority == "high"


def test_filter_change_reloads_only_the_table(page, sign_in, agent, alice):
    from playwright.sync_api import expect

    ticket_open(actor=alice, subject="Calm question", body="a")
    ticket_open(actor=alice, subject="Burning problem", body="b", priority="high")
    sign_in("agent")
    page.evaluate("window.__notReloaded = true")
    page.select_option("#id_priority", "high")
    expect(page.locator("#ticket-table")).not_to_contain_text("Calm question")
    expect(page.locator("#ticket-table")).to_contain_text("Burning problem")
    expect(page).to_have_url(re.compile(r"priority=high"))
    assert page.evaluate("window.__notReloaded") is True


def test_j_and_k_move_between_tickets(page, sign_in, agent, alice):
    from playwright.sync_api import expect

    # Given three tickets; the list shows the newest first
    older = ticket_open(actor=alice, subject="First ticket", body="a")
    middle = ticket_open(actor=alice, subject="Second ticket", body="b")
    newest = ticket_open(actor=alice, subject="Third ticket", body="c")
    sign_in("agent")
    # On the list: j selects the first row, j again the next, Enter opens it
    page.keyboard.press("j")
    expect(page.locator("tr.is-selected")).to_have_attribute("data-number", str(newest.number))
    page.keyboard.press("j")
    expect(page.locator("tr.is-selected")).to_have_attribute("data-number", str(middle.number))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/tickets/{middle.number}/"))
    # On a ticket: j goes to the next (older) ticket, k back to the previous (newer) one
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(rf"/tickets/{older.number}/"))
    page.keyboard.press("k")
    expect(page).to_have_url(re.compile(rf"/tickets/{middle.number}/"))
    page.keyboard.press("k")
    expect(page).to_have_url(re.compile(rf"/tickets/{newest.number}/"))
    # g then l goes back to the list
    page.keyboard.press("g")
    page.keyboard.press("l")
    expect(page).to_have_url(re.compile(r"/tickets/(\?.*)?$"))


def test_shortcuts_stay_quiet_while_typing_and_help_opens_with_question_mark(
    page, sign_in, agent, alice
):
    from playwright.sync_api import expect

    ticket_open(actor=alice, subject="Older one", body="a")
    current = ticket_open(actor=alice, subject="Current one", body="b")
    sign_in("agent")
    page.goto(f"/tickets/{current.number}/")
    # r focuses the reply box; typing j and k there writes text and goes nowhere
    page.keyboard.press("r")
    expect(page.locator("#reply_body")).to_be_focused()
    page.keyboard.type("jk")
    expect(page.locator("#reply_body")).to_have_value("jk")
    expect(page).to_have_url(re.compile(rf"/tickets/{current.number}/$"))
    # n switches to the internal note
    page.keyboard.press("Escape")
    page.keyboard.press("n")
    expect(page.locator("#note_body")).to_be_focused()
    page.keyboard.press("Escape")
    # ? opens the help overlay
    page.keyboard.press("?")
    expect(page.locator("#shortcut-help")).to_be_visible()
    expect(page.locator("#shortcut-help")).to_contain_text("Take the ticket")


def test_c_takes_the_ticket(page, sign_in, agent, alice):
    from playwright.sync_api import expect

    ticket = ticket_open(actor=alice, subject="Nobody's ticket", body="a")
    sign_in("agent")
    page.goto(f"/tickets/{ticket.number}/")
    page.keyboard.press("c")
    expect(page.locator(".flash")).to_contain_text("The ticket is yours.")
    ticket.refresh_from_db()
    assert ticket.assignee == agent


def test_panel_change_keeps_what_a_colleague_changed_since_the_page_loaded(
    page, sign_in, agent, backline, alice
):
    from playwright.sync_api import expect

    # Given the agent has a ticket open in the console
    ticket = ticket_open(actor=alice, subject="Slow dashboards", body="Dashboards take a minute")
    sign_in("agent")
    page.goto(f"/tickets/{ticket.number}/")
    # And a colleague then makes it urgent and tags it vip
    ticket_update(actor=backline, ticket=ticket, changes={"priority": "urgent", "tags": ["vip"]})
    # When the agent changes only the status in the panel they loaded before
    page.select_option("#prop_status", "pending")
    expect(page.locator("#timeline")).to_contain_text("changed status from New to Pending")
    # Then the colleague's changes stand, and the panel now shows them
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.tags) == ("pending", "urgent", ["vip"])
    expect(page.locator("#prop_priority")).to_have_value("urgent")
    expect(page.locator("#prop_tags")).to_have_value("vip")
