"""The IMAP poller against a real IMAP server (Debian's dovecot, started for these tests): what
it stores, how it marks or moves what it stored, and that a message it could not store stays
unseen for the next poll."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from email.utils import make_msgid

import pytest
import time_machine
from django.db import OperationalError

from tierdesk import cli
from tierdesk.mail import imap
from tierdesk.mail.imap import mailbox_poll, mailboxes_claim_due, poll_due_mailboxes
from tierdesk.mail.intake import inbound_store
from tierdesk.mail.models import InboundMail, Mailbox, SupportAddress
from tierdesk.mail.tests.dovecot import Dovecot

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def dovecot_server():
    server = Dovecot.start()
    yield server
    server.stop()


@pytest.fixture
def server(dovecot_server):
    dovecot_server.clear()
    return dovecot_server


@pytest.fixture
def support_address(db):
    return SupportAddress.objects.create(address="support@tierdesk.test", is_default=True)


@pytest.fixture
def mailbox(server, support_address):
    return Mailbox.objects.create(
        name="Support inbox",
        host=server.host,
        port=server.port,
        use_tls=False,
        username=server.username,
        password=server.password,
        support_address=support_address,
    )


def message(subject: str, *, message_id: str | None = None, body: str = "Hello") -> bytes:
    lines = [
        "From: Alice <alice@acme.test>",
        "To: support@tierdesk.test",
        f"Subject: {subject}",
        f"Message-ID: {message_id or make_msgid(domain='acme.test')}",
        "Date: Wed, 05 Jun 2024 09:30:00 +0000",
        "Content-Type: text/plain; charset=utf-8",
        "",
        body,
        "",
    ]
    return "\r\n".join(lines).encode()


def test_unseen_messages_are_stored_as_they_are_and_marked_seen(server, mailbox):
    # Given two new messages and one somebody has read already
    first, second = message("Export fails"), message("Экспорт не работает")
    server.append(first)
    server.append(second)
    server.append(message("Read already"), flags=r"\Seen")

    # When the mailbox is polled
    result = mailbox_poll(mailbox)

    # Then the two new ones are stored byte for byte, for the mailbox's support address
    assert (result.fetched, result.stored, result.marked, result.failed) == (2, 2, 2, 0)
    stored = InboundMail.objects.order_by("id")
    assert [bytes(m.raw) for m in stored] == [first, second]
    assert {m.source for m in stored} == {"imap"}
    assert {m.mailbox_id for m in stored} == {mailbox.pk}
    assert stored[0].recipients == ["support@tierdesk.test"]
    # and every message in the folder is now seen; nothing was moved or deleted
    left = server.messages("INBOX")
    assert len(left) == 3
    assert all("\\Seen" in flags for _, flags, _ in left)
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""
    assert mailbox.last_polled_at is not None


def test_a_second_poll_finds_nothing_new(server, mailbox):
    server.append(message("Once"))
    mailbox_poll(mailbox)

    again = mailbox_poll(mailbox)

    assert (again.fetched, again.stored) == (0, 0)
    assert InboundMail.objects.count() == 1


def test_processed_messages_move_to_the_processed_folder(server, mailbox):
    # Given a mailbox whose processed mail goes to a folder of its own
    mailbox.processed_folder = "Processed by desk"
    mailbox.save()
    sent = [message("One"), message("Two")]
    for raw in sent:
        server.append(raw)
    # (one read in the mail client before the desk polled: every message in the folder counts)
    read = message("Read in the mail client")
    server.append(read, flags=r"\Seen")

    result = mailbox_poll(mailbox)

    assert (result.fetched, result.stored, result.marked) == (3, 3, 3)
    assert server.messages("INBOX") == []
    moved = server.messages("Processed by desk")
    assert sorted(raw for _, _, raw in moved) == sorted([*sent, read])
    assert InboundMail.objects.count() == 3


def test_without_move_the_poller_copies_and_expunges(server, mailbox, monkeypatch):
    # Given a server that does not offer MOVE (older servers)
    mailbox.processed_folder = "Done"
    mailbox.save()
    connect = imap.connect

    def connect_without_move(mb):
        client = connect(mb)
        client.capabilities = tuple(c for c in client.capabilities if c != "MOVE")
        return client

    monkeypatch.setattr(imap, "connect", connect_without_move)
    server.append(message("Copied"))
    server.append(message("Also copied"))

    result = mailbox_poll(mailbox)

    assert result.marked == 2
    assert server.messages("INBOX") == []
    assert len(server.messages("Done")) == 2


def test_a_message_that_could_not_be_stored_stays_unseen_for_the_next_poll(
    server, mailbox, monkeypatch
):
    # Given a store whose database fails for one message
    def failing_for_one(raw, **kwargs):
        if b"Subject: Unlucky" in raw:
            raise OperationalError("database is locked")
        return inbound_store(raw, **kwargs)

    monkeypatch.setattr(imap, "_default_store", failing_for_one)
    server.append(message("Unlucky"))
    server.append(message("Lucky"))

    # When the mailbox is polled
    result = mailbox_poll(mailbox)

    # Then the other message is stored and seen, the failed one unseen, the error recorded
    assert (result.stored, result.failed) == (1, 1)
    flags = {raw.split(b"Subject: ")[1].split(b"\r\n")[0]: f for _, f, raw in server.messages()}
    assert "\\Seen" in flags[b"Lucky"]
    assert "\\Seen" not in flags[b"Unlucky"]
    mailbox.refresh_from_db()
    assert "not stored: database is locked" in mailbox.last_error

    # and once the database answers, the next poll stores it and clears the error
    monkeypatch.undo()
    again = mailbox_poll(mailbox)
    assert (again.fetched, again.stored, again.failed) == (1, 1, 0)
    assert InboundMail.objects.count() == 2
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""


def test_the_same_message_id_in_the_mailbox_twice_is_stored_once(server, mailbox):
    server.append(message("Sent twice", message_id="<twice@acme.test>"))
    server.append(message("Sent twice", message_id="<twice@acme.test>"))

    result = mailbox_poll(mailbox)

    assert result.stored == 2  # both handed over, both marked
    assert InboundMail.objects.filter(message_id_header="twice@acme.test").count() == 1
    assert all("\\Seen" in flags for _, flags, _ in server.messages())


def test_a_wrong_password_is_recorded_and_nothing_is_touched(server, mailbox):
    server.append(message("Waiting"))
    mailbox.password = "wrong"
    mailbox.save()

    result = mailbox_poll(mailbox)

    assert result.fetched == 0
    assert "AUTHENTICATIONFAILED" in result.error
    mailbox.refresh_from_db()
    assert "AUTHENTICATIONFAILED" in mailbox.last_error
    assert not InboundMail.objects.exists()
    assert all("\\Seen" not in flags for _, flags, _ in server.messages())


def test_an_unreachable_server_is_recorded(db, support_address):
    from tierdesk.mail.tests.dovecot import free_port

    mailbox = Mailbox.objects.create(
        name="Gone", host="127.0.0.1", port=free_port(), use_tls=False, username="u", password="p"
    )

    result = mailbox_poll(mailbox)

    assert result.error
    mailbox.refresh_from_db()
    assert "refused" in mailbox.last_error.lower()


def trusting(cafile):
    return lambda: ssl.create_default_context(cafile=cafile)


def test_tls_from_the_start_verifies_the_certificate(server, mailbox, monkeypatch):
    if server.imaps_port is None:
        pytest.skip("openssl is missing: no certificate for the TLS listener")
    mailbox.use_tls, mailbox.port = True, server.imaps_port
    mailbox.save()
    server.append(message("Over TLS"))

    # A certificate nobody the system trusts signed is refused
    refused = mailbox_poll(mailbox)
    assert "CERTIFICATE_VERIFY_FAILED" in refused.error
    assert not InboundMail.objects.exists()

    # and accepted once its authority is trusted
    monkeypatch.setattr(imap, "tls_context", trusting(server.cafile))
    result = mailbox_poll(mailbox)
    assert (result.stored, result.error) == (1, "")


def test_tls_on_the_imap_port_upgrades_with_starttls(server, mailbox, monkeypatch):
    if server.imaps_port is None:
        pytest.skip("openssl is missing: no certificate for STARTTLS")
    # The plain port of the test server stands for 143.
    monkeypatch.setattr(imap, "STARTTLS_PORT", server.port)
    monkeypatch.setattr(imap, "tls_context", trusting(server.cafile))
    mailbox.use_tls = True
    mailbox.save()
    upgraded = []
    starttls = imap.imaplib.IMAP4.starttls

    def recording_starttls(client, *args, **kwargs):
        upgraded.append(True)
        return starttls(client, *args, **kwargs)

    monkeypatch.setattr(imap.imaplib.IMAP4, "starttls", recording_starttls)
    server.append(message("Upgraded"))

    result = mailbox_poll(mailbox)

    assert (result.stored, result.error) == (1, "")
    assert upgraded == [True]


def test_a_folder_name_outside_ascii_is_encoded_for_imap(server, mailbox):
    mailbox.processed_folder = "Обработано & done"
    mailbox.save()
    server.append(message("Moved to a Russian folder"))

    result = mailbox_poll(mailbox)

    assert (result.marked, result.error) == (1, "")
    assert len(server.messages("&BB4EMQRABDAEMQQ+BEIEMAQ9BD4- &- done")) == 1


# --- when the worker polls ---------------------------------------------------------------------

NOW = datetime(2024, 6, 5, 9, 30, tzinfo=UTC)


def test_an_active_mailbox_is_due_once_its_interval_has_passed(db, settings):
    settings.TIERDESK_IMAP_POLL_SECONDS = 300
    fresh = Mailbox.objects.create(name="Never polled", host="h", username="u", password="p")
    recent = Mailbox.objects.create(
        name="Recent",
        host="h",
        username="u",
        password="p",
        last_polled_at=NOW - timedelta(seconds=60),
    )
    due = Mailbox.objects.create(
        name="Due",
        host="h",
        username="u",
        password="p",
        last_polled_at=NOW - timedelta(seconds=298),  # the minute's task may run a bit early
    )
    Mailbox.objects.create(name="Off", host="h", username="u", password="p", active=False)

    claimed = mailboxes_claim_due(now=NOW)

    assert sorted(claimed) == sorted([fresh.pk, due.pk])
    recent.refresh_from_db()
    assert recent.last_polled_at == NOW - timedelta(seconds=60)
    # a second worker running the same minute gets none of them
    assert mailboxes_claim_due(now=NOW) == []


def test_the_periodic_task_polls_the_due_mailboxes(server, mailbox, settings):
    from huey.contrib.djhuey import HUEY

    server.append(message("Found by the worker"))
    before = HUEY.immediate
    HUEY.immediate = True
    try:
        with time_machine.travel(datetime.now(UTC), tick=False):
            queued = poll_due_mailboxes.call_local()
    finally:
        HUEY.immediate = before

    assert queued == 1
    assert InboundMail.objects.get().mailbox == mailbox
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""


# --- the command line ----------------------------------------------------------------------------


def test_mail_poll_prints_what_each_mailbox_brought(server, mailbox, capsys):
    server.append(message("From the command line"))
    Mailbox.objects.create(name="Switched off", host="h", username="u", password="p", active=False)

    status = cli.main(["mail", "poll"])

    assert status == 0
    out = capsys.readouterr().out
    assert "Support inbox: 1 fetched, 1 stored, 1 marked processed, 0 not stored" in out
    assert "Switched off" not in out
    assert InboundMail.objects.count() == 1


def test_mail_poll_of_one_mailbox_reports_its_error(server, mailbox, capsys):
    mailbox.password = "wrong"
    mailbox.save()

    status = cli.main(["mail", "poll", "--mailbox", "Support inbox"])

    assert status == 1
    assert "AUTHENTICATIONFAILED" in capsys.readouterr().err


def test_mail_poll_of_an_unknown_mailbox_fails_clearly(db, capsys):
    assert cli.main(["mail", "poll", "--mailbox", "Nope"]) == 1
    assert "no mailbox named 'Nope'" in capsys.readouterr().err
