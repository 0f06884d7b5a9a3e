"""Which ticket an email continues.

In order: the Message-IDs of In-Reply-To and References (the latest first) that name mail of a
ticket, the desk's or the customer's; the ticket number in the subject ("[#123]", as the desk's
email writes it); the signed ticket token of the address the mail was sent to
(mail.addresses.ticket_number_from_address). A ticket found any of these ways is taken only
when the sender may write to it: its requester, or a colleague in the requester's organization
(the requester alone for a restricted ticket). Otherwise the mail opens a new ticket, so nobody
writes into someone else's ticket by quoting its number.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence

from tierdesk.accounts.models import User
from tierdesk.mail.models import InboundMail, OutboundMail
from tierdesk.mail.parsing import ParsedMail
from tierdesk.tickets.models import Ticket

logger = logging.getLogger(__name__)

SUBJECT_NUMBER = re.compile(r"\[#(\d{1,18})\]")
# A ticket merged into another is followed to where the conversation went, this many hops at most.
MERGE_HOPS = 5
# References beyond this many (the latest) are not looked up: a thread of hundreds is a loop.
REFERENCES_MAX = 50


def ticket_number_in_subject(subject: str) -> int | None:
    """The number of the last "[#123]" in the subject (replies prepend, so the last is the
    desk's own), or None."""
    found = SUBJECT_NUMBER.findall(subject or "")
    return int(found[-1]) if found else None


def _number_from_address(address: str) -> int | None:
    # Imported at call time so a test can replace it; the module is the outbound side's.
    try:
        from tierdesk.mail.addresses import ticket_number_from_address
    except ImportError:  # pragma: no cover - ships with the app
        return None
    return ticket_number_from_address(address)


def ticket_number_in_addresses(addresses: Iterable[str]) -> int | None:
    """The ticket number named by the signed token of the first recipient that carries one."""
    for address in addresses:
        number = _number_from_address(address)
        if number is not None:
            return number
    return None


def tickets_by_reference(message_ids: Sequence[str]) -> list[int]:
    """Ticket numbers of the desk's and the customers' mail named by `message_ids`, in the
    order of `message_ids`. A Message-ID several stored messages reuse names each of their
    tickets (the oldest first): find_ticket takes the one the sender may write to."""
    ids = [m for m in message_ids if m][-REFERENCES_MAX:]
    if not ids:
        return []
    found: dict[str, list[int]] = {}
    for message_id, number in OutboundMail.objects.filter(message_id_header__in=ids).values_list(
        "message_id_header", "ticket_id"
    ):
        found.setdefault(message_id, []).append(number)
    for message_id, number in (
        InboundMail.objects.filter(message_id_header__in=ids, ticket__isnull=False)
        # Repeats the condition of the partial unique index on the Message-ID, so SQLite reads
        # the index rather than every stored message.
        .exclude(message_id_header="")
        .values_list("message_id_header", "ticket_id")
        .order_by("received_at", "pk")
    ):
        numbers = found.setdefault(message_id, [])
        if number not in numbers:
            numbers.append(number)
    return [number for m in ids for number in found.get(m, [])]


def may_write(sender: User, ticket: Ticket) -> bool:
    """Whether mail from `sender` may continue `ticket`: its requester, or (unless restricted)
    a contact of the same organization."""
    if ticket.requester_id == sender.pk:
        return True
    if ticket.restricted or sender.organization_id is None:
        return False
    return ticket.organization_id == sender.organization_id


def _followed(ticket: Ticket) -> Ticket:
    """The ticket a merged ticket went into (a few hops at most)."""
    for _hop in range(MERGE_HOPS):
        if ticket.merged_into_id is None:
            break
        target = Ticket.objects.filter(pk=ticket.merged_into_id).first()
        if target is None:
            break
        ticket = target
    return ticket


def candidate_numbers(parsed: ParsedMail, recipients: Sequence[str]) -> list[tuple[str, int]]:
    """Every (way, ticket number) the mail names, best first."""
    candidates: list[tuple[str, int]] = []
    references = list(reversed(parsed.in_reply_to)) + list(reversed(parsed.references))
    for number in tickets_by_reference(references):
        candidates.append(("references", number))
    in_subject = ticket_number_in_subject(parsed.subject)
    if in_subject is not None:
        candidates.append(("subject", in_subject))
    by_token = ticket_number_in_addresses([*recipients, *parsed.to, *parsed.cc])
    if by_token is not None:
        candidates.append(("address", by_token))
    return candidates


def find_ticket(
    parsed: ParsedMail, *, sender: User, recipients: Sequence[str]
) -> tuple[Ticket | None, str]:
    """The ticket the mail continues and how it was found ("references", "subject", "address"),
    or (None, "") for a new conversation. A ticket named but not the sender's is skipped (and
    logged), and the next way is tried."""
    seen: set[int] = set()
    for way, number in candidate_numbers(parsed, recipients):
        if number in seen:
            continue
        seen.add(number)
        ticket = Ticket.objects.filter(pk=number).first()
        if ticket is None:
            continue
        ticket = _followed(ticket)
        if may_write(sender, ticket):
            return ticket, way
        logger.info(
            "Mail from %s names ticket #%s (%s) but the sender may not write to it",
            sender.email,
            number,
            way,
        )
    return None, ""
