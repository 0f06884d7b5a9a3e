"""The admin pages of email: a mailbox's password is kept and never shown, a mailbox can be polled
from the list, stored mail is listed read-only."""

from __future__ import annotations

import hashlib

import pytest
from django.utils import timezone

from tierdesk.mail import imap
from tierdesk.mail.models import InboundMail, Mailbox

pytestmark = pytest.mark.django_db

SECRET = "s3cret-imap-password"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def mailbox_form(**changes) -> dict:
    data = {
        "name": "Support inbox",
        "host": "imap.example.test",
        "port": "993",
        "use_tls": "on",
        "username": "support",
        "password": SECRET,
        "folder": "INBOX",
        "processed_folder": "",
        "support_address": "",
        "active": "on",
    }
    data.update(changes)
    return data


def test_a_mailbox_keeps_its_password_when_changed_without_one(admin_client):
    # Given a mailbox added with its password
    added = admin_client.post("/admin/mail/mailbox/add/", mailbox_form())
    assert added.status_code == 302
    mailbox = Mailbox.objects.get()
    assert mailbox.password == SECRET

    # When its page is shown and saved with the password left empty
    page = admin_client.get(f"/admin/mail/mailbox/{mailbox.pk}/change/")
    changed = admin_client.post(
        f"/admin/mail/mailbox/{mailbox.pk}/change/", mailbox_form(password="", port="143")
    )

    # Then the page never showed it and it is kept
    assert SECRET not in page.content.decode()
    assert changed.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.password, mailbox.port) == (SECRET, 143)


def test_a_new_mailbox_needs_a_password(admin_client):
    response = admin_client.post("/admin/mail/mailbox/add/", mailbox_form(password=""))

    assert response.status_code == 200
    assert "A new mailbox needs its password." in response.content.decode()
    assert not Mailbox.objects.exists()


def test_poll_now_polls_the_selected_mailbox(admin_client, monkeypatch):
    from tierdesk.mail.imap import PollResult

    mailbox = Mailbox.objects.create(name="Support inbox", host="h", username="u", password="p")
    polled = []

    def fake_poll(mb):
        polled.append(mb.pk)
        return PollResult(mb.name, fetched=2, stored=2, marked=2)

    monkeypatch.setattr(imap, "mailbox_poll", fake_poll)

    response = admin_client.post(
        "/admin/mail/mailbox/",
        {"action": "poll_now", "_selected_action": [mailbox.pk]},
        follow=True,
    )

    assert polled == [mailbox.pk]
    assert "Support inbox: 2 messages stored." in response.content.decode()


def test_stored_mail_is_listed_and_shown_read_only(admin_client):
    raw = b"Subject: Printer on fire\r\n\r\nHelp\r\n"
    inbound = InboundMail.objects.create(
        source="smtp",
        raw=raw,
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        received_at=timezone.now(),
        subject="Printer on fire",
        status="quarantined",
        reason="no sender",
    )

    listing = admin_client.get("/admin/mail/inboundmail/")
    page = admin_client.get(f"/admin/mail/inboundmail/{inbound.pk}/change/")

    assert "Printer on fire" in listing.content.decode()
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.get("/admin/mail/inboundmail/add/").status_code == 403


def test_processing_again_skips_a_message_it_may_not_process_and_says_so(admin_client):
    raw = b"Subject: Huge\r\n\r\n" + b"x" * 100
    kept_in_part = InboundMail.objects.create(
        source="smtp",
        raw=raw,
        size=40_000_000,
        sha256=hashlib.sha256(raw).hexdigest(),
        received_at=timezone.now(),
        subject="Huge",
        status="quarantined",
        reason_code="oversize",
        reason="over the size limit",
    )

    response = admin_client.post(
        "/admin/mail/inboundmail/",
        {"action": "process_again", "_selected_action": [kept_in_part.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert f"#{kept_in_part.pk}:" in response.content.decode()
    kept_in_part.refresh_from_db()
    assert kept_in_part.status == "quarantined"
