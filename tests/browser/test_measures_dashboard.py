"""End to end on the team dashboard: a manager opens it, sees the KPI cards with their weekly
line charts and target lines, the backlog by age and the SLA attainment charts, narrows the
period, reads a chart's numbers and downloads its CSV."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tierdesk.measures.models import KpiTarget
from tierdesk.measures.tests.conftest import History
from tierdesk.sla.choices import Outcome
from tierdesk.sla.tests.test_attainment import make_clock, make_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_reads_the_dashboard_and_narrows_the_period(page, sign_in, manager, agent, alice):
    from playwright.sync_api import expect

    # Given two tickets handled this week, one escalated to engineering, and one handled
    # 60 days ago; the team keeps escalations to engineering at most 5 %
    now = timezone.now()
    # "This week" is the dashboard's current week (UTC, the desk's rollup zone): on a Monday
    # just after midnight, two days ago is last week.
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0)
    handled_at = max(monday + timedelta(minutes=1), now - timedelta(days=2))
    history = History(alice, agent)
    for escalate in (True, False):
        ticket = history.ticket(now - timedelta(days=3))
        history.reply(ticket, handled_at)
        if escalate:
            history.escalate(ticket, handled_at, 3)
    old = history.ticket(now - timedelta(days=61))
    history.reply(old, now - timedelta(days=60))
    KpiTarget.objects.create(metric="escalation_rate_engineering", comparison="at_most", value=5)
    # and first responses decided yesterday: 3 met, 1 breached, against a 90 % goal
    clocked = make_ticket(alice)
    for outcome in (Outcome.MET, Outcome.MET, Outcome.MET, Outcome.BREACHED):
        make_clock(clocked, decided_at=now - timedelta(days=1), outcome=outcome)

    # When the manager opens the dashboard (the last 12 weeks by default)
    sign_in("manager")
    page.goto("/measures/")

    # Then the escalation card shows 1 of 3 handled, against its target, with its line chart:
    # a dot for each of the two weeks with handled tickets, and the dashed target line
    card = page.locator("section[data-metric='escalation_rate_engineering']")
    expect(card.locator(".figure")).to_have_text("33.3%")
    expect(card.locator("[data-met='false']")).to_have_text("Target missed")
    chart = card.locator("svg.kpi-line-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("g.week")).to_have_count(12)
    expect(chart.locator("circle.dot")).to_have_count(2)
    expect(chart.locator("polyline.trend")).to_have_count(2)  # the empty weeks break the line
    expect(chart.locator("line.target-line")).to_have_count(1)
    expect(chart.locator("text.target-label")).to_have_text("target ≤ 5%")
    expect(chart.locator("g.week[data-week] title").last).to_have_text(re.compile(r": 50.0%$"))
    # and a KPI without a target has no target line
    no_target = page.locator("section[data-metric='reopen_rate'] svg.kpi-line-chart")
    expect(no_target.locator("line.target-line")).to_have_count(0)

    # And the backlog by age is a bar per age, the SLA attainment a bar per target against its
    # goal, missed said in words as well as in red
    ages = page.locator("#kpi-ages-chart")
    expect(ages).to_be_visible()
    expect(ages.locator("g.age-bar")).to_have_count(5)
    expect(ages.locator("g.age-bar rect")).not_to_have_count(0)
    sla = page.locator("#kpi-sla-chart")
    expect(sla).to_be_visible()
    first = sla.locator("g.sla-bar[data-series='first_response']")
    expect(first).to_have_attribute("data-met", "missed")
    expect(first.locator("text.status")).to_have_text("75.0% · missed (goal 90%)")
    expect(first.locator("line.goal-mark")).to_have_count(1)
    assert first.locator("rect.attained").evaluate("e => getComputedStyle(e).fill") == (
        "rgb(179, 38, 30)"
    )

    # When they narrow the period to the last 4 weeks
    page.get_by_role("link", name="Last 4 weeks").click()

    # Then only this week's tickets count, charted over 4 weeks
    expect(page.locator("a[data-weeks='4']")).to_have_class(re.compile("active"))
    expect(card.locator(".figure")).to_have_text("50.0%")
    expect(chart.locator("g.week")).to_have_count(4)
    expect(chart.locator("circle.dot")).to_have_count(1)
    expect(chart.locator("line.target-line")).to_have_count(1)
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
