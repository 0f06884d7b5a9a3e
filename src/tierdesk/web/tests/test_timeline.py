"""The merged timeline: order, grouping of simultaneous changes, and what is left out."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tierdesk.tickets.selectors import ticket_events, ticket_messages
from tierdesk.tickets.services import (
    NewAttachment,
    ticket_attach,
    ticket_open,
    ticket_open_follow_up,
    ticket_reply,
    ticket_share_restricted,
    ticket_update,
)
from tierdesk.web.timeline import build_timeline

T0 = dt.datetime(2025, 5, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def timeline_for(user, ticket):
    return build_timeline(ticket_messages(user, ticket), ticket_events(user, ticket))


def test_opening_comes_first_then_the_message_then_what_changed_with_a_reply(alice, agent):
    with time_machine.travel(T0, tick=False):
        ticket = ticket_open(actor=alice, subject="Export fails", body="CSV is empty")
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        ticket_reply(actor=agent, ticket=ticket, body="Fixed in 4.3", status="solved")
    entries = timeline_for(agent, ticket)
    shape = [("message" if e.is_message else [c.kind for c in e.changes]) for e in entries]
    # The reply's own "message" event is dropped: the message shows itself.
    assert shape == [["created"], "message", "message", ["first_response", "field"]]
    assert entries[-1].changes[1].to_label == "Solved"


def test_changes_made_together_share_one_entry_with_labels(alice, agent, group):
    with time_machine.travel(T0, tick=False):
        ticket = ticket_open(actor=alice, subject="Slow", body="Very slow")
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        ticket_update(
            actor=agent, ticket=ticket, changes={"priority": "urgent", "tier": 2, "group": group.pk}
        )
    last = timeline_for(agent, ticket)[-1]
    assert last.actor == agent
    assert [(c.field, c.from_label, c.to_label) for c in last.changes] == [
        ("priority", "Normal", "Urgent"),
        ("tier", "Tier 1 (front line)", "Tier 2 (back line)"),
        ("group", "", "Query engine"),
    ]


def test_a_file_attached_outside_a_message_is_its_own_entry_with_a_link(client, alice, agent):
    ticket = ticket_open(actor=alice, subject="Logs", body="Sending logs next")
    ticket_attach(
        actor=alice,
        ticket=ticket,
        attachments=[NewAttachment.from_upload(SimpleUploadedFile("app.log", b"boom"))],
    )
    attachment = ticket.attachments.get()
    last = timeline_for(agent, ticket)[-1]
    assert (last.changes[0].kind, last.changes[0].attachment_id) == ("attachment", attachment.pk)
    client.force_login(alice)
    body = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert (
        f'<a href="{reverse("portal:attachment", args=[attachment.pk])}" download>app.log</a>'
        in body
    )


def test_a_follow_up_names_the_ticket_it_continues_beside_its_opening(alice, agent):
    # Given a closed ticket and the follow-up a customer's later message opened
    with time_machine.travel(T0, tick=False):
        closed = ticket_open(actor=alice, subject="Export fails", body="CSV is empty")
        ticket_update(actor=agent, ticket=closed, changes={"status": "solved"})
        ticket_update(actor=agent, ticket=closed, changes={"status": "closed"})
    with time_machine.travel(T0 + dt.timedelta(days=10), tick=False):
        follow_up = ticket_open_follow_up(actor=alice, ticket=closed, body="Empty again")
    # Then, for the customer too, the follow-up opens with the link to the closed ticket
    first = timeline_for(alice, follow_up)[0]
    assert [(c.kind, c.ticket_number) for c in first.changes] == [
        ("created", None),
        ("follow_up_of", closed.number),
    ]
    # And the closed ticket ends with the link to its follow-up
    last = timeline_for(alice, closed)[-1]
    assert [(c.kind, c.ticket_number) for c in last.changes] == [
        ("followed_up_by", follow_up.number)
    ]


def test_giving_access_reads_as_a_sentence_staff_see_and_customers_do_not(
    client, alice, agent, backline
):
    restricted = ticket_open(
        actor=agent, requester=alice, subject="Leaked key", body="Rotate it", restricted=True
    )
    ticket_share_restricted(actor=agent, ticket=restricted, people=[backline])
    shared = [c for e in timeline_for(agent, restricted) for c in e.changes if c.kind == "shared"]
    assert [c.to_label for c in shared] == [agent.display_name, backline.display_name]
    assert not [c for e in timeline_for(alice, restricted) for c in e.changes if c.kind == "shared"]
    client.force_login(agent)
    body = client.get(reverse("tickets:detail", args=[restricted.number])).content.decode()
    assert (
        f"<strong>{agent.display_name}</strong> gave {backline.display_name} access to this "
        "restricted ticket" in body
    )


def test_a_routing_rule_is_named_in_the_timeline(client, alice, agent, admin_user, group):
    from tierdesk.routing.services import routing_rule_create

    routing_rule_create(
        actor=admin_user,
        name="Outages are urgent",
        conditions={"keywords": ["outage"]},
        actions={"priority": "urgent", "group": group.name},
    )
    ticket = ticket_open(actor=alice, subject="Outage in Tokyo", body="Nothing loads")
    changes = [c for e in timeline_for(agent, ticket) for c in e.changes if c.kind == "routed"]
    assert {(c.detail, c.field, c.to_label) for c in changes} == {
        ("Outages are urgent", "priority", "Urgent"),
        ("Outages are urgent", "group", "Query engine"),
    }
    client.force_login(agent)
    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert "Rule <strong>Outages are urgent</strong> changed priority from Normal to" in page


def test_the_engineering_issue_links_only_a_web_address(client, ticket, agent):
    from django.utils import timezone

    from tierdesk.tickets.choices import EventKind
    from tierdesk.tickets.events import record_event

    opened = {"action": "opened", "key": "ENG-7", "url": "https://jira.example/browse/ENG-7"}
    record_event(ticket, actor=None, kind=EventKind.ENGINEERING, at=timezone.now(), data=opened)
    forged = {"action": "opened", "key": "ENG-8", "url": "javascript:alert(1)"}
    record_event(ticket, actor=None, kind=EventKind.ENGINEERING, at=timezone.now(), data=forged)
    record_event(
        ticket,
        actor=None,
        kind=EventKind.ENGINEERING,
        at=timezone.now(),
        field="issue_status",
        old="open",
        new="fixed",
        data={"action": "status", "key": "ENG-7"},
    )
    client.force_login(agent)
    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert 'href="https://jira.example/browse/ENG-7"' in page
    assert "javascript:" not in page
    assert "Engineering issue ENG-8 opened" in page
    assert "Engineering issue ENG-7 is now <strong>Fixed</strong>" in page


def test_a_withdrawn_escalation_and_a_missing_connector_read_as_sentences(client, ticket, agent):
    from django.utils import timezone

    from tierdesk.escalations.services import escalation_create, escalation_withdraw
    from tierdesk.escalations.tests.conftest import PACKAGE
    from tierdesk.tickets.choices import EventKind
    from tierdesk.tickets.events import record_event

    escalation = escalation_create(actor=agent, ticket=ticket, to_tier=2, **PACKAGE)
    escalation_withdraw(actor=agent, escalation=escalation, reason="The customer found it.")
    record_event(
        ticket,
        actor=None,
        kind=EventKind.ENGINEERING,
        at=timezone.now(),
        data={"action": "no_connector", "group": "Query engine"},
    )
    client.force_login(agent)
    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert "<strong>Agent</strong> withdrew the escalation to Tier 2 (back line)" in page
    assert "No engineering connector serves Query engine" in page
