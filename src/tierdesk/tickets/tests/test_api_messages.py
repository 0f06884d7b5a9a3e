"""Ticket conversation over the API: replies, internal notes, attachments and the event history."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from tierdesk.core.tests.api_support import API, client_for, fields
from tierdesk.tickets.models import Attachment, Message, TicketEvent
from tierdesk.tickets.services import ticket_add_note, ticket_open, ticket_update


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def post_json(client, path, data, **extra):
    return client.post(path, data, content_type="application/json", **extra)


def test_staff_reply_is_public_and_sets_the_status(agent, alice, ticket):
    response = post_json(
        client_for(agent),
        f"{API}/tickets/{ticket.number}/messages",
        {"body": "Please send the query log.", "status": "pending"},
    )

    assert response.status_code == 201
    reply = response.json()
    assert (reply["kind"], reply["author"]["username"]) == ("public", "agent")
    assert "<p>Please send the query log.</p>" in reply["body_html"]
    ticket.refresh_from_db()
    assert ticket.status == "pending"
    assert ticket.first_responded_at is not None


def test_reply_with_html_is_sanitised(agent, ticket):
    response = post_json(
        client_for(agent),
        f"{API}/tickets/{ticket.number}/messages",
        {"body_html": "<p>Fixed<script>alert(1)</script></p>"},
    )

    assert response.status_code == 201
    assert "script" not in response.json()["body_html"]
    assert response.json()["body_text"] == "Fixed"


def test_empty_reply_is_refused_naming_body(agent, ticket):
    response = post_json(client_for(agent), f"{API}/tickets/{ticket.number}/messages", {"body": ""})

    assert response.status_code == 422
    assert fields(response) == {"body"}


def test_reply_with_disallowed_status_is_refused_naming_status(agent, ticket):
    ticket_update(actor=agent, ticket=ticket, changes={"status": "solved"})

    response = post_json(
        client_for(agent),
        f"{API}/tickets/{ticket.number}/messages",
        {"body": "One more thing", "status": "pending"},
    )

    assert response.status_code == 422
    assert fields(response) == {"status"}
    assert ticket.messages.count() == 1


def test_staff_add_an_internal_note(agent, ticket):
    response = post_json(
        client_for(agent),
        f"{API}/tickets/{ticket.number}/messages",
        {"body": "Customer is on 4.2.1, known bug", "internal": True},
    )

    assert response.status_code == 201
    assert response.json()["kind"] == "internal"


def test_customer_trying_an_internal_note_gets_403(alice, ticket):
    response = post_json(
        client_for(alice),
        f"{API}/tickets/{ticket.number}/messages",
        {"body": "psst", "internal": True},
    )

    assert response.status_code == 403
    assert not Message.objects.filter(kind="internal").exists()


def test_customer_cannot_reply_on_another_organizations_ticket(oscar, ticket):
    response = post_json(
        client_for(oscar), f"{API}/tickets/{ticket.number}/messages", {"body": "hi"}
    )

    assert response.status_code == 404


def test_customer_never_sees_internal_notes_nor_their_events(agent, carol, ticket):
    ticket_add_note(actor=agent, ticket=ticket, body="Looks like the 4.2 planner bug")
    ticket_update(actor=agent, ticket=ticket, changes={"assignee": agent})
    client = client_for(carol)

    messages = client.get(f"{API}/tickets/{ticket.number}/messages").json()
    events = client.get(f"{API}/tickets/{ticket.number}/events").json()

    assert [m["kind"] for m in messages] == ["public"]
    assert "planner bug" not in str(messages)
    assert {e["kind"] for e in events} == {"created", "message"}
    staff_events = client_for(agent).get(f"{API}/tickets/{ticket.number}/events").json()
    assert {"note", "changed"} <= {e["kind"] for e in staff_events}


def test_customer_sees_staff_by_name_only_and_colleagues_in_full(agent, carol, ticket):
    ticket_reply_as_agent = post_json(
        client_for(agent), f"{API}/tickets/{ticket.number}/messages", {"body": "On it."}
    )
    assert ticket_reply_as_agent.status_code == 201
    client = client_for(carol)

    messages = client.get(f"{API}/tickets/{ticket.number}/messages").json()
    events = client.get(f"{API}/tickets/{ticket.number}/events").json()

    assert [m["author"] for m in messages] == [
        {"id": ticket.requester_id, "username": "alice", "name": "Alice"},
        {"id": None, "username": None, "name": "Agent"},
    ]
    staff_actors = [e["actor"] for e in events if e["actor"]["name"] == "Agent"]
    assert staff_actors
    assert all(a == {"id": None, "username": None, "name": "Agent"} for a in staff_actors)
    assert "agent" not in str(messages) + str(events)


def test_events_name_field_from_and_to_with_labels(agent, ticket):
    ticket_update(actor=agent, ticket=ticket, changes={"assignee": agent, "priority": "high"})

    events = client_for(agent).get(f"{API}/tickets/{ticket.number}/events").json()

    assignee = next(e for e in events if e["field"] == "assignee")
    assert (assignee["from"], assignee["to"]) == ("", str(agent.pk))
    assert assignee["to_label"] == agent.display_name
    assert assignee["actor"]["username"] == "agent"
    priority = next(e for e in events if e["field"] == "priority")
    assert (priority["from"], priority["to"]) == ("normal", "high")


def test_restricted_ticket_messages_are_audited_when_read(agent, alice):
    restricted = ticket_open(
        actor=agent, requester=alice, subject="Security report", body="CVE details", restricted=True
    )

    response = client_for(agent).get(f"{API}/tickets/{restricted.number}/messages")

    assert response.status_code == 200
    assert TicketEvent.objects.filter(ticket=restricted, kind="viewed").count() == 1


@pytest.mark.parametrize("part", ["", "/messages", "/events"])
def test_each_read_of_a_restricted_ticket_records_one_viewed_event(agent, alice, part):
    restricted = ticket_open(
        actor=agent, requester=alice, subject="Security report", body="CVE details", restricted=True
    )
    client = client_for(agent)

    for expected in (1, 2):
        response = client.get(f"{API}/tickets/{restricted.number}{part}")

        assert response.status_code == 200
        assert TicketEvent.objects.filter(ticket=restricted, kind="viewed").count() == expected


# --- attachments -------------------------------------------------------------------------------


def test_reply_as_a_form_carries_attachments_that_can_be_downloaded(agent, carol, ticket):
    log = SimpleUploadedFile(
        "query.log", b"ERR_QUERY_TIMEOUT at planner.c:42\n", content_type="text/plain"
    )

    response = client_for(agent).post(
        f"{API}/tickets/{ticket.number}/messages", {"body": "Here is the log", "attachments": [log]}
    )

    assert response.status_code == 201, response.content
    [attached] = response.json()["attachments"]
    assert (attached["filename"], attached["size"]) == ("query.log", 34)
    download = client_for(carol).get(attached["url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"ERR_QUERY_TIMEOUT at planner.c:42\n"


def test_files_are_attached_outside_a_message(alice, ticket):
    files = [
        SimpleUploadedFile("a.csv", b"id,total\n1,2\n", content_type="text/csv"),
        SimpleUploadedFile("b.png", b"\x89PNG....", content_type="image/png"),
    ]

    response = client_for(alice).post(
        f"{API}/tickets/{ticket.number}/attachments", {"attachments": files}
    )

    assert response.status_code == 201, response.content
    assert [a["filename"] for a in response.json()] == ["a.csv", "b.png"]
    assert Attachment.objects.filter(ticket=ticket, message__isnull=True).count() == 2


def test_attachments_endpoint_without_files_names_attachments(alice, ticket):
    response = client_for(alice).post(f"{API}/tickets/{ticket.number}/attachments", {})

    assert response.status_code == 422
    assert fields(response) == {"attachments"}


def test_blocked_file_type_is_refused_naming_attachments(alice, ticket):
    script = SimpleUploadedFile("fix.exe", b"MZ...", content_type="application/octet-stream")

    response = client_for(alice).post(
        f"{API}/tickets/{ticket.number}/messages", {"body": "try this", "attachments": [script]}
    )

    assert response.status_code == 422
    assert fields(response) == {"attachments"}
    assert "fix.exe" in response.json()["errors"][0]["reason"]
    assert ticket.messages.count() == 1


@override_settings(TIERDESK_ATTACHMENT_MAX_BYTES=10)
def test_file_over_the_size_limit_is_refused_naming_attachments(alice, ticket):
    big = SimpleUploadedFile("dump.txt", b"x" * 11, content_type="text/plain")

    response = client_for(alice).post(
        f"{API}/tickets/{ticket.number}/attachments", {"attachments": [big]}
    )

    assert response.status_code == 422
    assert fields(response) == {"attachments"}
    assert not Attachment.objects.exists()


def test_outsider_cannot_download_an_attachment(alice, oscar, ticket):
    log = SimpleUploadedFile("query.log", b"secret", content_type="text/plain")
    attached = (
        client_for(alice)
        .post(f"{API}/tickets/{ticket.number}/attachments", {"attachments": [log]})
        .json()
    )

    response = client_for(oscar).get(attached[0]["url"])

    assert response.status_code == 404


def test_customer_cannot_download_an_attachment_of_an_internal_note(agent, alice, ticket):
    log = SimpleUploadedFile("internal.log", b"stack trace", content_type="text/plain")
    note = (
        client_for(agent)
        .post(
            f"{API}/tickets/{ticket.number}/messages",
            {"body": "trace", "internal": "true", "attachments": [log]},
        )
        .json()
    )

    response = client_for(alice).get(note["attachments"][0]["url"])

    assert note["kind"] == "internal"
    assert response.status_code == 404


def test_signed_in_customer_replies_with_a_form_carrying_the_csrf_token(carol, ticket):
    client = Client(enforce_csrf_checks=True)
    client.force_login(carol)
    client.get(f"{API}/docs")  # hands out the CSRF cookie
    screenshot = SimpleUploadedFile("error.png", b"\x89PNG....", content_type="image/png")

    response = client.post(
        f"{API}/tickets/{ticket.number}/messages",
        {
            "body": "Screenshot attached",
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
            "attachments": [screenshot],
        },
    )

    assert response.status_code == 201, response.content
    assert response.json()["attachments"][0]["filename"] == "error.png"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_message_larger_than_the_request_limit_gets_413_naming_attachments(alice, ticket):
    big = SimpleUploadedFile("dump.txt", b"x" * 2000, content_type="text/plain")

    response = client_for(alice).post(
        f"{API}/tickets/{ticket.number}/messages", {"body": "dump", "attachments": [big]}
    )

    assert response.status_code == 413
    assert fields(response) == {"attachments"}
    assert ticket.messages.count() == 1
