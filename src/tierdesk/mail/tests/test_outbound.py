"""Email of public replies, delivered to a real SMTP server (an aiosmtpd sink on 127.0.0.1):
the headers that thread it in the customer's mail client, its parts and files, the back-off on
temporary refusals, failure on permanent ones, and bounces marked on the ticket."""

from __future__ import annotations

import hashlib
import logging
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from conftest import make_person
from tierdesk.accounts.choices import Role, Tier
from tierdesk.chat.services import chat_end, chat_reply, chat_start_visitor, chat_take
from tierdesk.core.errors import Conflict, NotFound, PermissionDenied
from tierdesk.engineering.tests.fake_tracker import immediate_queue
from tierdesk.macros.models import TicketCollaborator
from tierdesk.mail.addresses import reply_address, ticket_number_from_address
from tierdesk.mail.choices import InboundSource, OutboundStatus
from tierdesk.mail.models import InboundMail, OutboundMail, SupportAddress
from tierdesk.mail.outbound import (
    MAX_ATTEMPTS,
    REFERENCES_MAX,
    outbound_mark_bounced,
    outbound_retry,
    outbound_send,
    outbound_send_due,
    thread_headers,
)
from tierdesk.phone.services import UNKNOWN_CALLER_TAG, call_report
from tierdesk.tickets.choices import Channel, MessageKind, Status
from tierdesk.tickets.models import Message, Ticket
from tierdesk.tickets.services import (
    NewAttachment,
    ticket_add_note,
    ticket_open,
    ticket_open_follow_up,
    ticket_reply,
    ticket_update,
)
from tierdesk.tickets.tests.test_services_conversation import upload

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CUSTOMER_MESSAGE_ID = "CAF=x7q1@mail.acme.test"


# --- the SMTP sink -----------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Sink:
    """What the sink received, and how it answers: `rcpt_reply` / `data_reply` replace the
    250 of RCPT TO / DATA (e.g. "451 4.3.0 Try again later")."""

    received: list[Received] = field(default_factory=list)
    rcpt_reply: str = ""
    data_reply: str = ""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sink(settings):
    """A running SMTP server the desk sends to, as TIERDESK_SMTP_URL=smtp://127.0.0.1:<port>."""
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield handler
    controller.stop()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.TIERDESK_PUBLIC_URL = "https://help.tierdesk.test"


# --- the desk ----------------------------------------------------------------------------------


@pytest.fixture
def support(db) -> SupportAddress:
    return SupportAddress.objects.create(
        address="support@tierdesk.test", name="Acme Support", is_default=True
    )


def receive(ticket, message_id: str, at: datetime, to: str = "support@tierdesk.test"):
    raw = f"Message-ID: <{message_id}>\r\nSubject: {ticket.subject}\r\n\r\nHello\r\n".encode()
    return InboundMail.objects.create(
        source=InboundSource.SMTP,
        recipients=[to],
        envelope_from=ticket.requester.email,
        raw=raw,
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        message_id_header=message_id,
        received_at=at,
        status="processed",
        ticket=ticket,
    )


@pytest.fixture
def mailed_ticket(alice, support):
    """A ticket Alice opened by writing to support@, with her mail stored."""
    with time_machine.travel(T0, tick=False):
        ticket = ticket_open(
            actor=alice,
            subject="Query times out after upgrade",
            body="ERR_QUERY_TIMEOUT on every dashboard since 4.2",
            channel=Channel.EMAIL,
        )
        receive(ticket, CUSTOMER_MESSAGE_ID, T0)
    return ticket


def reply(agent, ticket, body="Raise the timeout to 60 s.", *, at=T0 + timedelta(hours=1), **kw):
    with time_machine.travel(at, tick=False):
        message = ticket_reply(actor=agent, ticket=ticket, body=body, **kw)
    return OutboundMail.objects.filter(message=message).first()


def send(outbound: OutboundMail, at: datetime | None = None) -> OutboundMail | None:
    with time_machine.travel(at or outbound.created_at, tick=False):
        result = outbound_send(outbound.pk)
    outbound.refresh_from_db()
    return result


# --- what a reply queues -----------------------------------------------------------------------


def test_a_staff_reply_queues_its_email_with_the_ticket_number_in_the_subject(
    agent, mailed_ticket, alice
):
    outbound = reply(agent, mailed_ticket)

    assert outbound.status == OutboundStatus.QUEUED
    assert outbound.to == [alice.email]
    assert outbound.cc == []
    assert outbound.subject == f"Re: [#{mailed_ticket.number}] Query times out after upgrade"
    assert outbound.from_address == '"Agent (Acme Support)" <support@tierdesk.test>'
    assert outbound.message_id_header.endswith("@tierdesk.test")
    assert outbound.next_attempt_at == outbound.created_at == T0 + timedelta(hours=1)


def test_a_portal_ticket_gets_the_number_without_re(agent, alice, support):
    ticket = ticket_open(actor=alice, subject="Re:  Export   fails", body="CSV export is empty")

    outbound = reply(agent, ticket)

    assert outbound.subject == f"[#{ticket.number}] Re: Export fails"


def test_an_email_tickets_subject_gets_one_re(agent, alice, support):
    ticket = ticket_open(
        actor=alice, subject="RE: re: Export fails", body="CSV", channel=Channel.EMAIL
    )

    assert reply(agent, ticket).subject == f"Re: [#{ticket.number}] Export fails"


def test_customers_messages_and_internal_notes_send_nothing(agent, alice, mailed_ticket):
    ticket_reply(actor=alice, ticket=mailed_ticket, body="Any news?")
    ticket_add_note(actor=agent, ticket=mailed_ticket, body="Looks like the 4.2 planner")

    assert not OutboundMail.objects.exists()


def test_a_staff_reply_is_emailed_whatever_its_channel(agent, alice, mailed_ticket):
    for hour, channel in enumerate([Channel.PHONE, Channel.CHAT, Channel.API], start=1):
        outbound = reply(
            agent, mailed_ticket, f"Answer {hour}", channel=channel, at=T0 + timedelta(hours=hour)
        )
        assert outbound is not None, channel
        assert outbound.to == [alice.email]


def test_live_chat_lines_are_not_emailed_but_a_reply_after_the_chat_ended_is(agent, acme, support):
    chat = chat_start_visitor(
        name="Dana Reyes", email="dana@acme.test", message="ERR_QUERY_TIMEOUT since 9:00"
    ).chat
    ticket = chat.ticket
    # Written on the ticket's page while the chat waits: the reply takes the ticket's channel.
    ticket_reply(actor=agent, ticket=ticket, body="Someone will be with you shortly.")
    chat = chat_take(actor=agent, chat=chat)
    chat_reply(actor=agent, chat=chat, body="Hello Dana, which dashboard?")
    ticket_reply(actor=agent, ticket=ticket, body="Checking the planner now.")
    assert not OutboundMail.objects.exists()

    chat_end(chat=chat, actor=agent)
    # The reply page and the API pass no channel: the reply's channel is the ticket's, chat.
    message = ticket_reply(actor=agent, ticket=ticket, body="Fixed: raise the timeout to 60 s.")

    assert message.channel == Channel.CHAT
    [outbound] = OutboundMail.objects.all()
    assert (outbound.message, outbound.to) == (message, ["dana@acme.test"])
    assert outbound.subject == f"[#{ticket.number}] {ticket.subject}"


@pytest.fixture
def pbx(db):
    """The telephony integration's account: an agent whose token the phone system uses."""
    return make_person("pbx", role=Role.AGENT, tier=Tier.FRONT_LINE)


@pytest.fixture
def dana(acme):
    return make_person("dana", organization=acme, phone="+1 (555) 010-2030")


def call(pbx, external_id: str, number: str = "+15550102030", **fields):
    fields = {"caller_number": number, "offered_at": T0, "notes": "Dashboards time out", **fields}
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        return call_report(actor=pbx, source="pbx", external_id=external_id, fields=fields).call


def test_a_calls_log_is_not_emailed_but_replies_on_the_phone_ticket_are(
    pbx, agent, dana, support, django_capture_on_commit_callbacks, sink
):
    with immediate_queue(), django_capture_on_commit_callbacks(execute=True):
        ticket = call(pbx, "c-1").ticket
    assert ticket.requester == dana
    assert ticket.channel == Channel.PHONE
    assert not OutboundMail.objects.exists()
    assert sink.received == []

    message = ticket_reply(actor=agent, ticket=ticket, body="As discussed: raise the timeout.")

    assert message.channel == Channel.PHONE
    [outbound] = OutboundMail.objects.all()
    assert (outbound.message, outbound.to) == (message, [dana.email])


def test_a_call_on_a_closed_ticket_opens_an_unemailed_follow_up_and_staff_follow_ups_go_out(
    pbx, agent, dana, support
):
    closed = call(pbx, "c-1").ticket
    Ticket.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    closed.refresh_from_db()

    by_call = call(pbx, "c-2", ticket=closed.number).ticket
    assert by_call.pk != closed.pk and by_call.channel == Channel.PHONE
    assert not OutboundMail.objects.exists()

    # An engineer follows up the closed phone ticket from its page: no channel is passed.
    by_staff = ticket_open_follow_up(actor=agent, ticket=closed, body="Did 60 s help?")
    [outbound] = OutboundMail.objects.all()
    assert (outbound.ticket, outbound.to) == (by_staff, [dana.email])
    assert outbound.message.channel == Channel.PHONE


def test_an_unknown_callers_ticket_writes_to_no_one(pbx, agent, support):
    ticket = call(pbx, "c-1", number="+15559999999").ticket
    assert UNKNOWN_CALLER_TAG in ticket.tags
    assert ticket.requester == pbx

    assert reply(agent, ticket, body="Who is this?") is None
    assert not OutboundMail.objects.exists()


def test_a_requester_without_an_address_gets_no_email(agent, alice, mailed_ticket):
    alice.email = ""
    alice.save()

    assert reply(agent, mailed_ticket) is None


def test_additional_requesters_are_written_to_once_each(
    agent, alice, carol, manager, mailed_ticket
):
    for person in (carol, alice, manager):
        TicketCollaborator.objects.create(ticket=mailed_ticket, person=person, created_at=T0)

    dave = make_person("dave", organization=mailed_ticket.organization)
    TicketCollaborator.objects.create(ticket=mailed_ticket, person=dave, created_at=T0)

    outbound = reply(agent, mailed_ticket)

    # The requester first; the requester twice and staff (the manager) are left out.
    assert outbound.to == [alice.email, carol.email, dave.email]
    dave.is_active = False
    dave.save()
    assert reply(manager, mailed_ticket, at=T0 + timedelta(hours=2)).to == [
        alice.email,
        carol.email,
    ]


def test_staff_opening_a_ticket_for_a_customer_writes_to_the_customer(agent, alice, support):
    ticket = ticket_open(
        actor=agent,
        requester=alice,
        subject="Your licence renews next week",
        body="Nothing to do on your side.",
        channel=Channel.PROACTIVE,
    )

    [outbound] = OutboundMail.objects.filter(ticket=ticket)
    assert outbound.to == [alice.email]
    assert outbound.message == ticket.messages.get()


def test_the_email_is_queued_with_the_reply_and_sent_after_the_commit(
    agent, mailed_ticket, sink, django_capture_on_commit_callbacks
):
    with pytest.raises(RuntimeError), transaction.atomic():
        ticket_reply(actor=agent, ticket=mailed_ticket, body="Rolled back")
        raise RuntimeError("the request failed")
    assert not OutboundMail.objects.exists()

    with immediate_queue(), django_capture_on_commit_callbacks(execute=True):
        message = ticket_reply(actor=agent, ticket=mailed_ticket, body="Try again now.")

    outbound = OutboundMail.objects.get(message=message)
    assert outbound.status == OutboundStatus.SENT
    assert [r.message["Message-ID"] for r in sink.received] == [f"<{outbound.message_id_header}>"]


# --- what the customer receives ----------------------------------------------------------------


def test_the_customer_receives_a_threaded_multipart_email_with_the_file(
    agent, alice, mailed_ticket, sink
):
    log = upload("planner.log", b"slow plan\n", "text/plain")
    outbound = reply(agent, mailed_ticket, body="See the attached plan.", attachments=[log])

    assert send(outbound, T0 + timedelta(hours=1, seconds=5)) is not None

    assert outbound.status == OutboundStatus.SENT
    assert outbound.sent_at == T0 + timedelta(hours=1, seconds=5)
    assert outbound.attempts == 1
    [received] = sink.received
    mail = received.message
    assert received.rcpt_tos == [alice.email]
    assert mail["Message-ID"] == f"<{outbound.message_id_header}>"
    assert mail["In-Reply-To"] == f"<{CUSTOMER_MESSAGE_ID}>"
    assert mail["References"] == f"<{CUSTOMER_MESSAGE_ID}>"
    assert mail["Subject"] == f"Re: [#{mailed_ticket.number}] Query times out after upgrade"
    assert mail["X-Tierdesk-Ticket"] == str(mailed_ticket.number)
    assert mail["Auto-Submitted"] is None  # a person wrote it: auto-replies must answer it
    assert parseaddr(mail["From"]) == ("Agent (Acme Support)", "support@tierdesk.test")
    reply_to = parseaddr(mail["Reply-To"])[1]
    assert reply_to == reply_address(mailed_ticket)
    assert reply_to.startswith(f"support+t{mailed_ticket.number}-")
    assert ticket_number_from_address(reply_to) == mailed_ticket.number
    # Bounces come back to the ticket's address too.
    assert received.mail_from == reply_to

    assert mail.get_content_type() == "multipart/mixed"
    alternative, attached = mail.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    text, html = alternative.get_payload()
    assert text.get_content_type() == "text/plain"
    assert text.get_content().replace("\r\n", "\n") == (
        "See the attached plan.\n\n-- \n"
        f"Acme Support · Reply to this email to answer on ticket #{mailed_ticket.number}.\n"
        "The whole conversation is in the support portal: "
        f"https://help.tierdesk.test/portal/tickets/{mailed_ticket.number}/\n"
    )
    assert html.get_content_type() == "text/html"
    assert "<div><p>See the attached plan.</p></div>" in html.get_content()
    assert attached.get_filename() == "planner.log"
    assert attached.get_content_type() == "text/plain"
    # Text travels with the wire's line endings; binary files byte for byte (below).
    assert attached.get_payload(decode=True).replace(b"\r\n", b"\n") == b"slow plan\n"


def test_the_footer_is_in_the_requesters_language_and_names_survive_encoding(
    agent, oscar, support, sink
):
    SupportAddress.objects.create(address="support-ja@tierdesk.test", name="tierdesk サポート")
    ticket = ticket_open(actor=oscar, subject="ログイン", body="ログインできません")
    receive(ticket, "jp@mail.globex.test", T0, to="support-ja@tierdesk.test")
    outbound = reply(agent, ticket, body="Please reset the password.")

    send(outbound)

    mail = sink.received[0].message
    text, html = mail.get_payload()
    assert "Please reset the password." in text.get_content()
    assert '<html lang="ja">' in html.get_content()
    assert mail["Subject"] == f"[#{ticket.number}] ログイン"
    assert parseaddr(mail["From"]) == ("Agent (tierdesk サポート)", "support-ja@tierdesk.test")


def test_later_replies_reference_the_whole_thread_oldest_first(agent, alice, mailed_ticket, sink):
    first = reply(agent, mailed_ticket, body="First answer")
    send(first)
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        ticket_reply(actor=alice, ticket=mailed_ticket, body="Still slow")
        receive(mailed_ticket, "second@mail.acme.test", T0 + timedelta(hours=2))
    second = reply(agent, mailed_ticket, body="Second answer", at=T0 + timedelta(hours=3))
    third = reply(agent, mailed_ticket, body="Third answer", at=T0 + timedelta(hours=4))

    send(second)
    send(third)

    assert [r.message["In-Reply-To"] for r in sink.received] == [
        f"<{CUSTOMER_MESSAGE_ID}>",
        "<second@mail.acme.test>",
        "<second@mail.acme.test>",
    ]
    assert sink.received[2].message["References"] == " ".join(
        [
            f"<{CUSTOMER_MESSAGE_ID}>",
            f"<{first.message_id_header}>",
            "<second@mail.acme.test>",
            f"<{second.message_id_header}>",
        ]
    )


def test_a_ticket_without_mail_threads_on_the_desks_own_emails(agent, alice, support, sink):
    ticket = ticket_open(actor=alice, subject="Export", body="CSV export is empty")
    first = reply(agent, ticket, body="Which version?")
    second = reply(agent, ticket, body="Fixed in 4.3", at=T0 + timedelta(hours=2))

    send(first)
    send(second)

    assert sink.received[0].message["In-Reply-To"] is None
    assert sink.received[0].message["References"] is None
    assert sink.received[1].message["In-Reply-To"] == f"<{first.message_id_header}>"
    assert sink.received[1].message["References"] == f"<{first.message_id_header}>"


def test_references_keep_the_first_message_and_the_latest(agent, mailed_ticket):
    for hour in range(1, 30):
        receive(mailed_ticket, f"m{hour}@mail.acme.test", T0 + timedelta(hours=hour))
    outbound = reply(agent, mailed_ticket, at=T0 + timedelta(days=2))

    in_reply_to, references = thread_headers(outbound)

    assert in_reply_to == "m29@mail.acme.test"
    assert len(references) == REFERENCES_MAX
    assert references[0] == CUSTOMER_MESSAGE_ID
    assert references[1:] == [f"m{hour}@mail.acme.test" for hour in range(11, 30)]


def test_a_ticket_answers_from_the_address_the_customer_wrote_to(agent, alice, support, sink):
    billing = SupportAddress.objects.create(address="billing@tierdesk.test", name="Billing")
    ticket = ticket_open(actor=alice, subject="Invoice", body="Wrong VAT", channel=Channel.EMAIL)
    receive(ticket, "vat@mail.acme.test", T0, to="billing@tierdesk.test")

    outbound = reply(agent, ticket)
    send(outbound)

    mail = sink.received[0].message
    assert parseaddr(mail["From"]) == ("Agent (Billing)", billing.address)
    assert parseaddr(mail["Reply-To"])[1].startswith(f"billing+t{ticket.number}-")
    assert outbound.message_id_header.endswith("@tierdesk.test")


# --- failures, back-off and retries ------------------------------------------------------------


def test_a_temporary_refusal_is_retried_with_back_off_then_fails(agent, mailed_ticket, sink):
    sink.data_reply = "451 4.3.0 Mailbox busy, try again later"
    outbound = reply(agent, mailed_ticket)
    at = outbound.created_at

    for attempt, wait in enumerate([1, 5, 30, 120], start=1):
        assert send(outbound, at) is not None
        assert (outbound.status, outbound.attempts) == (OutboundStatus.QUEUED, attempt)
        assert outbound.reason == "451 4.3.0 Mailbox busy, try again later"
        assert outbound.next_attempt_at == at + timedelta(minutes=wait)
        # Not due yet: nothing is attempted.
        assert send(outbound, at + timedelta(minutes=wait) - timedelta(seconds=1)) is None
        at += timedelta(minutes=wait)

    assert send(outbound, at) is not None
    assert (outbound.status, outbound.attempts) == (OutboundStatus.FAILED, MAX_ATTEMPTS)
    assert outbound.next_attempt_at is None
    assert outbound.reason == "451 4.3.0 Mailbox busy, try again later"
    assert send(outbound, at + timedelta(days=1)) is None
    assert sink.received == []


def test_a_retry_that_goes_through_is_sent(agent, mailed_ticket, sink):
    sink.data_reply = "421 4.7.0 Too many connections"
    outbound = reply(agent, mailed_ticket)
    send(outbound)
    sink.data_reply = ""

    with time_machine.travel(outbound.created_at + timedelta(minutes=1), tick=False):
        assert outbound_send_due() == 1
    outbound.refresh_from_db()

    assert (outbound.status, outbound.attempts, outbound.reason) == (OutboundStatus.SENT, 2, "")
    assert len(sink.received) == 1


def test_a_permanent_refusal_fails_at_once_with_the_reason(agent, mailed_ticket, sink):
    sink.rcpt_reply = "550 5.1.1 <alice@example.test>: Recipient address rejected"
    outbound = reply(agent, mailed_ticket)

    send(outbound)

    assert (outbound.status, outbound.attempts) == (OutboundStatus.FAILED, 1)
    assert "550 5.1.1" in outbound.reason
    assert "alice@example.test" in outbound.reason
    assert outbound.next_attempt_at is None


def test_a_rejected_message_fails_with_the_servers_words(agent, mailed_ticket, sink):
    sink.data_reply = "554 5.7.1 Message rejected as spam"
    outbound = reply(agent, mailed_ticket)

    send(outbound)

    assert outbound.status == OutboundStatus.FAILED
    assert outbound.reason == "554 5.7.1 Message rejected as spam"


def test_an_unreachable_server_is_retried(agent, mailed_ticket, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    outbound = reply(agent, mailed_ticket)

    send(outbound)

    assert (outbound.status, outbound.attempts) == (OutboundStatus.QUEUED, 1)
    assert "ConnectionRefusedError" in outbound.reason
    assert outbound.next_attempt_at == outbound.created_at + timedelta(minutes=1)


def test_a_file_gone_from_storage_fails_the_email(agent, mailed_ticket, sink):
    outbound = reply(agent, mailed_ticket, attachments=[upload("plan.txt")])
    outbound.message.attachments.get().file.delete(save=False)

    send(outbound)

    assert outbound.status == OutboundStatus.FAILED
    assert outbound.reason.startswith("FileNotFoundError")
    assert sink.received == []


def test_a_header_injection_in_a_name_is_written_as_text_and_the_email_is_sent(
    agent, alice, mailed_ticket, sink
):
    agent.first_name = "Eve\r\nBcc: victim@evil.test"
    agent.save()
    support = SupportAddress.objects.get()
    support.name = "Acme\nX-Injected: yes"
    support.save()

    outbound = reply(agent, mailed_ticket)
    send(outbound)

    assert outbound.status == OutboundStatus.SENT
    [received] = sink.received
    assert received.rcpt_tos == [alice.email]
    assert received.message["Bcc"] is None
    assert received.message["X-Injected"] is None
    assert parseaddr(received.message["From"]) == (
        "Eve Bcc: victim@evil.test (Acme X-Injected: yes)",
        "support@tierdesk.test",
    )


def test_a_header_injection_in_a_subject_is_written_as_text_and_the_email_is_sent(
    agent, alice, mailed_ticket, sink
):
    Ticket.objects.filter(pk=mailed_ticket.pk).update(
        subject="Export\r\nBcc: victim@evil.test\x07\u2028X-Injected: yes"
    )
    mailed_ticket.refresh_from_db()
    outbound = reply(agent, mailed_ticket)
    expected = f"Re: [#{mailed_ticket.number}] Export Bcc: victim@evil.test X-Injected: yes"
    assert outbound.subject == expected
    # An email queued with a raw subject (before subjects were cleaned) is cleaned when sent.
    OutboundMail.objects.filter(pk=outbound.pk).update(subject="Hi\r\nBcc: victim@evil.test")

    send(outbound)

    assert outbound.status == OutboundStatus.SENT
    [received] = sink.received
    assert received.rcpt_tos == [alice.email]
    assert received.message["Bcc"] is None
    assert received.message["Subject"] == "Hi Bcc: victim@evil.test"


def test_an_unexpected_error_in_the_send_fails_the_email_with_its_reason(
    agent, mailed_ticket, monkeypatch, caplog
):
    class Broken:
        def send_messages(self, messages):
            raise ValueError("Header values can't contain newlines")

    monkeypatch.setattr("tierdesk.mail.outbound.get_connection", lambda **kw: Broken())
    outbound = reply(agent, mailed_ticket)

    with caplog.at_level(logging.ERROR, logger="tierdesk.mail.outbound"):
        assert send(outbound) is not None

    assert (outbound.status, outbound.attempts) == (OutboundStatus.FAILED, 1)
    assert outbound.reason == "ValueError: Header values can't contain newlines"
    assert outbound.next_attempt_at is None
    assert any(r.exc_info and r.exc_info[0] is ValueError for r in caplog.records)
    # Failed, it is not attempted again until staff send it again.
    with time_machine.travel(outbound.created_at + timedelta(days=1), tick=False):
        assert outbound_send_due() == 0


def test_the_sweep_fails_an_email_with_no_attempt_left_instead_of_sending_it(
    agent, mailed_ticket, sink
):
    outbound = reply(agent, mailed_ticket)
    lease_end = outbound.created_at + timedelta(hours=3)
    # Every attempt's worker died mid-send: the last lease ran out, no attempt is left.
    OutboundMail.objects.filter(pk=outbound.pk).update(
        attempts=MAX_ATTEMPTS, next_attempt_at=lease_end
    )

    with time_machine.travel(lease_end, tick=False):
        assert outbound_send(outbound.pk) is None
        assert outbound_send_due() == 0

    outbound.refresh_from_db()
    assert sink.received == []
    assert (outbound.status, outbound.attempts) == (OutboundStatus.FAILED, MAX_ATTEMPTS)
    assert outbound.reason == f"No outcome after {MAX_ATTEMPTS} attempts: each one was interrupted."
    assert outbound.next_attempt_at is None


def test_a_lost_attempt_is_taken_up_by_the_sweep_after_its_lease(agent, mailed_ticket, sink):
    outbound = reply(agent, mailed_ticket)
    # A worker claimed the attempt and died before sending.
    OutboundMail.objects.filter(pk=outbound.pk).update(
        attempts=1, next_attempt_at=outbound.created_at + timedelta(minutes=10)
    )

    with time_machine.travel(outbound.created_at + timedelta(minutes=9), tick=False):
        assert outbound_send_due() == 0
    with time_machine.travel(outbound.created_at + timedelta(minutes=10), tick=False):
        assert outbound_send_due() == 1

    outbound.refresh_from_db()
    assert (outbound.status, outbound.attempts) == (OutboundStatus.SENT, 2)
    assert len(sink.received) == 1


def test_sending_twice_sends_once(agent, mailed_ticket, sink):
    outbound = reply(agent, mailed_ticket)

    assert send(outbound) is not None
    assert send(outbound) is None
    assert len(sink.received) == 1


def test_staff_send_a_failed_email_again(
    agent, mailed_ticket, sink, django_capture_on_commit_callbacks
):
    sink.rcpt_reply = "550 5.2.1 Mailbox disabled"
    outbound = reply(agent, mailed_ticket)
    send(outbound)
    sink.rcpt_reply = ""

    with immediate_queue(), django_capture_on_commit_callbacks(execute=True):
        outbound_retry(actor=agent, outbound=outbound)

    outbound.refresh_from_db()
    assert (outbound.status, outbound.attempts, outbound.reason) == (OutboundStatus.SENT, 1, "")
    assert len(sink.received) == 1
    with pytest.raises(Conflict):
        outbound_retry(actor=agent, outbound=outbound)


def test_only_staff_who_reply_and_read_the_ticket_send_again(
    agent, alice, reviewer, mailed_ticket, sink
):
    sink.rcpt_reply = "550 5.2.1 Mailbox disabled"
    outbound = reply(agent, mailed_ticket)
    send(outbound)

    with pytest.raises(PermissionDenied):
        outbound_retry(actor=reviewer, outbound=outbound)
    with pytest.raises(PermissionDenied):
        outbound_retry(actor=alice, outbound=outbound)
    ticket_update(actor=agent, ticket=mailed_ticket, changes={"restricted": True})
    with pytest.raises(NotFound):
        outbound_retry(actor=reviewer, outbound=outbound)
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.FAILED


# --- bounces -----------------------------------------------------------------------------------


def test_a_bounce_marks_the_email_and_tells_the_engineer_on_the_ticket(
    agent, alice, mailed_ticket, sink
):
    outbound = reply(agent, mailed_ticket)
    send(outbound)
    at = T0 + timedelta(hours=5)

    with time_machine.travel(at, tick=False):
        marked = outbound_mark_bounced(
            f" <{outbound.message_id_header}> ", "550 5.1.1 The email account does not exist"
        )

    assert marked == outbound
    outbound.refresh_from_db()
    assert (outbound.status, outbound.bounced_at) == (OutboundStatus.BOUNCED, at)
    assert outbound.reason == "550 5.1.1 The email account does not exist"
    note = Message.objects.get(ticket=mailed_ticket, kind=MessageKind.INTERNAL)
    assert note.body_text == (
        f"The reply of 2026-03-02 10:00 UTC to {alice.email} bounced: "
        "550 5.1.1 The email account does not exist"
    )
    assert note.author == agent
    mailed_ticket.refresh_from_db()
    assert mailed_ticket.updated_at == at

    # A second report of the same bounce changes nothing.
    assert outbound_mark_bounced(outbound.message_id_header, "again") == outbound
    assert Message.objects.filter(kind=MessageKind.INTERNAL).count() == 1
    assert not OutboundMail.objects.filter(message=note).exists()


def test_a_bounce_of_mail_the_desk_never_sent_is_ignored(mailed_ticket):
    assert outbound_mark_bounced("<someone-else@example.test>", "550 no such user") is None
    assert outbound_mark_bounced("", "550") is None
    assert not Message.objects.filter(kind=MessageKind.INTERNAL).exists()


def test_a_bounced_email_is_not_sent_again(agent, mailed_ticket, sink):
    outbound = reply(agent, mailed_ticket)
    outbound_mark_bounced(outbound.message_id_header, "550 unknown user")

    assert send(outbound) is None
    with pytest.raises(Conflict):
        outbound_retry(actor=agent, outbound=outbound)
    assert sink.received == []


def test_files_are_attached_with_their_type(agent, mailed_ticket, sink):
    image = NewAttachment(
        filename="screen.png",
        content_type="image/png",
        file=SimpleUploadedFile("screen.png", b"\x89PNG\r\n\x1a\nfake", "image/png"),
    )
    send(reply(agent, mailed_ticket, attachments=[image]))

    attached = sink.received[0].message.get_payload()[1]
    assert (attached.get_filename(), attached.get_content_type()) == ("screen.png", "image/png")
    assert attached.get_payload(decode=True) == b"\x89PNG\r\n\x1a\nfake"


def test_the_demo_history_sends_no_email(db):
    from tierdesk.demo.seed import seed_demo

    seed_demo(tickets=100, seed=7, now=T0)

    staff_replies = Message.objects.filter(kind=MessageKind.PUBLIC, author__role__in=["agent"])
    assert staff_replies.exists()
    assert not OutboundMail.objects.exists()


def test_a_chat_started_with_an_existing_customers_address_is_never_emailed(agent, acme, support):
    make_person("dana", organization=acme)
    chat = chat_start_visitor(
        name="Dana?", email="dana@example.test", message="Show me my tickets"
    ).chat
    assert chat.existing_contact
    chat = chat_take(actor=agent, chat=chat)
    chat_end(chat=chat, actor=agent)

    ticket_reply(actor=agent, ticket=chat.ticket, body="Here is what we have on file.")

    assert not OutboundMail.objects.exists()
