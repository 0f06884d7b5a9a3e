"""Which documents the index must take again: marked in the transaction that changed them,
indexed right after it commits, and by the minute's task should that ever not happen."""

from __future__ import annotations

import logging
from collections.abc import Collection

from django.db import connection, transaction

from tierdesk.search.models import DocKind, SearchStale, doc_id
from tierdesk.tickets.choices import EventKind

logger = logging.getLogger(__name__)

# The changes that change a ticket's text, its permission scope or a filter's value.
RELEVANT_KINDS = frozenset({EventKind.CREATED, EventKind.MESSAGE, EventKind.NOTE, EventKind.MERGED})
RELEVANT_FIELDS = frozenset(
    {
        "subject",
        "status",
        "organization",
        "requester",
        "product_area",
        "language",
        "restricted",
        "merged_into",
    }
)
# Up to this many documents one transaction marks are indexed right after its commit, in the
# writer's process; more (a bulk import, routing thousands at once) go to the worker.
INDEX_AFTER_COMMIT_MAX = 500
# Marks written per statement (SQLite allows 32,766 parameters).
_MARK_ROWS = 5_000


def is_relevant(kind: str, field: str) -> bool:
    if kind in RELEVANT_KINDS:
        return True
    return kind in {EventKind.CHANGED, EventKind.ROUTED} and field in RELEVANT_FIELDS


def history_changed(ticket_ids: Collection[int], changes: Collection[tuple[str, str]]) -> None:
    """The tickets listener (tickets.events.HISTORY_LISTENERS)."""
    if any(is_relevant(kind, field) for kind, field in changes):
        mark_stale([doc_id(DocKind.TICKET, n) for n in ticket_ids])


def articles_changed(article_ids: Collection[int]) -> None:
    """The articles listener (knowledge.events.ARTICLE_LISTENERS)."""
    mark_stale([doc_id(DocKind.ARTICLE, i) for i in article_ids])


class _Flush:
    """The indexing after commit of every document one transaction marked, once."""

    def __init__(self) -> None:
        self.docs: set[int] = set()
        self.done = False

    def __call__(self) -> None:
        self.done = True
        # The change has committed: a failure here must not fail it. The marks stay for the
        # minute's task.
        from tierdesk.search.services import index_stale

        if len(self.docs) > INDEX_AFTER_COMMIT_MAX:
            queue_index()
            return
        try:
            index_stale(sorted(self.docs))
        except Exception:
            logger.exception("Search documents %s not indexed; the task will retry", self.docs)


def _flush() -> _Flush | None:
    """This transaction's flush, registered once (see sla.pending._flush for why any flush still
    registered may take more documents). None outside a transaction."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return None
    for _savepoints, func, _robust in reversed(connection.run_on_commit):
        # A flush that ran already (a test's captured callbacks stay in the list) takes no more.
        if isinstance(func, _Flush) and not func.done:
            return func
    flush = _Flush()
    transaction.on_commit(flush)
    return flush


def mark_stale(docs: Collection[int]) -> None:
    docs = set(docs)
    if not docs:
        return
    _mark(sorted(docs))
    flush = _flush()
    if flush is not None:
        flush.docs.update(docs)
    else:
        # Autocommit: whatever marked them has already committed.
        flush = _Flush()
        flush.docs.update(docs)
        flush()


def _mark(docs: list[int]) -> None:
    """Writes the marks and holds them until this transaction ends. A mark that is there already
    is updated rather than passed over (ON CONFLICT DO NOTHING takes no lock): an indexing that
    would take it now waits for this change to commit or skips it, and this change's own
    indexing after commit finds it. Otherwise an indexing of an earlier change could take the
    mark, index the text before this change, and leave nothing for this change to heal."""
    table = SearchStale._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(docs), _MARK_ROWS):
            chunk = docs[start : start + _MARK_ROWS]
            values = ", ".join(["(%s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (doc) VALUES {values} "
                "ON CONFLICT (doc) DO UPDATE SET doc = excluded.doc",
                chunk,
            )


def queue_index() -> None:
    from tierdesk.search.tasks import search_index_stale_task

    search_index_stale_task()
