"""End to end through the tiers: tier 1 claims a ticket from its group's queue and escalates it
with a package, tier 2 accepts it and escalates it to engineering, the fake tracker receives the
issue, a tier-3 engineer accepts the escalation, and the tracker's signed "fixed" update brings
the ticket back from that engineer to tier 2."""

from __future__ import annotations

import re

import pytest

from conftest import make_person
from tierdesk.accounts.choices import Role, Tier
from tierdesk.accounts.models import SkillGroup
from tierdesk.engineering.choices import IssueStatus
from tierdesk.engineering.models import EngineeringIssue
from tierdesk.engineering.tests.conftest import INBOUND_SECRET, TOKEN, make_connector
from tierdesk.engineering.tests.fake_tracker import FakeTracker, immediate_queue, send_status
from tierdesk.escalations.models import Escalation, EscalationStatus
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBJECT = "Dashboards time out after the 4.2 upgrade"
TIER_2_SUMMARY = "Every Acme dashboard times out since the 4.2 upgrade"
TIER_3_SUMMARY = "Queries over one million rows time out on 4.2.1"
FIX_COMMENT = "Planner regression reverted in 4.2.2"


@pytest.fixture
def tracker():
    with FakeTracker(token=TOKEN) as fake:
        yield fake


def test_a_ticket_goes_from_tier_1_to_engineering_and_back_to_tier_2(
    page, sign_in, live_server, tracker, alice
):
    from playwright.sync_api import expect

    # Given a group at each tier, an engineer in each, a Jira connector to the tracker
    front_desk = SkillGroup.objects.create(name="Front desk", tier=Tier.FRONT_LINE)
    query_experts = SkillGroup.objects.create(name="Query experts", tier=Tier.BACK_LINE)
    query_engine = SkillGroup.objects.create(name="Query engine", tier=Tier.ENGINEERING)
    ada = make_person("ada", role=Role.AGENT, tier=Tier.FRONT_LINE)
    ada.skill_groups.add(front_desk)
    grace = make_person("grace", role=Role.AGENT, tier=Tier.BACK_LINE)
    grace.skill_groups.add(query_experts)
    linus = make_person("linus", role=Role.AGENT, tier=Tier.ENGINEERING)
    linus.skill_groups.add(query_engine)
    connector = make_connector(tracker, "jira")
    # And a new ticket nobody holds, waiting in the tier-1 group's queue
    ticket = ticket_open(actor=alice, subject=SUBJECT, body="ERR_QUERY_TIMEOUT on every dashboard")
    Ticket.objects.filter(pk=ticket.pk).update(group=front_desk)
    ticket_page = f"/tickets/{ticket.number}/"

    with immediate_queue():
        # --- Tier 1 claims the ticket from the group's queue ---
        sign_in("ada")
        page.goto("/work/queue/")
        page.get_by_role("navigation", name="Queues").get_by_role(
            "link", name=re.compile("Front desk")
        ).click()
        expect(page).to_have_url(re.compile(rf"/work/queue/\?group={front_desk.pk}$"))
        row = page.locator("tr", has_text=SUBJECT)
        expect(row).to_have_count(1)
        row.get_by_role("button", name="Claim").click()
        expect(page).to_have_url(re.compile(rf"{ticket_page}$"))
        expect(page.locator(".flash")).to_contain_text("The ticket is yours.")
        expect(page.locator("#prop_assignee")).to_have_value(str(ada.pk))
        # It left the queue for Ada's portfolio
        page.goto(f"/work/queue/?group={front_desk.pk}")
        expect(page.locator("table.tickets")).to_contain_text("Nothing waits in this queue.")
        page.goto("/work/portfolio/")
        expect(page.locator("table.tickets")).to_contain_text(SUBJECT)

        # --- Tier 1 escalates to tier 2 with a package; a missing field is named first ---
        page.get_by_role("link", name=SUBJECT).click()
        page.get_by_role("link", name="Escalate to tier 2…").click()
        expect(page.locator("h1")).to_have_text("Escalate to Tier 2 (back line)")
        page.get_by_label("Receiving group").select_option(label="Query experts")
        page.get_by_label("Summary (required)").fill(TIER_2_SUMMARY)
        page.get_by_label("Customer impact (required)").fill("All 40 Acme analysts are blocked")
        page.get_by_role("button", name="Escalate to tier 2").click()
        tried_field = page.locator(".field.has-error")
        expect(tried_field).to_have_count(1)
        expect(tried_field).to_contain_text("What was tried (required)")
        expect(tried_field).to_contain_text("Required for an escalation to tier 2.")
        assert not Escalation.objects.exists()
        # What was typed is kept; adding the missing part escalates
        expect(page.get_by_label("Summary (required)")).to_have_value(TIER_2_SUMMARY)
        page.get_by_label("What was tried (required)").fill("Cleared the cache; raised the timeout")
        page.get_by_role("button", name="Escalate to tier 2").click()
        expect(page).to_have_url(re.compile(rf"{ticket_page}$"))
        expect(page.locator(".flash")).to_contain_text("Escalated to Tier 2 (back line).")
        expect(page.locator("#timeline")).to_contain_text(TIER_2_SUMMARY)
        page.get_by_role("button", name="Sign out").click()

        # --- Tier 2 finds it escalated to them and accepts it ---
        sign_in("grace")
        page.goto("/work/escalated/")
        waiting = page.locator("tr", has_text=SUBJECT)
        expect(waiting).to_contain_text(TIER_2_SUMMARY)
        expect(waiting).to_contain_text("1 → 2")
        expect(waiting).to_contain_text("Ada")
        waiting.get_by_role("link", name=SUBJECT).click()
        panel = page.locator("#escalations")
        expect(panel).to_contain_text("All 40 Acme analysts are blocked")
        panel.get_by_role("button", name="Accept").click()
        expect(page.locator(".flash")).to_contain_text("Escalation accepted; the ticket is yours.")
        expect(page.locator("#prop_assignee")).to_have_value(str(grace.pk))
        expect(page.locator("#prop_group")).to_have_value(str(query_experts.pk))
        expect(page.locator("#prop_tier")).to_have_value(str(Tier.BACK_LINE))

        # --- Tier 2 escalates to engineering with reproduction steps and environment ---
        page.get_by_role("link", name="Escalate to tier 3…").click()
        expect(page.locator("h1")).to_have_text("Escalate to Tier 3 (engineering)")
        page.get_by_label("Receiving group").select_option(label="Query engine")
        page.get_by_label("Summary (required)").fill(TIER_3_SUMMARY)
        page.get_by_label("Customer impact (required)").fill("Acme's month-end close is blocked")
        page.get_by_label("Steps to reproduce (required)").fill(
            "1. Open any dashboard over the events table\n2. Wait 30 seconds"
        )
        page.get_by_label("Expected result (required)").fill("The dashboard loads")
        page.get_by_label("Actual result (required)").fill("ERR_QUERY_TIMEOUT after 30 seconds")
        page.get_by_label("Environment (required)").fill("4.2.1, eu-west, account acme")
        page.get_by_label("What was tried (required)").fill("Rebuilt statistics; same timeout")
        page.get_by_role("button", name="Escalate to tier 3").click()
        expect(page).to_have_url(re.compile(rf"{ticket_page}$"))
        expect(page.locator(".flash")).to_contain_text("Escalated to Tier 3 (engineering).")
        # The delivery ran at once: the engineering card shows the tracker's issue, open
        engineering = page.locator("#engineering")
        expect(engineering).to_contain_text("ENG-1")
        expect(engineering.locator("[data-issue-status]")).to_have_attribute(
            "data-issue-status", IssueStatus.OPEN
        )
        # The tier-3 escalation waits open; nothing more can be escalated meanwhile
        expect(page.locator('#escalations [data-escalation-status="requested"]')).to_contain_text(
            "Tier 2 → tier 3"
        )
        expect(page.get_by_role("link", name="Escalate to tier 3…")).to_have_count(0)
        # The timeline links the opened issue to the tracker
        opened = page.locator("#timeline li", has_text="Engineering issue ENG-1 opened")
        expect(opened).to_have_count(1)
        expect(opened.get_by_role("link", name="ENG-1")).to_have_attribute(
            "href", f"{tracker.url}/browse/ENG-1"
        )
        page.get_by_role("button", name="Sign out").click()

        # --- Tier 3 finds the escalation waiting for its group and accepts it ---
        sign_in("linus")
        page.goto("/work/escalated/")
        waiting = page.locator("tr", has_text=SUBJECT)
        expect(waiting).to_have_count(1)
        expect(waiting).to_contain_text(TIER_3_SUMMARY)
        expect(waiting).to_contain_text("2 → 3")
        expect(waiting).to_contain_text("Query engine")
        expect(waiting).to_contain_text("Grace")
        waiting.get_by_role("link", name=SUBJECT).click()
        expect(page).to_have_url(re.compile(rf"{ticket_page}$"))
        # Before accepting, the ticket is still Grace's at tier 2
        expect(page.locator("#prop_tier")).to_have_value(str(Tier.BACK_LINE))
        expect(page.locator("#prop_assignee")).to_have_value(str(grace.pk))
        to_engineering = page.locator('#escalations [data-escalation-status="requested"]')
        expect(to_engineering).to_contain_text("Steps to reproduce")
        to_engineering.get_by_role("button", name="Accept").click()
        expect(page.locator(".flash")).to_contain_text("Escalation accepted; the ticket is yours.")
        expect(page.locator("#prop_tier")).to_have_value(str(Tier.ENGINEERING))
        expect(page.locator("#prop_assignee")).to_have_value(str(linus.pk))
        expect(page.locator("#prop_group")).to_have_value(str(query_engine.pk))
        held = page.locator(
            '#escalations [data-escalation-status="accepted"]', has_text="Tier 2 → tier 3"
        )
        expect(held).to_contain_text("held by Linus")
        expect(page.locator("#timeline")).to_contain_text(
            "Linus accepted the escalation to Tier 3 (engineering)"
        )
        ticket.refresh_from_db()
        assert (ticket.tier, ticket.assignee, ticket.group) == (
            Tier.ENGINEERING,
            linus,
            query_engine,
        )
        page.get_by_role("button", name="Sign out").click()

    # --- The tracker received exactly one issue, carrying the package ---
    creates = [r for r in tracker.requests if r.path == "/rest/api/3/issue"]
    assert len(tracker.requests) == len(creates) == 1
    sent = creates[0]
    assert sent.answered == 201
    assert sent.json["fields"]["summary"] == f"{SUBJECT} (ticket #{ticket.number})"
    assert TIER_3_SUMMARY in sent.body.decode()
    assert "4.2.1, eu-west, account acme" in sent.body.decode()

    # --- The tracker reports the issue fixed through the signed inbound webhook ---
    status, answer = send_status(
        live_server.url,
        connector.pk,
        kind="jira",
        secret=INBOUND_SECRET,
        payload={
            "webhookEvent": "jira:issue_updated",
            "issue": {
                "key": "ENG-1",
                "fields": {"status": {"name": "Done"}, "resolution": {"name": "Fixed"}},
            },
            "comment": {"body": FIX_COMMENT},
        },
    )
    assert (status, answer["result"]) == (200, "changed")

    # --- The ticket is back from Linus with Grace at tier 2, the resolution in its timeline ---
    sign_in("grace")
    page.goto("/work/portfolio/")
    expect(page.locator("table.tickets")).to_contain_text(SUBJECT)
    page.goto(ticket_page)
    expect(page.locator("#prop_tier")).to_have_value(str(Tier.BACK_LINE))
    expect(page.locator("#prop_assignee")).to_have_value(str(grace.pk))
    expect(page.locator("#prop_group")).to_have_value(str(query_experts.pk))
    expect(page.locator("#timeline")).to_contain_text(f"Engineering fixed ENG-1: {FIX_COMMENT}")
    expect(page.locator("#timeline")).to_contain_text(
        "tierdesk resolved the escalation to Tier 3 (engineering); back to Tier 2 (back line)"
    )
    expect(page.locator("#timeline")).to_contain_text("Engineering issue ENG-1 is now Fixed")
    engineering = page.locator("#engineering")
    expect(engineering.locator("[data-issue-status]")).to_have_attribute(
        "data-issue-status", IssueStatus.FIXED
    )
    expect(engineering).to_contain_text("Fixed")
    # The tier-3 escalation is closed as resolved; the 1 → 2 one Grace holds stays open, and
    # tier 2 may escalate again
    escalations = page.locator("#escalations")
    expect(escalations.locator('[data-escalation-status="requested"]')).to_have_count(0)
    expect(escalations.locator('[data-escalation-status="accepted"]')).to_contain_text(
        "Tier 1 → tier 2"
    )
    expect(escalations.locator(".escalation-history")).to_contain_text("Tier 2 → 3, Resolved")
    expect(page.get_by_role("link", name="Escalate to tier 3…")).to_be_visible()
    ticket.refresh_from_db()
    assert (ticket.tier, ticket.assignee, ticket.group) == (Tier.BACK_LINE, grace, query_experts)
    to_tier_3 = Escalation.objects.get(to_tier=Tier.ENGINEERING)
    assert (to_tier_3.status, to_tier_3.accepted_by) == (EscalationStatus.RESOLVED, linus)
    assert Escalation.objects.get(to_tier=Tier.BACK_LINE).status == EscalationStatus.ACCEPTED
    assert EngineeringIssue.objects.get().status == IssueStatus.FIXED
