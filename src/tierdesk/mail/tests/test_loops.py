"""Mail no person wrote opens nothing: auto-replies, bulk mail, delivery reports and loops are
kept as ignored or held with the reason; a bounce of the desk's reply marks that reply."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tierdesk.mail import loops
from tierdesk.mail.choices import InboundReason, InboundStatus, OutboundStatus
from tierdesk.mail.models import InboundMail
from tierdesk.mail.parsing import parse
from tierdesk.tickets.models import Message, Ticket
from tierdesk.tickets.services import ticket_reply

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"Auto-Submitted": "auto-replied"}, InboundReason.AUTO_REPLY),
        ({"Auto-Submitted": "auto-generated; type=vacation"}, InboundReason.AUTO_REPLY),
        ({"X-Autoreply": "yes"}, InboundReason.AUTO_REPLY),
        ({"X-Autorespond": "Vacation"}, InboundReason.AUTO_REPLY),
        ({"X-Auto-Response-Suppress": "All"}, InboundReason.AUTO_REPLY),
        ({"Precedence": "auto_reply"}, InboundReason.AUTO_REPLY),
        ({"Precedence": "bulk"}, InboundReason.BULK),
        ({"Precedence": "junk"}, InboundReason.BULK),
        ({"Precedence": "list"}, InboundReason.BULK),
    ],
)
def test_robot_headers_are_noise(make_mail, headers, code):
    noise = loops.noise_of(parse(make_mail(headers=headers)))

    assert noise is not None and noise.code == code
    assert next(iter(headers.values())).split(";")[0].lower() in noise.detail.lower()


def test_people_are_not_noise(make_mail):
    assert loops.noise_of(parse(make_mail(headers={"Auto-Submitted": "no"}))) is None
    assert loops.noise_of(parse(make_mail(headers={"X-Auto-Response-Suppress": "None"}))) is None
    assert loops.noise_of(parse(make_mail(subject="Out of office setting does not save"))) is None
    assert loops.noise_of(parse(make_mail(subject="Re: Automatic replies in our product"))) is None


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Dashboards time out",
        "Automatic reply: [#12] Dashboards time out",
        "Autoreply: away",
        "自動返信: [#12] タイムアウト",
        "Автоответ: [#12] Выгрузка",
        "Abwesenheitsnotiz: Frage",
    ],
)
def test_out_of_office_subjects_are_auto_replies(make_mail, subject):
    noise = loops.noise_of(parse(make_mail(subject=subject)))
    assert noise is not None and noise.code == InboundReason.AUTO_REPLY


def _dsn(original_id: str, action: str = "failed", headers_only: bool = False) -> bytes:
    returned = (
        f"Content-Type: text/rfc822-headers\r\n\r\nFrom: support@tierdesk.test\r\n"
        f"Message-ID: <{original_id}>\r\nSubject: Re: [#1] x\r\n"
        if headers_only
        else f"Content-Type: message/rfc822\r\n\r\nFrom: support@tierdesk.test\r\n"
        f"Message-ID: <{original_id}>\r\nSubject: Re: [#1] x\r\n\r\nOur reply\r\n"
    )
    return (
        "From: MAILER-DAEMON@mx.acme.test\r\nTo: support@tierdesk.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.acme.test>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.acme.test\r\n\r\n"
        f"Final-Recipient: rfc822; alice@acme.test\r\nAction: {action}\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        f"--b\r\n{returned}--b--\r\n"
    ).encode()


def test_delivery_reports_name_the_returned_message_and_the_reason():
    for headers_only in (False, True):
        parsed = parse(_dsn("reply-1@tierdesk.test", headers_only=headers_only))
        assert loops.is_bounce(parsed)
        assert loops.bounced_message_ids(parsed) == ["reply-1@tierdesk.test"]
        assert loops.bounce_reason(parsed) == "alice@acme.test: smtp; 550 5.1.1 User unknown"
        assert loops.bounce_failed(parsed)
    assert not loops.bounce_failed(parse(_dsn("reply-1@tierdesk.test", action="delayed")))


def test_a_bounce_of_the_desks_reply_marks_it_and_opens_nothing(
    deliver, support_address, ticket, agent
):
    reply = ticket_reply(actor=agent, ticket=ticket, body="Please clear the cache.")
    outbound = reply.outbound_mail
    tickets_before = Ticket.objects.count()

    row = deliver(_dsn(outbound.message_id_header))

    assert (row.status, row.reason_code) == (InboundStatus.IGNORED, InboundReason.BOUNCE)
    assert "550 5.1.1" in row.reason and outbound.message_id_header in row.reason
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.BOUNCED
    assert "User unknown" in outbound.reason
    assert Ticket.objects.count() == tickets_before
    # The engineer learns it from an internal note on the ticket (written by the outbound side).
    assert Message.objects.filter(ticket=ticket, kind="internal").exists()


def test_a_delay_warning_marks_nothing(deliver, support_address, ticket, agent):
    reply = ticket_reply(actor=agent, ticket=ticket, body="Please clear the cache.")

    row = deliver(_dsn(reply.outbound_mail.message_id_header, action="delayed"))

    assert row.status == InboundStatus.IGNORED
    reply.outbound_mail.refresh_from_db()
    assert reply.outbound_mail.status == OutboundStatus.QUEUED


def test_bounce_marking_uses_the_outbound_side(monkeypatch, deliver, support_address):
    marked = []
    monkeypatch.setattr(loops, "_mark_bounced", lambda mid, reason: marked.append(mid) or True)

    row = deliver(_dsn("someone-elses@tierdesk.test"))

    assert marked == ["someone-elses@tierdesk.test"]
    assert row.status == InboundStatus.IGNORED


def test_auto_replies_open_nothing_and_are_kept(deliver, make_mail, support_address, alice):
    row = deliver(make_mail(sender=alice.email, subject="Out of Office: Dashboards"))

    assert (row.status, row.reason_code) == (InboundStatus.IGNORED, InboundReason.AUTO_REPLY)
    assert row.reason == "Subject: Out of Office: Dashboards"
    assert row.ticket_id is None and not Ticket.objects.exists()
    assert bytes(row.raw).startswith(b"From:") or b"Subject:" in bytes(row.raw)


def test_mail_from_a_support_address_is_a_loop(deliver, make_mail, support_address):
    row = deliver(make_mail(sender="Tierdesk <support@tierdesk.test>"))
    assert (row.status, row.reason_code) == (InboundStatus.IGNORED, InboundReason.OWN_MAIL)


def test_a_sender_over_the_hourly_limit_is_held(
    deliver, make_mail, support_address, alice, settings
):
    settings.TIERDESK_MAIL_SENDER_LIMIT_PER_HOUR = 3
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        rows = [deliver(make_mail(sender=alice.email, subject=f"Loop {n}")) for n in range(4)]
    assert [r.status for r in rows] == [InboundStatus.PROCESSED] * 3 + [InboundStatus.HELD]
    assert rows[3].reason_code == InboundReason.SENDER_LIMIT
    assert "3 messages" in rows[3].reason
    # An hour later the sender writes again freely; nothing was deleted.
    with time_machine.travel(start + timedelta(hours=1, minutes=1), tick=False):
        later = deliver(make_mail(sender=alice.email, subject="Next day"))
    assert later.status == InboundStatus.PROCESSED
    assert InboundMail.objects.filter(from_address=alice.email).count() == 5
