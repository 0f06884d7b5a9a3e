"""The console's ticket page: timeline, reply, note, properties panel, "take it", restricted
reads and attachment downloads."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tierdesk.sla.book import current_book
from tierdesk.sla.services import clocks_refresh_stale
from tierdesk.tickets.models import Message, TicketEvent
from tierdesk.tickets.services import (
    NewAttachment,
    ticket_add_note,
    ticket_claim,
    ticket_open,
    ticket_reply,
    ticket_update,
)


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def detail(ticket) -> str:
    return reverse("tickets:detail", args=[ticket.number])


def upload(
    name: str = "server.log", content: bytes = b"ERR_QUERY_TIMEOUT at 12:00\n"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def test_ticket_page_shows_conversation_notes_and_changes(client, agent, ticket):
    # Given a ticket with a reply, an internal note and a priority change
    ticket_reply(actor=agent, ticket=ticket, body="Which version are you on?", status="pending")
    ticket_add_note(actor=agent, ticket=ticket, body="Probably the 4.2 planner regression")
    ticket_update(actor=agent, ticket=ticket, changes={"priority": "high"})
    client.force_login(agent)
    # When the agent opens it
    response = client.get(detail(ticket))
    body = response.content.decode()
    # Then the header, the messages, the note (styled as a note) and the changes in words are there
    assert response.status_code == 200
    assert f"#{ticket.number}" in body and "Query times out after upgrade" in body
    assert "ERR_QUERY_TIMEOUT on every dashboard" in body
    assert "Which version are you on?" in body
    assert 'class="msg internal' in body and "Probably the 4.2 planner regression" in body
    assert "changed priority from Normal to <strong>High</strong>" in body
    assert "changed status from New to <strong>Pending</strong>" in body
    assert "opened the ticket via Portal" in body


def test_ticket_page_shows_requester_and_organization_details(client, agent, ticket, acme, manager):
    acme.success_manager = manager
    acme.save()
    client.force_login(agent)
    body = client.get(detail(ticket)).content.decode()
    assert "alice@example.test" in body
    assert "Enterprise" in body and "Americas" in body
    assert manager.display_name in body


def test_reply_through_the_page_is_stored_with_its_events(client, agent, ticket):
    client.force_login(agent)
    # When the agent replies and submits as pending
    response = client.post(
        reverse("tickets:reply", args=[ticket.number]),
        {"body": "Please send the query plan.", "status": "pending"},
    )
    # Then they are sent back to the ticket and the reply, status and events are stored
    assert response.status_code == 302
    assert response["Location"] == detail(ticket)
    message = Message.objects.get(ticket=ticket, author=agent)
    assert message.kind == "public" and message.body_text == "Please send the query plan."
    ticket.refresh_from_db()
    assert ticket.status == "pending"
    assert TicketEvent.objects.filter(ticket=ticket, kind="message", actor=agent).exists()
    assert TicketEvent.objects.filter(ticket=ticket, field="status", to_value="pending").exists()
    assert "Please send the query plan." in client.get(detail(ticket)).content.decode()


def test_reply_keeps_the_list_filters_for_next_and_previous(client, agent, ticket):
    client.force_login(agent)
    url = reverse("tickets:reply", args=[ticket.number]) + "?status=unsolved&assignee=me"
    response = client.post(url, {"body": "On it.", "status": "open"})
    assert response["Location"] == detail(ticket) + "?status=unsolved&assignee=me"


def test_reply_with_a_refused_status_keeps_the_text_and_names_the_field(client, agent, ticket):
    # Given a solved ticket (solved may only go to open or closed)
    ticket_update(actor=agent, ticket=ticket, changes={"status": "solved"})
    client.force_login(agent)
    # When the agent replies "as pending"
    response = client.post(
        reverse("tickets:reply", args=[ticket.number]),
        {"body": "My carefully written answer", "status": "pending"},
    )
    # Then nothing is stored, the error sits on the status and the text is still in the box
    assert response.status_code == 200
    assert not Message.objects.filter(ticket=ticket, author=agent).exists()
    form = response.context["reply_form"]
    assert "status" in form.errors
    assert "My carefully written answer" in response.content.decode()


def test_empty_reply_is_refused_next_to_the_field(client, agent, ticket):
    client.force_login(agent)
    response = client.post(
        reverse("tickets:reply", args=[ticket.number]), {"body": "", "status": "open"}
    )
    assert response.status_code == 200
    assert "body" in response.context["reply_form"].errors
    assert 'class="field has-error"' in response.content.decode()


def test_reply_with_a_blocked_attachment_is_refused_and_keeps_the_text(client, agent, ticket):
    client.force_login(agent)
    response = client.post(
        reverse("tickets:reply", args=[ticket.number]),
        {"body": "Run this fix", "status": "open", "attachments": [upload("fix.exe", b"MZ")]},
    )
    assert response.status_code == 200
    assert "attachments" in response.context["reply_form"].errors
    assert "Run this fix" in response.content.decode()
    assert not Message.objects.filter(ticket=ticket, author=agent).exists()


def test_internal_note_through_the_page_is_stored_as_internal(client, agent, ticket):
    client.force_login(agent)
    response = client.post(
        reverse("tickets:note", args=[ticket.number]), {"body": "Check the planner logs"}
    )
    assert response.status_code == 302
    note = Message.objects.get(ticket=ticket, author=agent)
    assert note.kind == "internal"
    assert TicketEvent.objects.filter(ticket=ticket, kind="note", message=note).exists()


def test_reviewer_gets_no_reply_form_but_may_add_notes(client, reviewer, ticket):
    client.force_login(reviewer)
    response = client.get(detail(ticket))
    assert response.context["can_reply"] is False
    assert 'id="compose-reply"' not in response.content.decode()
    refused = client.post(
        reverse("tickets:reply", args=[ticket.number]), {"body": "Hi", "status": "open"}
    )
    assert refused.status_code == 200
    assert refused.context["reply_form"].non_field_errors()
    assert not Message.objects.filter(ticket=ticket, author=reviewer).exists()


def test_properties_panel_change_over_htmx_writes_events_and_returns_the_panel(
    client, agent, backline, group, ticket
):
    client.force_login(agent)
    # When the agent changes priority, group and assignee in the side panel
    response = client.post(
        reverse("tickets:properties", args=[ticket.number]),
        {
            "status": "open",
            "priority": "urgent",
            "type": "problem",
            "product_area": "query_engine",
            "tier": "2",
            "group": group.pk,
            "assignee": backline.pk,
            "tags": "planner Regression",
        },
        headers={"HX-Request": "true"},
    )
    # Then the panel comes back with the timeline and status badge swapped out of band
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="properties"')
    assert 'id="timeline" class="timeline" hx-swap-oob="true"' in body
    assert 'id="ticket-status"' in body
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.type, ticket.tier, ticket.status) == (
        "urgent",
        "problem",
        2,
        "open",
    )
    assert ticket.group == group and ticket.assignee == backline
    assert ticket.tags == ["planner", "regression"]
    changed = set(
        TicketEvent.objects.filter(ticket=ticket, kind="changed").values_list("field", flat=True)
    )
    assert {"priority", "type", "tier", "group", "assignee", "tags", "status"} <= changed
    assert "changed priority from Normal to <strong>Urgent</strong>" in body


def test_properties_panel_sends_only_what_changed(client, agent, ticket):
    client.force_login(agent)
    before = TicketEvent.objects.filter(ticket=ticket).count()
    client.post(
        reverse("tickets:properties", args=[ticket.number]),
        {
            "status": "new",
            "priority": "normal",
            "type": "question",
            "product_area": "query_engine",
            "tier": "1",
            "group": "",
            "assignee": "",
            "tags": "",
        },
        headers={"HX-Request": "true"},
    )
    assert TicketEvent.objects.filter(ticket=ticket).count() == before


def test_properties_panel_refusal_is_shown_next_to_the_field_and_keeps_the_choice(
    client, agent, ticket
):
    # Given a closed ticket cannot be reached from new
    client.force_login(agent)
    response = client.post(
        reverse("tickets:properties", args=[ticket.number]),
        {
            "status": "closed",
            "priority": "high",
            "type": "question",
            "product_area": "query_engine",
            "tier": "1",
            "group": "",
            "assignee": "",
            "tags": "keep-me",
        },
        headers={"HX-Request": "true"},
    )
    # Then the status error is in the panel, the typed values are kept and nothing changed
    assert response.status_code == 200
    form = response.context["properties_form"]
    assert "status" in form.errors
    body = response.content.decode()
    assert 'value="keep-me"' in body
    assert '<option value="high" selected>' in body
    ticket.refresh_from_db()
    assert ticket.priority == "normal" and ticket.status == "new"


def test_properties_panel_without_htmx_redirects_back_to_the_ticket(client, agent, ticket):
    client.force_login(agent)
    response = client.post(
        reverse("tickets:properties", args=[ticket.number]),
        {
            "status": "new",
            "priority": "low",
            "type": "question",
            "product_area": "",
            "tier": "1",
            "group": "",
            "assignee": "",
            "tags": "",
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.priority == "low" and ticket.product_area == ""


def test_take_it_assigns_the_ticket_to_the_agent(client, agent, ticket):
    client.force_login(agent)
    page = client.get(detail(ticket)).content.decode()
    assert 'data-shortcut="claim"' in page
    response = client.post(reverse("tickets:claim", args=[ticket.number]))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert TicketEvent.objects.filter(
        ticket=ticket, field="assignee", to_value=str(agent.pk)
    ).exists()


def test_take_it_on_another_groups_ticket_is_refused_naming_the_group(client, agent, ticket, group):
    ticket.group = group
    ticket.save()
    client.force_login(agent)
    response = client.post(reverse("tickets:claim", args=[ticket.number]), follow=True)
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert "Only members of Query engine" in response.content.decode()


def test_take_it_is_not_offered_on_a_ticket_someone_holds(client, agent, backline, ticket):
    ticket_claim(actor=backline, ticket=ticket)
    client.force_login(agent)
    page = client.get(detail(ticket)).content.decode()
    assert 'data-shortcut="claim"' not in page


def test_next_and_previous_follow_the_list_order_and_filters(client, agent, alice):
    older = ticket_open(actor=alice, subject="Older", body="a")
    middle = ticket_open(actor=alice, subject="Middle", body="b", priority="high")
    newer = ticket_open(actor=alice, subject="Newer", body="c")
    client.force_login(agent)
    response = client.get(detail(middle))
    assert (response.context["newer"], response.context["older"]) == (newer.number, older.number)
    assert f'href="/tickets/{older.number}/" data-shortcut="next"' in response.content.decode()
    filtered = client.get(detail(middle) + "?priority=high")
    assert (filtered.context["newer"], filtered.context["older"]) == (None, None)


def test_reading_a_restricted_ticket_is_recorded(client, agent, alice):
    restricted = ticket_open(
        actor=agent,
        requester=alice,
        subject="Security incident",
        body="Leaked key",
        restricted=True,
    )
    client.force_login(agent)
    assert client.get(detail(restricted)).status_code == 200
    assert TicketEvent.objects.filter(ticket=restricted, kind="viewed", actor=agent).count() == 1


def test_staff_not_named_on_a_restricted_ticket_get_404(client, agent, backline, alice):
    restricted = ticket_open(
        actor=agent,
        requester=alice,
        subject="Security incident",
        body="Leaked key",
        restricted=True,
    )
    client.force_login(backline)
    assert client.get(detail(restricted)).status_code == 404
    assert (
        client.post(reverse("tickets:reply", args=[restricted.number]), {"body": "x"}).status_code
        == 404
    )


def test_customer_asking_for_a_console_ticket_is_sent_to_the_portal_which_hides_other_organizations(
    client, oscar, ticket
):
    client.force_login(oscar)
    response = client.get(detail(ticket), follow=True)
    assert response.redirect_chain[0][0] == reverse("portal:ticket", args=[ticket.number])
    assert response.status_code == 404


def test_missing_ticket_is_404(client, agent, db):
    client.force_login(agent)
    assert client.get(reverse("tickets:detail", args=[999999])).status_code == 404


def test_attachments_are_listed_and_downloaded_by_staff(client, agent, ticket):
    client.force_login(agent)
    client.post(
        reverse("tickets:note", args=[ticket.number]),
        {"body": "Log attached", "attachments": [upload("planner.log", b"plan: seq scan")]},
    )
    attachment = ticket.attachments.get()
    page = client.get(detail(ticket)).content.decode()
    assert reverse("tickets:attachment", args=[attachment.pk]) in page
    response = client.get(reverse("tickets:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"plan: seq scan"
    assert 'attachment; filename="planner.log"' in response["Content-Disposition"]


def test_staff_cannot_download_from_a_restricted_ticket_they_are_not_named_on(
    client, agent, backline, alice
):
    restricted = ticket_open(
        actor=agent,
        requester=alice,
        subject="Secret",
        body="x",
        restricted=True,
        attachments=[NewAttachment.from_upload(upload())],
    )
    attachment = restricted.attachments.get()
    client.force_login(backline)
    assert client.get(reverse("tickets:attachment", args=[attachment.pk])).status_code == 404


def test_ticket_page_query_count_is_bounded(client, agent, ticket, django_assert_max_num_queries):
    for i in range(15):
        ticket_reply(
            actor=agent,
            ticket=ticket,
            body=f"Reply {i}",
            attachments=[NewAttachment.from_upload(upload(f"r{i}.log"))],
        )
        ticket_add_note(actor=agent, ticket=ticket, body=f"Note {i}")
    # The SLA clocks are computed when a change commits, which a test transaction never does;
    # compute them, and compile the policy book as a running process has, before counting.
    clocks_refresh_stale()
    current_book()
    client.force_login(agent)
    # Ten for the ticket and its 30 messages, attachments and events, ten for the panels other
    # capabilities add (triage, escalations, engineering, macros, collaborators, email delivery,
    # calls, the SLA card's two: are the clocks stale, and the clocks with their calendar, and
    # the linked articles; the suggested articles load after the page) and one for the
    # navigation's work counts: none grows with the messages.
    with django_assert_max_num_queries(21):
        response = client.get(detail(ticket))
    assert response.content.decode().count('<article class="msg') == 31
