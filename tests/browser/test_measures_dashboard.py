"""End to end on the team dashboard: a manager opens it, sees the KPI cards with their weekly
charts and targets, narrows the period, reads a chart's numbers and downloads its CSV."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tierdesk.measures.models import KpiTarget
from tierdesk.measures.tests.conftest import History

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_reads_the_dashboard_and_narrows_the_period(page, sign_in, manager, agent, alice):
    from playwright.sync_api import expect

    # Given two tickets handled this week, one escalated to engineering, and one handled
    # 60 days ago; the team keeps escalations to engineering at most 5 %
    now = timezone.now()
    history = History(alice, agent)
    for escalate in (True, False):
        ticket = history.ticket(now - timedelta(days=3))
        history.reply(ticket, now - timedelta(days=2))
        if escalate:
            history.escalate(ticket, now - timedelta(days=2), 3)
    old = history.ticket(now - timedelta(days=61))
    history.reply(old, now - timedelta(days=60))
    KpiTarget.objects.create(metric="escalation_rate_engineering", comparison="at_most", value=5)

    # When the manager opens the dashboard (the last 12 weeks by default)
    sign_in("manager")
    page.goto("/measures/")

    # Then the escalation card shows 1 of 3 handled, against its target, with its chart
    card = page.locator("section[data-metric='escalation_rate_engineering']")
    expect(card.locator(".figure")).to_have_text("33.3%")
    expect(card.locator("[data-met='false']")).to_have_text("Target missed")
    expect(card.locator("svg.kpi-chart-svg")).to_be_visible()
    expect(card.locator("svg.kpi-chart-svg g")).to_have_count(12)

    # When they narrow the period to the last 4 weeks
    page.get_by_role("link", name="Last 4 weeks").click()

    # Then only this week's tickets count, charted over 4 weeks
    expect(page.locator("a[data-weeks='4']")).to_have_class(re.compile("active"))
    expect(card.locator(".figure")).to_have_text("50.0%")
    expect(card.locator("svg.kpi-chart-svg g")).to_have_count(4)
    expect(card.locator("svg.kpi-chart-svg rect")).to_have_count(1)
    artifacts = settings.DATA_DIR / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(artifacts / "measures-dashboard.png"), full_page=True)

    # And the chart's numbers are one click away, with a CSV of them
    card.locator("summary").click()
    expect(card.locator("table.kpi-weeks tbody tr")).to_have_count(4)
    with page.expect_download() as download:
        card.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("key,label,series,value,numerator,denominator,met")
    assert ",50.0,1,2,false," in text
