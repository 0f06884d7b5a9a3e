"""End to end in the knowledge base: an engineer captures an article from a ticket, a manager
validates and publishes it, a customer reads it in the portal and says whether it helped."""

from __future__ import annotations

import re

import pytest

from tierdesk.knowledge.models import Article, ArticleFeedback, ArticleLink
from tierdesk.tickets.services import ticket_reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_article_from_ticket_to_customer_feedback(page, sign_in, ticket, agent, manager, alice):
    from playwright.sync_api import expect

    # Given a ticket an engineer answered
    ticket_reply(actor=agent, ticket=ticket, body="Raise query.timeout to 120 s in the workspace.")
    # When the engineer creates an article from it, the form is prefilled from the ticket
    sign_in("agent")
    page.goto(f"/tickets/{ticket.number}/")
    page.click("#create-article")
    expect(page.locator("#id_title")).to_have_value("Query times out after upgrade")
    expect(page.locator("#id_resolution")).to_have_value(
        "Raise query.timeout to 120 s in the workspace."
    )
    page.fill("#id_cause", "The 4.2 planner joins before filtering.")
    page.click("text=Save article")
    article = Article.objects.get()
    expect(page).to_have_url(re.compile(rf"/knowledge/articles/{article.pk}/$"))
    expect(page.locator("[data-state]")).to_have_text("Work in progress")
    assert ArticleLink.objects.get().source == "created"
    page.click("text=Sign out")

    # And a manager validates it and makes it public
    sign_in("manager")
    page.goto(f"/knowledge/articles/{article.pk}/")
    page.click('[data-state-button="validated"]')
    expect(page.locator("[data-state]")).to_have_text("Validated")
    page.click("#make-public")
    expect(page.locator('[data-visibility="public"]')).to_be_visible()
    page.click("text=Sign out")

    # Then the customer reads it in the portal and says it helped
    sign_in("alice")
    page.goto(f"/portal/help/{article.pk}/")
    expect(page.locator("h1")).to_have_text("Query times out after upgrade")
    expect(page.locator(".article-body")).to_contain_text("The 4.2 planner joins before filtering.")
    page.check("input[name=helped][value=yes]")
    page.fill("#id_comment", "Worked after the restart.")
    page.click("text=Send feedback")
    expect(page.locator(".flash")).to_contain_text("Thank you for your feedback.")
    feedback = ArticleFeedback.objects.get()
    assert (feedback.person, feedback.helped, feedback.comment) == (
        alice,
        True,
        "Worked after the restart.",
    )
    article.refresh_from_db()
    assert (article.helped_count, article.state, article.visibility) == (1, "validated", "public")
