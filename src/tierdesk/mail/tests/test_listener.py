"""The SMTP listener, tested with smtplib against the running server: what it accepts, what it
refuses and how, and that a message is committed before the sender hears 250."""

from __future__ import annotations

import hashlib
import smtplib
import threading
from email.utils import make_msgid

import pytest
from django.db import OperationalError

from tierdesk.mail.intake import inbound_store
from tierdesk.mail.listener import MailListener
from tierdesk.mail.models import InboundMail, SupportAddress
from tierdesk.mail.tests.dovecot import free_port

pytestmark = pytest.mark.django_db(transaction=True)


def message(
    *,
    to="support@tierdesk.test",
    sender="alice@acme.test",
    subject="Dashboards are blank",
    body="Since this morning every dashboard is blank.",
    message_id=None,
) -> bytes:
    """A message as a mail server relays it: CRLF line ends, ending in CRLF."""
    message_id = message_id or make_msgid(domain="acme.test")
    lines = [
        f"From: Alice <{sender}>",
        f"To: {to}",
        f"Subject: {subject}",
        f"Message-ID: {message_id}",
        "Date: Wed, 05 Jun 2024 09:30:00 +0000",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        body,
        "",
    ]
    return "\r\n".join(lines).encode()


def deliver(port: int, raw: bytes, *, sender="alice@acme.test", to=("support@tierdesk.test",)):
    """One SMTP transaction step by step; each step's (code, text)."""
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo("mx.acme.test")
        answers = {"mail": client.mail(sender)}
        answers["rcpt"] = [client.rcpt(address) for address in to]
        if any(code == 250 for code, _ in answers["rcpt"]):
            answers["data"] = client.data(raw)
        return answers


@pytest.fixture
def support_address(transactional_db):
    return SupportAddress.objects.create(address="support@tierdesk.test", is_default=True)


@pytest.fixture
def start_listener(transactional_db):
    started = []

    def start(**kwargs) -> MailListener:
        listener = MailListener(host="127.0.0.1", port=free_port(), **kwargs)
        listener.start()
        started.append(listener)
        return listener

    yield start
    for listener in started:
        listener.stop()


def test_a_message_is_stored_byte_for_byte_before_the_sender_hears_250(
    support_address, start_listener
):
    # Given the listener
    listener = start_listener()
    raw = message(body="Grüße — the dashboards are blank.\r\n-- \r\nAlice")

    # When a mail server delivers a message to the support address
    answers = deliver(listener.port, raw, sender="bounces@acme.test")

    # Then it heard 250 for each step, and the message was already stored as sent
    assert answers["mail"][0] == 250
    assert answers["rcpt"][0][0] == 250
    code, text = answers["data"]
    assert code == 250
    stored = InboundMail.objects.get()
    # The answer names no stored row: the same for a new message and one already stored
    assert text.decode() == "OK: stored"
    assert bytes(stored.raw) == raw
    assert stored.source == "smtp"
    assert stored.recipients == ["support@tierdesk.test"]
    assert stored.envelope_from == "bounces@acme.test"
    assert stored.sha256 == hashlib.sha256(raw).hexdigest()


def test_smtplib_sendmail_delivers_to_several_support_addresses(support_address, start_listener):
    SupportAddress.objects.create(address="billing@tierdesk.test")
    listener = start_listener()
    raw = message(to="support@tierdesk.test, billing+T123@tierdesk.test")

    with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
        refused = client.sendmail(
            "alice@acme.test", ["support@tierdesk.test", "billing+T123@tierdesk.test"], raw
        )

    assert refused == {}
    stored = InboundMail.objects.get()
    assert stored.recipients == ["support@tierdesk.test", "billing+T123@tierdesk.test"]
    assert bytes(stored.raw) == raw


def test_the_same_message_id_twice_is_stored_once_and_accepted_twice(
    support_address, start_listener
):
    listener = start_listener()
    raw = message(message_id="<retry-1@mx.acme.test>")

    first = deliver(listener.port, raw)
    second = deliver(listener.port, raw)

    assert first["data"][0] == 250
    assert second["data"][0] == 250
    assert InboundMail.objects.filter(message_id_header="retry-1@mx.acme.test").count() == 1


def test_a_recipient_in_another_domain_is_refused_as_no_support_address(
    support_address, start_listener
):
    listener = start_listener()

    answers = deliver(
        listener.port, message(), to=("someone@elsewhere.test", "support@tierdesk.test")
    )

    assert answers["rcpt"][0] == (550, b"5.1.1 Not a support address")
    assert answers["rcpt"][1][0] == 250
    assert answers["data"][0] == 250
    assert InboundMail.objects.get().recipients == ["support@tierdesk.test"]


def test_a_relay_attempt_alone_stores_nothing(support_address, start_listener):
    listener = start_listener()

    with (
        smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
    ):
        client.sendmail("spammer@example.test", ["victim@example.test"], message())

    assert refused.value.recipients["victim@example.test"][0] == 550
    assert not InboundMail.objects.exists()


def test_without_any_support_address_every_recipient_is_accepted(transactional_db, start_listener):
    listener = start_listener()

    answers = deliver(listener.port, message(to="help@anything.test"), to=("help@anything.test",))

    assert answers["rcpt"][0][0] == 250
    assert answers["data"][0] == 250
    assert InboundMail.objects.get().recipients == ["help@anything.test"]


def test_a_message_over_the_size_limit_is_refused_with_552(support_address, start_listener):
    # Given a listener that takes 4 KiB at most
    listener = start_listener(max_bytes=4096)
    big = message(body="\r\n".join(["x" * 70] * 70))

    # When a sender announces the size (smtplib does when the server offers SIZE)
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
        client.ehlo()
        assert client.has_extn("size")
        assert int(client.esmtp_features["size"]) == 4096
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.sendmail("alice@acme.test", ["support@tierdesk.test"], big)
    # and when one sends the data without saying
    answers = deliver(listener.port, big)

    # Then both are refused with 552 and nothing is stored; a small one still goes through
    assert refused.value.smtp_code == 552
    assert answers["data"][0] == 552
    assert not InboundMail.objects.exists()
    assert deliver(listener.port, message())["data"][0] == 250


def test_a_database_failure_answers_451_so_the_sender_retries_and_nothing_is_lost(
    support_address, start_listener
):
    # Given a store whose database fails the first time
    failures = []

    def flaky_store(raw, **kwargs):
        if not failures:
            failures.append(raw)
            raise OperationalError("database is locked")
        return inbound_store(raw, **kwargs)

    listener = start_listener(store=flaky_store)
    raw = message(message_id="<flaky@mx.acme.test>")

    # When the message is delivered, refused temporarily, and retried as senders do
    first = deliver(listener.port, raw)
    assert not InboundMail.objects.exists()
    second = deliver(listener.port, raw)

    # Then the first attempt heard 451 (temporary), the retry 250, and the message is stored
    assert first["data"][0] == 451
    assert second["data"][0] == 250
    assert bytes(InboundMail.objects.get(message_id_header="flaky@mx.acme.test").raw) == raw


def test_250_waits_for_the_store_to_finish(support_address, start_listener):
    # Given a store that is held half way
    release = threading.Event()
    entered = threading.Event()

    def slow_store(raw, **kwargs):
        entered.set()
        assert release.wait(10)
        return inbound_store(raw, **kwargs)

    listener = start_listener(store=slow_store)
    answers = {}
    sender = threading.Thread(target=lambda: answers.update(deliver(listener.port, message())))
    sender.start()

    # Then the sender has no answer to its data while the store runs
    assert entered.wait(10)
    sender.join(timeout=0.3)
    assert sender.is_alive()
    assert "data" not in answers

    # and hears 250 once it has finished
    release.set()
    sender.join(timeout=10)
    assert answers["data"][0] == 250
    assert InboundMail.objects.count() == 1


def test_many_senders_at_once_are_all_stored(support_address, start_listener):
    listener = start_listener()
    sent = [message(subject=f"Message {n}") for n in range(40)]

    def send(batch):
        with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as client:
            for raw in batch:
                client.sendmail("alice@acme.test", ["support@tierdesk.test"], raw)

    threads = [threading.Thread(target=send, args=(sent[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(bytes(r) for r in InboundMail.objects.values_list("raw", flat=True)) == sorted(
        sent
    )


def test_a_message_delivered_over_smtp_becomes_a_ticket(support_address, start_listener, acme):
    # Given the listener and a worker that runs each task at once
    from huey.contrib.djhuey import HUEY

    from tierdesk.tickets.models import Ticket

    listener = start_listener()
    before = HUEY.immediate
    HUEY.immediate = True
    try:
        # When a customer of a known company writes
        answers = deliver(
            listener.port,
            message(
                sender="dana@acme.test",
                subject="Nightly export stopped",
                body="The nightly export has not run since Monday.",
            ),
            sender="dana@acme.test",
        )
    finally:
        HUEY.immediate = before

    # Then the message is processed from the store into an email ticket of hers
    assert answers["data"][0] == 250
    inbound = InboundMail.objects.get()
    assert inbound.status == "processed"
    ticket = Ticket.objects.get(pk=inbound.ticket_id)
    assert ticket.subject == "Nightly export stopped"
    assert ticket.channel == "email"
    assert ticket.requester.email == "dana@acme.test"
    assert ticket.organization == acme
