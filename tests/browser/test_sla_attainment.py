"""End to end on the SLA attainment page: a manager opens it, sees each target's chart against
its goal line and the table, then widens the period and sees the older tickets counted."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tierdesk.sla.choices import Metric, Outcome
from tierdesk.sla.tests.test_attainment import make_clock, make_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_reads_attainment_and_widens_the_period(page, sign_in, manager, alice):
    from playwright.sync_api import expect

    # Given first responses decided this week (3 met, 1 breached) and two months ago (5 met),
    # and one resolution met yesterday
    now = timezone.now()
    ticket = make_ticket(alice)
    for hours in (20, 26, 30):
        make_clock(ticket, decided_at=now - timedelta(hours=hours), elapsed=600)
    make_clock(ticket, decided_at=now - timedelta(days=2), outcome=Outcome.BREACHED, elapsed=5400)
    for days in range(60, 65):
        make_clock(ticket, decided_at=now - timedelta(days=days), elapsed=300)
    make_clock(ticket, decided_at=now - timedelta(days=1), metric=Metric.RESOLUTION, goal=80)

    # When the manager opens the attainment page
    sign_in("manager")
    page.goto("/sla/")

    # Then the last 28 days show: a chart per target with its goal line, and the table
    expect(page.get_by_role("heading", name="SLA attainment")).to_be_visible()
    expect(page.locator("a[data-days='28']")).to_have_class(re.compile("active"))
    first = page.locator("section[data-metric='first_response']")
    expect(first.locator("[data-share='attainment']")).to_have_text("75.0%")
    expect(first.locator("[data-count='met']")).to_have_text("3")
    expect(first.locator("[data-count='breached']")).to_have_text("1")
    expect(first.locator("[data-time='p50']")).to_have_text("10 min")
    chart = first.locator("svg.sla-chart-svg")
    expect(chart).to_be_visible()
    expect(chart.locator("title").first).to_have_text("First response: share met per day")
    expect(chart.locator("line.goal-line")).to_have_count(1)
    expect(chart.locator("text.goal-label")).to_have_text("Goal 90%")
    expect(page.locator("section[data-metric='resolution'] text.goal-label")).to_have_text(
        "Goal 80%"
    )
    table = page.locator("#sla-rows")
    expect(table.locator("tr[data-metric='first_response'] [data-count='met']")).to_have_text("3")

    # When they widen the period to the last 90 days
    page.get_by_role("link", name="Last 90 days").click()

    # Then the older first responses count too, charted per week against the same goal
    expect(page.locator("a[data-days='90']")).to_have_class(re.compile("active"))
    expect(first.locator("[data-count='met']")).to_have_text("8")
    expect(first.locator("[data-share='attainment']")).to_have_text("88.9%")
    expect(chart.locator("title").first).to_have_text("First response: share met per week")
    expect(chart.locator("line.goal-line")).to_have_count(1)
    expect(table.locator("tr[data-metric='first_response'] [data-count='met']")).to_have_text("8")

    # And the rows can be split by week from the form
    page.locator("#sla-period").select_option("week")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"group_by=week"))
    expect(table.get_by_role("columnheader", name="Period")).to_be_visible()
    # This week's and two months ago's at least; more when a group straddles a Monday
    assert table.locator("tr[data-metric='first_response']").count() >= 2
