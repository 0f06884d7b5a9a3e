"""Reads of inbound mail and support addresses, scoped to who asks.

Staff read inbound mail; mail that became part of a restricted ticket only by those who may
read the ticket (its raw bytes hold the same text). Customers read none of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from tierdesk.accounts.models import User
from tierdesk.core.errors import NotFound, PermissionDenied
from tierdesk.core.pagination import ID_MAX, page_limit
from tierdesk.mail.choices import InboundStatus
from tierdesk.mail.intake import can_read_mail
from tierdesk.mail.models import InboundMail, SupportAddress
from tierdesk.mail.parsing import decode_header_value
from tierdesk.tickets.models import Ticket

# What a list shows needs neither the raw bytes nor the quoted history.
LIST_DEFERRED = ("raw", "quoted_text")
# The list's filters: one status, the ones waiting for a person, or all.
ATTENTION = "attention"
ALL = "all"
STATUS_FILTERS = (ATTENTION, *InboundStatus.values, ALL)
HEADER_BLOCK_MAX = 64 * 1024


def _require_staff(user: User) -> None:
    if not can_read_mail(user):
        raise PermissionDenied(_("Only staff read inbound mail."))


def inbound_visible_to(user: User) -> QuerySet[InboundMail]:
    """The inbound mail `user` may read, unordered. PermissionDenied for customers."""
    _require_staff(user)
    named = Ticket.restricted_to.through.objects.filter(user_id=user.pk).values("ticket_id")
    return InboundMail.objects.filter(
        Q(ticket__isnull=True) | Q(ticket__restricted=False) | Q(ticket_id__in=named)
    )


def _status_filter(mail: QuerySet[InboundMail], status: str) -> QuerySet[InboundMail]:
    if status == ATTENTION:
        return mail.filter(status__in=[InboundStatus.QUARANTINED, InboundStatus.HELD])
    if status in InboundStatus.values:
        return mail.filter(status=status)
    return mail


def inbound_list(
    user: User, *, status: str = ALL, before: int | None = None, limit: int = 50
) -> list[InboundMail]:
    """Inbound mail newest first, in one status (or ATTENTION: quarantined and held; ALL);
    `before` is the id of the last row of the previous page. Two queries whatever the page."""
    mail = _status_filter(inbound_visible_to(user), status)
    if before is not None:
        mail = mail.filter(pk__lt=min(before, ID_MAX))
    return list(
        mail.select_related("ticket", "mailbox")
        .defer(*LIST_DEFERRED)
        .order_by("-pk")[: page_limit(limit)]
    )


def inbound_counts(user: User) -> dict[str, int]:
    """How many messages each status holds, with ATTENTION and ALL, for the list's tabs."""
    rows = inbound_visible_to(user).values("status").annotate(n=Count("pk")).order_by()
    counts = {status: 0 for status in InboundStatus.values}
    for row in rows:
        counts[row["status"]] = row["n"]
    counts[ATTENTION] = counts[InboundStatus.QUARANTINED] + counts[InboundStatus.HELD]
    counts[ALL] = sum(counts[status] for status in InboundStatus.values)
    return counts


def inbound_get(user: User, inbound_id: int) -> InboundMail:
    """The message, or NotFound when it does not exist or `user` may not read it."""
    found = (
        inbound_visible_to(user)
        .select_related("ticket", "mailbox", "message")
        .filter(pk=min(inbound_id, ID_MAX))
        .first()
    )
    if found is None:
        raise NotFound(_("No such message."))
    return found


@dataclass(frozen=True)
class Header:
    name: str
    value: str


def inbound_headers(inbound: InboundMail) -> list[Header]:
    """The message's headers in order, decoded, read from the stored bytes' header block."""
    raw = bytes(inbound.raw)[:HEADER_BLOCK_MAX]
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=len(raw))
    block = raw[:end].decode("utf-8", errors="surrogateescape")
    headers: list[Header] = []
    for line in block.replace("\r\n", "\n").split("\n"):
        if line[:1] in {" ", "\t"} and headers:
            last = headers[-1]
            headers[-1] = Header(last.name, f"{last.value} {line.strip()}")
        elif ":" in line:
            name, _colon, value = line.partition(":")
            headers.append(Header(name.strip(), value.strip()))
    return [Header(h.name, decode_header_value(h.value)) for h in headers]


def support_addresses() -> QuerySet[SupportAddress]:
    """Every support address, the default first, with its group."""
    return SupportAddress.objects.select_related("group").order_by("-is_default", "address")


def support_address_list(user: User) -> list[SupportAddress]:
    _require_staff(user)
    return list(support_addresses())


def support_address_get(user: User, address_id: int) -> SupportAddress:
    _require_staff(user)
    found = support_addresses().filter(pk=min(address_id, ID_MAX)).first()
    if found is None:
        raise NotFound(_("No such support address."))
    return found
