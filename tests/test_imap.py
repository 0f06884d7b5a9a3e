"""The IMAP poller against a real IMAP server (Debian's dovecot, started for these tests): what
it stores (read or not), how it marks or moves what it stored, that a message it could not store
stays for the next poll, and that one the server cannot hand over is reported, not skipped."""

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


STORED = "$TierdeskStored"


def subject_of(raw: bytes) -> str:
    return raw.split(b"Subject: ")[1].split(b"\r\n")[0].decode()


def flags_by_subject(server, folder: str = "INBOX") -> dict[str, set[str]]:
    return {subject_of(raw): flags for _, flags, raw in server.messages(folder)}


def test_new_and_already_read_messages_are_stored_as_they_are_and_marked(server, mailbox):
    # Given two new messages and one somebody read in their own mail client before the poll
    first, second = message("Export fails"), message("Экспорт не работает")
    read = message("Read already")
    server.append(first)
    server.append(second)
    server.append(read, flags=r"\Seen")

    # When the mailbox is polled
    result = mailbox_poll(mailbox)

    # Then all three are stored byte for byte, for the mailbox's support address
    assert (result.fetched, result.stored, result.marked, result.failed) == (3, 3, 3, 0)
    stored = InboundMail.objects.order_by("id")
    assert [bytes(m.raw) for m in stored] == [first, second, read]
    assert {m.source for m in stored} == {"imap"}
    assert {m.mailbox_id for m in stored} == {mailbox.pk}
    assert stored[0].recipients == ["support@tierdesk.test"]
    # and every message in the folder is now seen and carries the desk's keyword; nothing was
    # moved or deleted
    left = server.messages("INBOX")
    assert len(left) == 3
    assert all({"\\Seen", STORED} <= flags for _, flags, _ in left)
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""
    assert mailbox.last_polled_at is not None


def test_a_second_poll_finds_nothing_new(server, mailbox):
    server.append(message("Once"))
    server.append(message("Read before the first poll"), flags=r"\Seen")
    mailbox_poll(mailbox)

    again = mailbox_poll(mailbox)

    assert (again.fetched, again.stored, again.error) == (0, 0, "")
    assert InboundMail.objects.count() == 2


def test_a_message_read_between_two_polls_is_stored_by_the_next(server, mailbox):
    # Given a mailbox the desk polled already
    server.append(message("Handled"))
    mailbox_poll(mailbox)
    # when a message arrives and a person opens it (their client sets \Seen) before the next poll
    server.append(message("Opened by a colleague"), flags=r"\Seen")

    result = mailbox_poll(mailbox)

    # Then the next poll stores it, and only it
    assert (result.fetched, result.stored, result.marked) == (1, 1, 1)
    assert sorted(subject_of(bytes(m.raw)) for m in InboundMail.objects.all()) == [
        "Handled",
        "Opened by a colleague",
    ]
    assert STORED in flags_by_subject(server)["Opened by a colleague"]


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
    assert all({"\\Seen", STORED} <= flags for _, flags, _ in moved)
    assert InboundMail.objects.count() == 3

    # and the next poll finds nothing in the folder
    again = mailbox_poll(mailbox)
    assert (again.fetched, again.marked, again.error) == (0, 0, "")


def test_stored_mail_left_in_the_folder_is_moved_without_storing_it_again(server, mailbox):
    # Given a message stored and marked while the mailbox had no processed folder
    server.append(message("Stored before the folder was set"))
    mailbox_poll(mailbox)
    assert InboundMail.objects.count() == 1
    # when the mailbox is then given one
    mailbox.processed_folder = "Archive"
    mailbox.save()

    result = mailbox_poll(mailbox)

    # Then the message moves there without being fetched or stored again
    assert (result.fetched, result.stored, result.marked, result.error) == (0, 0, 1, "")
    assert server.messages("INBOX") == []
    assert [subject_of(raw) for _, _, raw in server.messages("Archive")] == [
        "Stored before the folder was set"
    ]
    assert InboundMail.objects.count() == 1


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


# --- messages the server cannot hand over ------------------------------------------------------


def answering(monkeypatch, change):
    """Polls through connections whose client `change(client)` alters, as a server would."""
    connect = imap.connect

    def changed(mb):
        client = connect(mb)
        change(client)
        return client

    monkeypatch.setattr(imap, "connect", changed)


def uid_of(server, subject: str) -> int:
    return next(uid for uid, _, raw in server.messages() if subject_of(raw) == subject)


def test_a_fetch_without_a_body_is_recorded_each_poll(server, mailbox, monkeypatch):
    # Given a server that answers one message's FETCH without its body
    server.append(message("Hollow"))
    server.append(message("Whole"))
    hollow = str(uid_of(server, "Hollow")).encode()

    def without_body(client):
        uid = client.uid

        def fetch(command, *args):
            if command == "FETCH" and args[0] == hollow:
                uid(command, *args)
                return "OK", [b"1 (UID " + hollow + b" BODY[] NIL)"]
            return uid(command, *args)

        client.uid = fetch

    answering(monkeypatch, without_body)

    # When the mailbox is polled
    result = mailbox_poll(mailbox)

    # Then the other message is stored, and the one without a body is counted and named
    assert (result.fetched, result.stored, result.failed) == (1, 1, 1)
    assert f"UID {hollow.decode()} not stored: the server sent no message body" in result.error
    mailbox.refresh_from_db()
    assert "the server sent no message body" in mailbox.last_error
    assert STORED not in flags_by_subject(server)["Hollow"]
    # and the next poll says so again rather than skipping it in silence
    again = mailbox_poll(mailbox)
    assert (again.fetched, again.failed) == (0, 1)
    assert "the server sent no message body" in again.error
    assert InboundMail.objects.count() == 1


def test_a_message_removed_between_search_and_fetch_is_skipped(server, mailbox, monkeypatch):
    # Given a colleague who deletes a message just as the desk fetches it (dovecot then answers
    # BODY[] NIL)
    server.append(message("Deleted by a colleague"))
    server.append(message("Kept"))
    doomed = str(uid_of(server, "Deleted by a colleague")).encode()

    def expunged_meanwhile(client):
        uid = client.uid

        def fetch(command, *args):
            if command == "FETCH" and args[0] == doomed:
                other = server.client()
                other.select("INBOX")
                other.uid("STORE", doomed, "+FLAGS.SILENT", r"(\Deleted)")
                other.expunge()
                other.logout()
            return uid(command, *args)

        client.uid = fetch

    answering(monkeypatch, expunged_meanwhile)

    result = mailbox_poll(mailbox)

    # Then it is gone and nothing is wrong: the other message is stored
    assert (result.fetched, result.stored, result.failed, result.error) == (1, 1, 0, "")
    assert [subject_of(bytes(m.raw)) for m in InboundMail.objects.all()] == ["Kept"]


def test_a_message_the_server_cannot_read_does_not_hold_up_the_others(server, mailbox):
    # Given a message dovecot can no longer read (it closes the connection when asked for it)
    # between two it can
    server.append(message("Before"))
    server.append(message("Broken"))
    server.append(message("After"))
    uids = {subject_of(raw): uid for uid, _, raw in server.messages()}
    server.damage(b"Subject: Broken")

    # When the mailbox is polled
    result = mailbox_poll(mailbox)

    # Then both others are stored and marked, over a new connection for the second
    assert (result.fetched, result.stored, result.marked, result.failed) == (2, 2, 2, 1)
    assert sorted(subject_of(bytes(m.raw)) for m in InboundMail.objects.all()) == [
        "After",
        "Before",
    ]
    assert f"UID {uids['Broken']} not fetched" in result.error
    flags = server.flags()
    assert STORED in flags[uids["Before"]] and STORED in flags[uids["After"]]
    assert STORED not in flags[uids["Broken"]]
    # and the next poll names it again and stores nothing twice
    again = mailbox_poll(mailbox)
    assert (again.stored, again.failed) == (0, 1)
    assert f"UID {uids['Broken']} not fetched" in again.error
    assert InboundMail.objects.count() == 2


def test_a_poll_gives_up_after_too_many_lost_connections(server, mailbox, monkeypatch):
    monkeypatch.setattr(imap, "MAX_RECONNECTS", 1)
    for subject in ("Broken one", "Broken two", "Waits"):
        server.append(message(subject))
    server.damage(b"Subject: Broken one")
    server.damage(b"Subject: Broken two")

    result = mailbox_poll(mailbox)

    assert (result.stored, result.failed) == (0, 2)
    assert "the server closed the connection 2 times" in result.error
    assert not InboundMail.objects.exists()


# --- servers that keep no keywords ----------------------------------------------------------------


def without_keywords(client):
    """A server whose folders keep only the system flags (PERMANENTFLAGS without \\*)."""
    select = client.select

    def selecting(*args, **kwargs):
        answer = select(*args, **kwargs)
        client.untagged_responses["PERMANENTFLAGS"] = [rb"(\Answered \Flagged \Deleted \Seen)"]
        return answer

    client.select = selecting


def test_without_keywords_only_unseen_mail_is_fetched_and_the_error_says_so(
    server, mailbox, monkeypatch
):
    answering(monkeypatch, without_keywords)
    server.append(message("New"))
    server.append(message("Read already"), flags=r"\Seen")

    result = mailbox_poll(mailbox)

    assert (result.fetched, result.stored, result.marked) == (1, 1, 1)
    assert "keeps no custom keywords" in result.error
    assert "give the mailbox a folder for processed mail" in result.error
    mailbox.refresh_from_db()
    assert "keeps no custom keywords" in mailbox.last_error
    flags = flags_by_subject(server)
    assert "\\Seen" in flags["New"] and STORED not in flags["New"]
    # a second poll stores nothing twice
    assert mailbox_poll(mailbox).fetched == 0
    assert InboundMail.objects.count() == 1


def test_without_keywords_a_processed_folder_takes_every_message(server, mailbox, monkeypatch):
    answering(monkeypatch, without_keywords)
    mailbox.processed_folder = "Done"
    mailbox.save()
    server.append(message("New"))
    server.append(message("Read already"), flags=r"\Seen")

    result = mailbox_poll(mailbox)

    assert (result.stored, result.marked, result.error) == (2, 2, "")
    assert server.messages("INBOX") == []
    assert sorted(flags_by_subject(server, "Done")) == ["New", "Read already"]


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
