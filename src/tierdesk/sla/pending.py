"""Which tickets' clocks must be computed again: marked in the transaction that changed their
history, computed right after it commits, and by the sweep should that ever not happen."""

from __future__ import annotations

import logging
from collections.abc import Collection

from django.db import transaction
from django.db.models import Q

from tierdesk.sla.models import SlaSetupVersion, SlaStale
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
# Up to this many tickets one transaction marks are computed right after its commit, in the
# writer's process (a batch of mail is 50); more (routing a thousand tickets at once, a setup
# change, a large customer's new plan) go to the worker in batches.
COMPUTE_AFTER_COMMIT_MAX = 100
INSERT_BATCH = 5000


def is_relevant(kind: str, field: str) -> bool:
    if kind in RELEVANT_KINDS:
        return True
    return kind in {EventKind.CHANGED, EventKind.ROUTED} and field in RELEVANT_FIELDS


def history_changed(ticket_ids: Collection[int], changes: Collection[tuple[str, str]]) -> None:
    """The tickets listener: marks the tickets stale and computes them once the change commits."""
    if not any(is_relevant(kind, field) for kind, field in changes):
        return
    mark_stale(ticket_ids)


class _Flush:
    """The computation after commit of every ticket one transaction marked: a change of four
    fields records four events, and each would otherwise compute the ticket once more."""

    def __init__(self) -> None:
        self.ids: set[int] = set()

    def __call__(self) -> None:
        # The change itself has committed: a failure here must not fail it. The marks stay,
        # and the next read of the ticket or the sweep computes the clocks.
        from tierdesk.sla.services import clocks_refresh_stale

        ids = sorted(self.ids)
        if len(ids) > COMPUTE_AFTER_COMMIT_MAX:
            # A bulk change (routing a thousand tickets at once): the worker computes them, so
            # the writer's request or batch is not held up by it.
            queue_refresh()
            return
        try:
            clocks_refresh_stale(ids)
        except Exception:
            logger.exception("SLA clocks of tickets %s not computed; the sweep will retry", ids)


def _flush() -> _Flush | None:
    """This transaction's flush, registered once. Any flush still registered may take more
    ids: its savepoints are either enclosing this one (rolling one back drops the flush, and
    the marks and events written here with it) or already released, which nothing can roll
    back any more (a rollback drops the callbacks of the savepoint rolled back only). So a
    batch that writes each message in a savepoint of its own computes its tickets once,
    together. None outside a transaction."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return None
    for _savepoints, func, _robust in reversed(connection.run_on_commit):
        if isinstance(func, _Flush):
            return func
    flush = _Flush()
    transaction.on_commit(flush)
    return flush


def mark_stale(ticket_ids: Collection[int]) -> None:
    ids = set(ticket_ids)
    if not ids:
        return
    SlaStale.objects.bulk_create(
        [SlaStale(ticket_id=i) for i in sorted(ids)], ignore_conflicts=True
    )
    # Outside a transaction the ticket row may not hold the change yet; the mark stays for the
    # next read or sweep.
    flush = _flush()
    if flush is not None:
        flush.ids.update(ids)


def hold_setup_shared() -> None:
    """Takes the setup row in share mode for this transaction (PostgreSQL): a computation of
    clocks holds it, so a change of the setup, or of what policies match on, which takes it
    exclusively before it writes anything (lock_setup), waits for running computations and
    they wait for it. Without that, a computation could delete a mark the change just wrote
    and compute with what it read before, or wait on clocks the change holds while the change
    waits on its marks."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {SlaSetupVersion._meta.db_table} WHERE id = 1 FOR SHARE")


def lock_setup() -> None:
    """Takes the setup row exclusively for this transaction (see hold_setup_shared)."""
    if SlaSetupVersion.objects.select_for_update().filter(pk=1).first() is None:
        SlaSetupVersion.objects.get_or_create(pk=1, defaults={"token": ""})


def mark_unsolved_stale(condition: Q | None = None, *, compute: bool = True) -> int:
    """Marks every unsolved ticket (or those matching `condition`) stale, after a change of what
    their policies match on. A few are computed right after the commit; more are left to a task
    the commit queues, which computes them in batches, each its own transaction (the sweep's
    share of stale tickets catches up with anything it misses). With `compute` False the marks
    are left to the caller. Returns how many tickets were marked.

    Takes the setup lock first, so no computation is deleting marks or writing clocks while
    these are written (see hold_setup_shared)."""
    from tierdesk.tickets.choices import UNSOLVED_STATUSES
    from tierdesk.tickets.models import Ticket

    lock_setup()
    tickets = Ticket.objects.filter(status__in=UNSOLVED_STATUSES)
    if condition is not None:
        tickets = tickets.filter(condition)
    numbers = list(tickets.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(numbers), INSERT_BATCH):
        SlaStale.objects.bulk_create(
            [SlaStale(ticket_id=n) for n in numbers[start : start + INSERT_BATCH]],
            ignore_conflicts=True,
        )
    if not numbers or not compute:
        return len(numbers)
    if len(numbers) <= COMPUTE_AFTER_COMMIT_MAX:
        flush = _flush()
        if flush is not None:
            flush.ids.update(numbers)
            return len(numbers)
    transaction.on_commit(queue_refresh)
    return len(numbers)


def queue_refresh() -> None:
    """Queues the worker's computation of every stale ticket."""
    # Imported here: the tasks load the sweep, which ticket writes have no use for.
    from tierdesk.sla.tasks import sla_refresh_stale_task

    sla_refresh_stale_task()
