"""The Django admin's ticket pages: read-only, and a restricted ticket with its messages, files
and events shows only to the administrators named on it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import make_person
from tierdesk.accounts.choices import Role
from tierdesk.tickets.services import (
    NewAttachment,
    ticket_attach,
    ticket_open,
    ticket_share_restricted,
)


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def second_admin(db):
    return make_person("second_root", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def restricted(admin_user, alice):
    return ticket_open(
        actor=admin_user,
        requester=alice,
        subject="Breach report",
        body="Secret breach details",
        restricted=True,
        attachments=[NewAttachment.from_upload(SimpleUploadedFile("keys.txt", b"k"))],
    )


def changelist(model: str) -> str:
    return reverse(f"admin:tickets_{model}_changelist")


def test_unnamed_admin_sees_no_trace_of_a_restricted_ticket(
    client, second_admin, restricted, ticket
):
    # Given an ordinary ticket with a file beside the restricted one
    ticket_attach(
        actor=ticket.requester,
        ticket=ticket,
        attachments=[NewAttachment.from_upload(SimpleUploadedFile("app.log", b"log"))],
    )
    client.force_login(second_admin)
    # The ordinary ticket is listed everywhere, the restricted one nowhere
    tickets = client.get(changelist("ticket"))
    assert tickets.status_code == 200
    assert [t.pk for t in tickets.context["cl"].result_list] == [ticket.pk]
    for model in ["message", "attachment", "ticketevent"]:
        rows = client.get(changelist(model)).context["cl"].result_list
        assert rows, model
        assert all(row.ticket_id == ticket.pk for row in rows), model
    # And its page is not there to open
    page = client.get(reverse("admin:tickets_ticket_change", args=[restricted.pk]), follow=True)
    assert "Breach report" not in page.content.decode()
    message = restricted.messages.get()
    page = client.get(reverse("admin:tickets_message_change", args=[message.pk]), follow=True)
    assert "Secret breach details" not in page.content.decode()


def test_named_admin_sees_the_restricted_ticket_and_its_rows(client, admin_user, restricted):
    client.force_login(admin_user)
    tickets = client.get(changelist("ticket")).context["cl"].result_list
    assert [t.pk for t in tickets] == [restricted.pk]
    attachments = client.get(changelist("attachment")).context["cl"].result_list
    assert [a.filename for a in attachments] == ["keys.txt"]
    page = client.get(reverse("admin:tickets_ticket_change", args=[restricted.pk]))
    assert page.status_code == 200 and "Breach report" in page.content.decode()


def test_an_admin_given_access_then_sees_it(client, admin_user, second_admin, restricted):
    ticket_share_restricted(actor=admin_user, ticket=restricted, people=[second_admin])
    client.force_login(second_admin)
    tickets = client.get(changelist("ticket")).context["cl"].result_list
    assert [t.pk for t in tickets] == [restricted.pk]
