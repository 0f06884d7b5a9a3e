"""Which tickets' clocks must be computed again: marked in the transaction that changed their
history, computed right after it commits, and by the sweep should that ever not happen."""

from __future__ import annotations

import logging
from collections.abc import Collection

from django.db import transaction

from tierdesk.sla.models import SlaStale
from tierdesk.tickets.choices import EventKind

logger = logging.getLogger(__name__)

# The changes that move a clock: messages, status, the fields a policy matches on, and merges.
RELEVANT_KINDS = frozenset({EventKind.CREATED, EventKind.MESSAGE, EventKind.MERGED})
RELEVANT_FIELDS = frozenset(
    {
        "status",
        "priority",
        "tags",
        "channel",
        "organization",
        "first_responded_at",
        "group",
        "chat_taken",
    }
)


def is_relevant(kind: str, field: str) -> bool:
    if kind in RELEVANT_KINDS:
        return True
    return kind in {EventKind.CHANGED, EventKind.ROUTED} and field in RELEVANT_FIELDS


def history_changed(ticket_ids: Collection[int], changes: Collection[tuple[str, str]]) -> None:
    """The tickets listener: marks the tickets stale and computes them once the change commits."""
    if not any(is_relevant(kind, field) for kind, field in changes):
        return
    mark_stale(ticket_ids)


def mark_stale(ticket_ids: Collection[int]) -> None:
    ids = sorted(set(ticket_ids))
    if not ids:
        return
    SlaStale.objects.bulk_create([SlaStale(ticket_id=i) for i in ids], ignore_conflicts=True)
    # Outside a transaction the ticket row may not hold the change yet; the mark stays for the
    # next read or sweep.
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _refresh_after_commit(ids))


def _refresh_after_commit(ids: list[int]) -> None:
    # The change itself has committed: a failure here must not fail it. The marks stay, and
    # the next read of the ticket or the sweep computes the clocks.
    from tierdesk.sla.services import clocks_refresh_stale

    try:
        clocks_refresh_stale(ids)
    except Exception:
        logger.exception("SLA clocks of tickets %s not computed; the sweep will retry", ids)


def mark_unsolved_stale() -> int:
    """Marks every unsolved ticket stale without computing it now: after a change of policies
    or calendars the sweep brings their clocks up to date in batches. Returns how many."""
    from django.db.models import Exists, OuterRef

    from tierdesk.tickets.choices import UNSOLVED_STATUSES
    from tierdesk.tickets.models import Ticket

    numbers = list(
        Ticket.objects.filter(status__in=UNSOLVED_STATUSES)
        .exclude(Exists(SlaStale.objects.filter(ticket_id=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    for start in range(0, len(numbers), 5000):
        SlaStale.objects.bulk_create(
            [SlaStale(ticket_id=n) for n in numbers[start : start + 5000]], ignore_conflicts=True
        )
    return len(numbers)
