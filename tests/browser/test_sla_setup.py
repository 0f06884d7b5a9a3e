"""End to end through the SLA setup: an administrator adds a business calendar with split Monday
hours and a closed date of its own, then a policy measured on it with a first-response target,
placed first, and finds it at the top of the policies."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tierdesk.sla import setup
from tierdesk.sla.models import BusinessCalendar, SlaPolicy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_sets_up_a_calendar_and_a_policy_on_it(page, sign_in, admin_user):
    from playwright.sync_api import expect

    # Given a desk with at least one policy (a transactional test may have flushed the defaults)
    setup.policy_create(
        actor=admin_user,
        name="Everything",
        targets=[{"metric": "first_response", "seconds": 3600}],
    )
    closed_on = datetime.now(UTC).date() + timedelta(days=40)

    sign_in(admin_user.username)

    # --- A calendar: weekdays 9 to 6 in Osaka, Monday with a lunch break ---
    page.goto("/sla/calendars/")
    page.get_by_role("link", name="Add a calendar").click()
    page.fill("#id_name", "Osaka")
    page.select_option("#id_time_zone", "Asia/Tokyo")
    expect(page.locator("#id_mon_0_start")).to_have_value("09:00")
    page.locator("tr[data-day=mon]").get_by_role("button", name="Add a span").click()
    page.fill("#id_mon_0_end", "12:00")
    page.fill("#id_mon_1_start", "13:00")
    page.fill("#id_mon_1_end", "18:00")
    page.select_option("#id_holiday_country", "JP")
    page.get_by_role("button", name="Save calendar").click()

    expect(page.locator(".flash")).to_contain_text("Calendar Osaka added.")
    calendar = BusinessCalendar.objects.get(name="Osaka")
    expect(page).to_have_url(re.compile(rf"/sla/calendars/{calendar.pk}/$"))
    assert calendar.hours["mon"] == [["09:00", "12:00"], ["13:00", "18:00"]]
    expect(page.locator("#calendar-holidays")).to_contain_text("public holiday")

    # --- A date of its own: the office move closes it all day ---
    page.fill("#id_date-date", closed_on.isoformat())
    page.fill("#id_date-name", "Office move")
    page.get_by_role("button", name="Add date").click()

    expect(page.locator(".flash")).to_contain_text(f"{closed_on.isoformat()} added.")
    expect(page.locator("#calendar-dates")).to_contain_text("Office move")
    expect(page.locator("#calendar-dates")).to_contain_text("closed")
    expect(page.locator("#calendar-holidays")).to_contain_text("Office move")
    assert list(calendar.dates.values_list("date", "hours")) == [(closed_on, [])]

    # --- A policy on that calendar, tried first: a first response within 2 business hours ---
    page.goto("/sla/policies/")
    page.get_by_role("link", name="Add a policy").click()
    page.fill("#id_name", "Osaka customers")
    page.get_by_label("Email").check()
    page.select_option("#id_calendar", label="Osaka")
    first = SlaPolicy.objects.order_by("position", "id").first()
    page.select_option("#id_position", label=f"Before {first.name}")
    page.fill("#id_targets-0-amount", "2")
    page.select_option("#id_targets-0-unit", "hours")
    page.fill("#id_targets-0-warn_amount", "30")
    page.get_by_role("button", name="Save policy").click()

    expect(page.locator(".flash")).to_contain_text("Policy Osaka customers added.")
    rows = page.locator("#sla-policies tbody tr")
    expect(rows.first).to_contain_text("Osaka customers")
    expect(rows.first).to_contain_text("Channel: Email")
    expect(rows.first).to_contain_text("First response within 2 h (business hours)")
    expect(rows.first).to_contain_text("warn 30 min before")
    expect(rows.first.get_by_role("link", name="Osaka", exact=True)).to_be_visible()
    expect(rows.nth(1)).to_contain_text(first.name)
    policy = SlaPolicy.objects.get(name="Osaka customers")
    assert (policy.position, policy.calendar_id, policy.channels) == (1, calendar.pk, ["email"])
    assert [(t.metric, t.seconds, t.business_hours) for t in policy.targets.all()] == [
        ("first_response", 7200, True)
    ]
