"""The addresses a ticket's email goes out from and comes back to.

Each ticket answers from one support address: the one its customer wrote to, else its group's,
else the default. Replies carry a Reply-To naming the ticket in a signed token,
`support+t<number>-<sig>@example.com`, so a customer's answer threads to the right ticket even
when their mail client drops the subject and the In-Reply-To header. The signature (a keyed hash
of the number) keeps a sender from writing into a ticket by guessing its number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.utils import parseaddr

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from tierdesk.mail.models import InboundMail, SupportAddress
from tierdesk.tickets.models import Ticket

SIGNATURE_CHARS = 10
_SALT = "tierdesk.mail.reply-address"
# The token is the last `+` part of the local part: `+t<number>-<hex signature>`.
_TOKEN = re.compile(rf"\+t(?P<number>[0-9]{{1,18}})-(?P<sig>[0-9a-f]{{{SIGNATURE_CHARS}}})$")
# How many of a ticket's latest inbound messages are searched for the address they came to.
_INBOUND_LOOKBACK = 20


def _signature(number: int, secret: str) -> str:
    return salted_hmac(_SALT, str(number), secret=secret, algorithm="sha256").hexdigest()[
        :SIGNATURE_CHARS
    ]


def bare_address(value: str) -> str:
    """The address of `value` ("Name <a@b>" or "a@b"), lower-cased; "" when there is none."""
    address = parseaddr(value or "")[1].strip().lower()
    return address if "@" in address else ""


def without_tag(address: str) -> str:
    """`local+tag@domain` as `local@domain`, lower-cased: the address a tagged one is for."""
    address = bare_address(address)
    if not address:
        return ""
    local, _, domain = address.rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _address_by_recipient(
    addresses: Iterable[SupportAddress], recipients: Iterable[str]
) -> SupportAddress | None:
    by_address = {a.address.lower(): a for a in addresses}
    for recipient in recipients:
        found = by_address.get(bare_address(str(recipient))) or by_address.get(
            without_tag(str(recipient))
        )
        if found is not None:
            return found
    return None


def support_address_for(ticket: Ticket) -> SupportAddress | None:
    """The support address the ticket's email goes out from: the one named by the latest inbound
    message of the ticket that was sent to one; else one whose group is the ticket's group (the
    default one first, then by address); else the default address. None when the desk has no
    support address; the sender is then DEFAULT_FROM_EMAIL."""
    addresses = list(SupportAddress.objects.all())
    if not addresses:
        return None
    inbound = InboundMail.objects.filter(ticket_id=ticket.pk).order_by("-received_at", "-id")
    for recipients in inbound.values_list("recipients", flat=True)[:_INBOUND_LOOKBACK]:
        found = _address_by_recipient(addresses, recipients if isinstance(recipients, list) else [])
        if found is not None:
            return found
    if ticket.group_id is not None:
        of_group = [a for a in addresses if a.group_id == ticket.group_id]
        if of_group:
            return sorted(of_group, key=lambda a: (not a.is_default, a.address))[0]
    return next((a for a in addresses if a.is_default), None)


def sender(ticket: Ticket) -> tuple[str, str]:
    """(name, address) of the ticket's support address, for the From of its email. Without a
    support address: the name and address of DEFAULT_FROM_EMAIL ("Name <a@b>" or "a@b")."""
    address = support_address_for(ticket)
    if address is not None:
        return (address.name or address.brand, address.address)
    name, fallback = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return (name, fallback or settings.DEFAULT_FROM_EMAIL)


def address_with_token(address: str, number: int) -> str:
    """`address` tagged with the signed token of ticket `number`."""
    local, _, domain = address.rpartition("@")
    return f"{local}+t{number}-{_signature(number, settings.SECRET_KEY)}@{domain}"


def reply_address(ticket: Ticket) -> str:
    """The address a customer's answer to the ticket's email goes to: the ticket's sending
    address with the signed token of its number, e.g. `support+t1042-3f9a0c2b7d@example.com`."""
    return address_with_token(sender(ticket)[1], ticket.number)


def ticket_number_from_address(address: str) -> int | None:
    """The ticket number an address's token names ("Name <a+t12-sig@b>" or "a+t12-sig@b"), or
    None when it has no token or its signature does not match (under SECRET_KEY or one of
    SECRET_KEY_FALLBACKS, so rotating the key keeps replies to earlier mail threading)."""
    bare = bare_address(address)
    if not bare:
        return None
    match = _TOKEN.search(bare.rpartition("@")[0])
    if match is None:
        return None
    number = int(match["number"])
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        if constant_time_compare(match["sig"], _signature(number, secret)):
            return number
    return None
