"""The ticket's reply address: signed so only the desk's own mail names a ticket, and the support
address a ticket's email goes out from."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from tierdesk.mail.addresses import (
    address_with_token,
    reply_address,
    sender,
    support_address_for,
    ticket_number_from_address,
)
from tierdesk.mail.choices import InboundSource
from tierdesk.mail.models import InboundMail, SupportAddress
from tierdesk.tickets.choices import Channel
from tierdesk.tickets.services import ticket_open, ticket_update

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def receive(ticket, to: list[str], at: datetime = T0) -> InboundMail:
    raw = f"Message-ID: <{at.timestamp()}@x>\r\n\r\nHi\r\n".encode()
    return InboundMail.objects.create(
        source=InboundSource.SMTP,
        recipients=to,
        raw=raw,
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        message_id_header=f"{at.timestamp()}@x",
        received_at=at,
        ticket=ticket,
    )


@pytest.fixture
def default(db) -> SupportAddress:
    return SupportAddress.objects.create(
        address="support@tierdesk.test", name="Acme Support", is_default=True
    )


# --- the signed token --------------------------------------------------------------------------


def test_the_reply_address_names_its_ticket(ticket, default):
    address = reply_address(ticket)

    local, _, domain = address.partition("@")
    assert domain == "tierdesk.test"
    assert local.startswith(f"support+t{ticket.number}-")
    assert 8 <= len(local.rpartition("-")[2]) <= 10
    assert ticket_number_from_address(address) == ticket.number


@pytest.mark.parametrize(
    "written",
    [
        "{address}",
        "{upper}",
        "Acme Support <{address}>",
        '"Support, Acme" <{upper}>',
    ],
)
def test_the_token_is_read_from_any_way_of_writing_the_address(written, default):
    address = address_with_token("support@tierdesk.test", 1042)

    value = written.format(address=address, upper=address.upper())

    assert ticket_number_from_address(value) == 1042


def test_a_forged_or_missing_token_names_no_ticket(default):
    genuine = address_with_token("support@tierdesk.test", 7)
    local, _, domain = genuine.partition("@")
    signature = local.rpartition("-")[2]
    other_signature = address_with_token("support@tierdesk.test", 8).split("@")[0][
        -len(signature) :
    ]

    assert ticket_number_from_address(f"support+t8-{signature}@{domain}") is None
    assert ticket_number_from_address(f"support+t7-{other_signature}@{domain}") is None
    assert ticket_number_from_address(f"support+t7-{signature[:-1]}@{domain}") is None
    assert ticket_number_from_address(f"support+t7@{domain}") is None
    assert ticket_number_from_address("support@tierdesk.test") is None
    assert ticket_number_from_address("not an address") is None
    assert ticket_number_from_address("") is None


def test_the_signature_depends_on_the_secret_key(settings):
    old = address_with_token("support@tierdesk.test", 12)

    settings.SECRET_KEY = "a new key " * 6

    assert address_with_token("support@tierdesk.test", 12) != old
    assert ticket_number_from_address(old) is None


def test_replies_to_mail_sent_before_a_key_rotation_still_thread(settings):
    before = settings.SECRET_KEY
    old = address_with_token("support@tierdesk.test", 12)

    settings.SECRET_KEY = "a new key " * 6
    settings.SECRET_KEY_FALLBACKS = [before]

    assert ticket_number_from_address(old) == 12
    settings.SECRET_KEY_FALLBACKS = []
    assert ticket_number_from_address(old) is None


def test_an_address_with_a_tag_keeps_it_before_the_token(default):
    address = address_with_token("support+acme@tierdesk.test", 5)

    assert address.startswith("support+acme+t5-")
    assert ticket_number_from_address(address) == 5


# --- which support address ---------------------------------------------------------------------


def test_the_ticket_answers_from_the_address_its_latest_mail_came_to(alice, default):
    billing = SupportAddress.objects.create(address="billing@tierdesk.test", name="Billing")
    sales = SupportAddress.objects.create(address="Sales@Tierdesk.test")
    ticket = ticket_open(actor=alice, subject="Invoice", body="VAT", channel=Channel.EMAIL)
    receive(ticket, ["billing@tierdesk.test"], T0)
    # A later answer to the ticket's reply address counts for the address it is a tag of.
    tagged = receive(
        ticket, ["someone@elsewhere.test", "SALES+t1-0000@tierdesk.test"], T0 + timedelta(1)
    )

    assert support_address_for(ticket) == sales
    assert sender(ticket) == ("", "Sales@Tierdesk.test")
    receive(ticket, ["nobody@elsewhere.test"], T0 + timedelta(2))
    assert support_address_for(ticket) == sales
    tagged.delete()
    assert support_address_for(ticket) == billing


def test_else_the_address_of_the_tickets_group_else_the_default(ticket, agent, default, group):
    assert support_address_for(ticket) == default
    assert sender(ticket) == ("Acme Support", "support@tierdesk.test")

    engine = SupportAddress.objects.create(
        address="engine@tierdesk.test", brand="Query Engine", group=group
    )
    ticket_update(actor=agent, ticket=ticket, changes={"group": group.pk})
    ticket.refresh_from_db()

    assert support_address_for(ticket) == engine
    assert sender(ticket) == ("Query Engine", "engine@tierdesk.test")
    assert reply_address(ticket).startswith(f"engine+t{ticket.number}-")


def test_without_support_addresses_the_desk_sends_from_its_default_address(ticket, settings):
    settings.DEFAULT_FROM_EMAIL = "Tierdesk Help <help@tierdesk.test>"

    assert support_address_for(ticket) is None
    assert sender(ticket) == ("Tierdesk Help", "help@tierdesk.test")
    assert reply_address(ticket).startswith(f"help+t{ticket.number}-")
    assert ticket_number_from_address(reply_address(ticket)) == ticket.number
