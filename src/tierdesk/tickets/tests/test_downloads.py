"""One attachment download for the API, the console and the portal: always a download, with the
read of a restricted ticket recorded once whichever door it came through."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tierdesk.core.errors import NotFound
from tierdesk.core.tests.api_support import API, client_for
from tierdesk.tickets.downloads import attachment_download, download_content_type
from tierdesk.tickets.models import TicketEvent
from tierdesk.tickets.services import NewAttachment, ticket_attach, ticket_open


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def attach(actor, ticket, name="page.html", content=b"<script>alert(1)</script>", kind="text/html"):
    upload = SimpleUploadedFile(name, content, content_type=kind)
    [attachment] = ticket_attach(
        actor=actor, ticket=ticket, attachments=[NewAttachment.from_upload(upload)]
    )
    return attachment


@pytest.fixture
def restricted(agent, alice):
    return ticket_open(
        actor=agent, requester=alice, subject="Security report", body="CVE", restricted=True
    )


def viewed(ticket) -> int:
    return TicketEvent.objects.filter(ticket=ticket, kind="viewed").count()


def test_file_is_served_as_a_download_that_no_browser_renders(agent, ticket):
    attachment = attach(agent, ticket)

    response = attachment_download(agent, attachment.pk)

    assert response["Content-Disposition"] == 'attachment; filename="page.html"'
    assert response["Content-Type"] == "text/html"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"


@pytest.mark.parametrize(
    ("stored", "served"),
    [
        ("text/plain; charset=utf-8", "text/plain"),
        ("Image/PNG", "image/png"),
        ("application/vnd.ms-excel", "application/vnd.ms-excel"),
        ("", "application/octet-stream"),
        ("text/html\r\nSet-Cookie: x=1", "application/octet-stream"),
        ("not a type", "application/octet-stream"),
    ],
)
def test_only_a_well_formed_media_type_is_served(stored, served):
    assert download_content_type(stored) == served


def test_outsider_gets_not_found(alice, oscar, ticket):
    attachment = attach(alice, ticket)

    with pytest.raises(NotFound):
        attachment_download(oscar, attachment.pk)


def test_api_download_of_a_restricted_ticket_file_is_recorded_once(agent, restricted):
    attachment = attach(agent, restricted)
    before = viewed(restricted)

    response = client_for(agent).get(f"{API}/attachments/{attachment.pk}")

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert viewed(restricted) == before + 1


def test_console_download_of_a_restricted_ticket_file_is_recorded(agent, restricted):
    attachment = attach(agent, restricted)
    client = Client()
    client.force_login(agent)

    response = client.get(reverse("tickets:attachment", args=[attachment.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert TicketEvent.objects.filter(ticket=restricted, kind="viewed", actor=agent).count() == 1


def test_portal_download_of_a_restricted_ticket_file_is_recorded(agent, alice, restricted):
    attachment = attach(agent, restricted)
    client = Client()
    client.force_login(alice)

    response = client.get(reverse("portal:attachment", args=[attachment.pk]))

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert TicketEvent.objects.filter(ticket=restricted, kind="viewed", actor=alice).count() == 1


def test_console_download_someone_may_not_read_is_404(agent, backline, restricted):
    attachment = attach(agent, restricted)
    client = Client()
    client.force_login(backline)

    response = client.get(reverse("tickets:attachment", args=[attachment.pk]))

    assert response.status_code == 404
    assert viewed(restricted) == 0
