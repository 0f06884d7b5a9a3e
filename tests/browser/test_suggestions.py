"""End to end in the portal: articles appear as a customer types a new request; opening one and
saying it answered the question deflects the request, and the deflection page counts it."""

from __future__ import annotations

import re

import pytest

from conftest import make_person
from tierdesk.accounts.choices import Role
from tierdesk.knowledge.services import article_create
from tierdesk.suggestions.choices import DraftOutcome
from tierdesk.suggestions.models import PortalDraft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_reads_a_suggested_article_instead_of_opening_a_request(page, sign_in, alice):
    from playwright.sync_api import expect

    # Given a public validated article, and an internal one with almost the same title
    manager = make_person("manager", role=Role.MANAGER)
    article = article_create(
        actor=manager,
        title="How do I reset my password?",
        problem="I forgot my password and cannot sign in.",
        resolution="Use **Forgot password** on the sign-in page.",
        visibility="public",
        state="validated",
    )
    article_create(
        actor=manager,
        title="Resetting a customer's password in the admin database",
        problem="A customer cannot reset their password.",
        resolution="Internal steps.",
    )
    # When alice types her request
    sign_in("alice")
    page.goto("/portal/new/")
    page.locator("#id_subject").press_sequentially("I forgot my password", delay=20)
    # Then the public article is suggested, and only it
    suggestions = page.locator("#suggested-articles")
    expect(suggestions).to_contain_text("How do I reset my password?")
    expect(suggestions).not_to_contain_text("admin database")
    # When she opens it
    suggestions.get_by_role("link", name="How do I reset my password?").click()
    expect(page).to_have_url(re.compile(rf"/portal/help/{article.pk}/\?draft="))
    # And says it answered her question
    page.click("#deflect-answered")
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.locator(".flash, .messages").first).to_contain_text("Glad it helped")
    draft = PortalDraft.objects.get(person=alice)
    assert draft.outcome == DraftOutcome.DEFLECTED
    assert (draft.shown_count, draft.clicked_count) == (1, 1)
    # Then the deflection page counts the deflected draft
    page.context.clear_cookies()
    sign_in("manager")
    page.goto("/knowledge/deflection/")
    expect(page.locator('#deflection-totals [data-figure="deflected"]')).to_have_text("1")
    expect(page.locator('#deflection-totals [data-figure="deflection_rate"]')).to_have_text(
        "100.0%"
    )
    expect(page.locator("#deflection-articles")).to_contain_text("How do I reset my password?")
