"""Messages reusing a Message-ID: another message with a stored message's Message-ID is a
message of its own (never taken for a duplicate and dropped), and a reply naming that
Message-ID continues the ticket its sender may write to."""

from __future__ import annotations

import pytest

from tierdesk.mail.choices import InboundStatus
from tierdesk.mail.intake import message_fingerprint
from tierdesk.mail.models import InboundMail
from tierdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db

REUSED = "<1234@client.example>"


def test_mail_reusing_a_stored_message_id_with_other_content_is_kept(
    deliver, make_mail, support_address, alice, oscar
):
    # Given an outsider's mail that took the customer's Message-ID first
    forged = deliver(
        make_mail(sender=oscar.email, subject="Ignore this", text="x", message_id=REUSED)
    )

    # When the customer's own mail with that Message-ID arrives
    real = deliver(make_mail(sender=alice.email, message_id=REUSED))

    # Then it is stored and processed as a message of its own, into a ticket of its own
    assert real.pk != forged.pk
    assert real.status == InboundStatus.PROCESSED
    assert real.ticket is not None and real.ticket.requester_id == alice.pk
    assert forged.ticket is not None and forged.ticket_id != real.ticket_id
    assert InboundMail.objects.filter(message_id_header="1234@client.example").count() == 2
    assert real.fingerprint != forged.fingerprint


def test_the_same_message_again_with_transport_headers_is_one_row(make_mail, support_address):
    raw = make_mail(message_id=REUSED)
    relayed = (
        b"Return-Path: <alice@acme.test>\r\nDelivered-To: support@tierdesk.test\r\n"
        b"Received: from mx.acme.test by mx.tierdesk.test; Mon, 1 Jan 2026 10:00:00 +0000\r\n"
        + raw.replace(b"\r\n", b"\n")
    )

    assert message_fingerprint(relayed) == message_fingerprint(raw)
    assert message_fingerprint(raw.replace(b"Dashboards", b"Changed")) != message_fingerprint(raw)
    assert message_fingerprint(raw.replace(b"alice@", b"mallory@")) != message_fingerprint(raw)
    assert message_fingerprint(raw.replace(b"ERR_QUERY", b"ERR_OTHER")) != message_fingerprint(raw)


def test_a_reply_naming_a_reused_message_id_continues_the_senders_ticket(
    deliver, make_mail, support_address, alice, oscar
):
    forged = deliver(make_mail(sender=oscar.email, subject="Forged", message_id=REUSED))
    real = deliver(make_mail(sender=alice.email, message_id=REUSED))

    reply = deliver(
        make_mail(
            sender=alice.email,
            subject="Re: more details",
            text="It also fails on the reports page.",
            headers={"In-Reply-To": REUSED, "References": REUSED},
        )
    )

    assert reply.ticket_id == real.ticket_id != forged.ticket_id
    assert reply.reason == "threaded by references"
    assert Ticket.objects.count() == 2


def test_a_row_stored_before_fingerprints_is_matched_by_its_bytes(make_mail, support_address):
    from tierdesk.mail.intake import inbound_store

    raw = make_mail(message_id=REUSED)
    first = inbound_store(raw, source="smtp")
    InboundMail.objects.filter(pk=first.pk).update(fingerprint="")

    assert inbound_store(b"Received: by relay\r\n" + raw, source="imap").pk == first.pk
    other = inbound_store(raw.replace(b"Dashboards", b"Reports"), source="imap")
    assert other.pk != first.pk and "also that of stored message" in other.reason
