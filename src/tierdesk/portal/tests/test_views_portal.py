"""The customer portal: my organization's requests only, opening one, reading it without the
desk's internal notes, answering, solving and reopening, and downloading files."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tierdesk.tickets.models import Message, Ticket, TicketEvent
from tierdesk.tickets.services import (
    NewAttachment,
    ticket_add_note,
    ticket_open,
    ticket_reply,
    ticket_share_restricted,
    ticket_update,
)


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def page(ticket) -> str:
    return reverse("portal:ticket", args=[ticket.number])


def upload(name: str = "screenshot.png", content: bytes = b"\x89PNG fake") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def test_customer_sees_their_organizations_requests_and_not_others(client, alice, carol, oscar):
    # Given requests from alice, her colleague carol, and oscar at another organization
    mine = ticket_open(actor=alice, subject="My request", body="a")
    colleagues = ticket_open(actor=carol, subject="Carol's request", body="b")
    foreign = ticket_open(actor=oscar, subject="Globex secret plans", body="c")
    client.force_login(alice)
    # When alice opens the portal
    response = client.get(reverse("portal:home"))
    # Then she sees both acme requests and nothing of globex
    numbers = [t.number for t in response.context["page"].tickets]
    assert numbers == [colleagues.number, mine.number]
    assert foreign.number not in numbers
    assert "Globex secret plans" not in response.content.decode()


def test_solved_requests_are_under_their_own_tab(client, alice, agent):
    solved = ticket_open(actor=alice, subject="Done", body="a")
    ticket_update(actor=agent, ticket=solved, changes={"status": "solved"})
    still_open = ticket_open(actor=alice, subject="Open", body="b")
    client.force_login(alice)
    open_numbers = [t.number for t in client.get(reverse("portal:home")).context["page"].tickets]
    solved_numbers = [
        t.number
        for t in client.get(reverse("portal:home"), {"show": "solved"}).context["page"].tickets
    ]
    assert open_numbers == [still_open.number]
    assert solved_numbers == [solved.number]


def test_staff_visiting_the_portal_are_sent_to_the_console(client, agent, ticket):
    client.force_login(agent)
    assert client.get(reverse("portal:home"))["Location"] == reverse("tickets:list")
    assert client.get(page(ticket))["Location"] == reverse("tickets:detail", args=[ticket.number])


def test_customer_opens_a_request_through_the_portal(client, alice):
    client.force_login(alice)
    # When alice fills in the new request form with a screenshot
    response = client.post(
        reverse("portal:new"),
        {
            "subject": "Charts render blank",
            "description": "Since this morning every chart is blank.",
            "product_area": "dashboards",
            "priority": "high",
            "attachments": [upload()],
        },
    )
    # Then a portal ticket exists with her message, the file, and she lands on it
    ticket = Ticket.objects.get(subject="Charts render blank")
    assert response.status_code == 302
    assert response["Location"] == page(ticket)
    assert (ticket.requester, ticket.organization_id) == (alice, alice.organization_id)
    assert (ticket.channel, ticket.priority, ticket.product_area) == (
        "portal",
        "high",
        "dashboards",
    )
    assert ticket.messages.get().body_text == "Since this morning every chart is blank."
    assert ticket.attachments.get().filename == "screenshot.png"
    assert TicketEvent.objects.filter(ticket=ticket, kind="created", actor=alice).exists()


def test_new_request_form_offers_no_urgent_priority(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("portal:new"), {"subject": "x", "description": "y", "priority": "urgent"}
    )
    assert response.status_code == 200
    assert "priority" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_invalid_new_request_keeps_everything_typed(client, alice):
    client.force_login(alice)
    # When alice forgets the subject and attaches an executable
    response = client.post(
        reverse("portal:new"),
        {
            "subject": "",
            "description": "A long and careful description",
            "priority": "low",
            "attachments": [
                SimpleUploadedFile("tool.exe", b"MZ", content_type="application/octet-stream")
            ],
        },
    )
    # Then the form comes back with the error next to the subject and her text intact
    assert response.status_code == 200
    assert "subject" in response.context["form"].errors
    body = response.content.decode()
    assert "A long and careful description" in body
    assert '<option value="low" selected>' in body
    assert not Ticket.objects.exists()


def test_service_refusal_of_an_attachment_is_shown_next_to_the_attachments(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("portal:new"),
        {
            "subject": "Tool crashes",
            "description": "See attached",
            "priority": "normal",
            "attachments": [
                SimpleUploadedFile("tool.exe", b"MZ", content_type="application/octet-stream")
            ],
        },
    )
    assert "attachments" in response.context["form"].errors
    assert 'value="Tool crashes"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_customer_gets_404_for_another_organizations_request(client, oscar, ticket):
    client.force_login(oscar)
    assert client.get(page(ticket)).status_code == 404
    assert (
        client.post(reverse("portal:reply", args=[ticket.number]), {"body": "hi"}).status_code
        == 404
    )
    assert (
        client.post(
            reverse("portal:status", args=[ticket.number]), {"status": "solved"}
        ).status_code
        == 404
    )
    assert not Message.objects.filter(author=oscar).exists()


def test_customer_never_sees_internal_notes_or_internal_changes(client, alice, agent, ticket):
    # Given an agent's public reply, an internal note and an internal-only change (tier)
    ticket_reply(actor=agent, ticket=ticket, body="We are looking at it.")
    ticket_add_note(
        actor=agent,
        ticket=ticket,
        body="Customer is on an unsupported build",
        attachments=[NewAttachment.from_upload(SimpleUploadedFile("internal.txt", b"secret"))],
    )
    ticket_update(actor=agent, ticket=ticket, changes={"tier": 2, "tags": ["vip-watch"]})
    client.force_login(alice)
    # When the requester reads the ticket
    body = client.get(page(ticket)).content.decode()
    # Then the public reply is there and nothing internal is
    assert "We are looking at it." in body
    assert "unsupported build" not in body
    assert "internal.txt" not in body
    assert "vip-watch" not in body
    assert "Internal note" not in body
    assert "changed tier" not in body


def test_customer_cannot_download_a_file_from_an_internal_note(client, alice, agent, ticket):
    ticket_add_note(
        actor=agent,
        ticket=ticket,
        body="logs",
        attachments=[NewAttachment.from_upload(SimpleUploadedFile("internal.txt", b"secret"))],
    )
    attachment = ticket.attachments.get()
    client.force_login(alice)
    assert client.get(reverse("portal:attachment", args=[attachment.pk])).status_code == 404
    # The console's address sends her to the portal's, which refuses the same way.
    assert (
        client.get(reverse("tickets:attachment", args=[attachment.pk]), follow=True).status_code
        == 404
    )


def test_customer_downloads_files_of_their_organization_but_not_others(client, alice, carol, oscar):
    ticket = ticket_open(
        actor=alice,
        subject="Screenshot",
        body="see file",
        attachments=[NewAttachment.from_upload(upload())],
    )
    attachment = ticket.attachments.get()
    client.force_login(carol)
    response = client.get(reverse("portal:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\x89PNG fake"
    client.force_login(oscar)
    assert client.get(reverse("portal:attachment", args=[attachment.pk])).status_code == 404


def test_customer_reply_reopens_a_pending_request(client, alice, agent, ticket):
    ticket_reply(actor=agent, ticket=ticket, body="Which version?", status="pending")
    client.force_login(alice)
    response = client.post(reverse("portal:reply", args=[ticket.number]), {"body": "Version 4.2.1"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert Message.objects.filter(ticket=ticket, author=alice, body_text="Version 4.2.1").exists()
    assert "Version 4.2.1" in client.get(page(ticket)).content.decode()


def test_empty_customer_reply_is_refused_in_place(client, alice, ticket):
    client.force_login(alice)
    response = client.post(reverse("portal:reply", args=[ticket.number]), {"body": "   "})
    assert response.status_code == 200
    assert "body" in response.context["reply_form"].errors


def test_customer_marks_a_request_solved_and_reopens_it(client, alice, ticket):
    client.force_login(alice)
    assert "Mark as solved" in client.get(page(ticket)).content.decode()
    client.post(reverse("portal:status", args=[ticket.number]), {"status": "solved"})
    ticket.refresh_from_db()
    assert ticket.status == "solved"
    assert "Reopen" in client.get(page(ticket)).content.decode()
    client.post(reverse("portal:status", args=[ticket.number]), {"status": "open"})
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert list(
        TicketEvent.objects.filter(ticket=ticket, field="status").values_list("to_value", flat=True)
    ) == ["solved", "open"]


def test_customer_cannot_put_a_request_on_hold(client, alice, ticket):
    client.force_login(alice)
    response = client.post(
        reverse("portal:status", args=[ticket.number]), {"status": "on_hold"}, follow=True
    )
    ticket.refresh_from_db()
    assert ticket.status == "new"
    assert "Customers may mark a ticket solved or reopen it." in response.content.decode()


def close(ticket, agent) -> None:
    ticket_update(actor=agent, ticket=ticket, changes={"status": "solved"})
    ticket_update(actor=agent, ticket=ticket, changes={"status": "closed"})


def test_closed_request_offers_a_follow_up_form(client, alice, agent, ticket):
    close(ticket, agent)
    client.force_login(alice)
    body = client.get(page(ticket)).content.decode()
    assert "Write a follow-up" in body
    assert reverse("portal:reply", args=[ticket.number]) in body
    assert "Send follow-up" in body and "Send reply" not in body


def test_reply_to_a_request_closed_meanwhile_opens_a_follow_up(client, alice, agent, ticket):
    # Given alice had the request open when autoclose closed it
    ticket_update(actor=agent, ticket=ticket, changes={"status": "solved"})
    client.force_login(alice)
    assert "Send reply" in client.get(page(ticket)).content.decode()
    ticket_update(actor=agent, ticket=ticket, changes={"status": "closed"})
    # When she sends her reply, with a file
    response = client.post(
        reverse("portal:reply", args=[ticket.number]),
        {"body": "It broke again this morning.", "attachments": [upload()]},
    )
    # Then a follow-up request holds her message and file, and she is sent to it
    follow_up = Ticket.objects.exclude(pk=ticket.pk).get()
    assert response.status_code == 302
    assert response["Location"] == page(follow_up)
    assert (follow_up.requester, follow_up.subject) == (alice, ticket.subject)
    assert follow_up.messages.get().body_text == "It broke again this morning."
    assert follow_up.attachments.get().filename == "screenshot.png"
    assert ticket.messages.count() == 1
    # And the page says what happened and links back to the closed request
    body = client.get(page(follow_up)).content.decode()
    assert (
        f"Request #{ticket.number} was closed, so your message opened follow-up "
        f"#{follow_up.number}." in body
    )
    assert f'Follow-up of <a href="{page(ticket)}">#{ticket.number}</a>' in body
    closed_page = client.get(page(ticket)).content.decode()
    assert (
        f'Continued in follow-up <a href="{page(follow_up)}">#{follow_up.number}</a>' in closed_page
    )


def test_empty_follow_up_is_refused_in_place(client, alice, agent, ticket):
    close(ticket, agent)
    client.force_login(alice)
    response = client.post(reverse("portal:reply", args=[ticket.number]), {"body": ""})
    assert response.status_code == 200
    assert "body" in response.context["reply_form"].errors
    assert "Write a follow-up" in response.content.decode()
    assert Ticket.objects.count() == 1


def test_customer_never_sees_who_was_given_access_to_a_restricted_request(
    client, alice, agent, backline
):
    restricted = ticket_open(
        actor=agent, requester=alice, subject="Leaked key", body="Rotate it", restricted=True
    )
    ticket_share_restricted(actor=agent, ticket=restricted, people=[backline])
    client.force_login(alice)
    body = client.get(page(restricted)).content.decode()
    assert "Rotate it" in body
    assert "access to this restricted ticket" not in body
    assert backline.display_name not in body


def test_portal_list_query_count_is_bounded(client, alice, carol, django_assert_max_num_queries):
    for i in range(30):
        ticket_open(actor=alice if i % 2 else carol, subject=f"Request {i}", body="x")
    client.force_login(alice)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("portal:home"))
    assert len(response.context["page"].tickets) == 25
