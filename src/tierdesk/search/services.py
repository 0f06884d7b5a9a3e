"""Writing the search index: documents marked stale, and the whole index again after the first
deploy or a change of the analyzer."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from django.db import transaction

from tierdesk.search import backend, documents
from tierdesk.search.models import DocKind, SearchStale, doc_id, doc_parts

logger = logging.getLogger(__name__)

# Documents indexed per transaction: big enough that executemany and the FTS5 segment writes
# amortise, small enough that a writer waiting on SQLite's lock waits well under a second.
STALE_BATCH = 500
REINDEX_BATCH = 2_000


def index_docs(docs: Sequence[int]) -> int:
    """Indexes these documents as they are now (articles and tickets that are gone, restricted
    or merged leave the index). The caller holds a transaction. Returns how many were written."""
    articles = [oid for kind, oid in map(doc_parts, docs) if kind == DocKind.ARTICLE]
    tickets = [oid for kind, oid in map(doc_parts, docs) if kind == DocKind.TICKET]
    written: list[backend.Document] = []
    gone: list[int] = []
    if articles:
        found, missing = documents.article_documents(articles)
        written += found
        gone += [doc_id(DocKind.ARTICLE, i) for i in missing]
    if tickets:
        found, missing = documents.ticket_documents(tickets)
        written += found
        gone += [doc_id(DocKind.TICKET, n) for n in missing]
    # In document order, the order a rebuild writes in, so two writers never wait on each
    # other's rows crosswise (PostgreSQL).
    backend.delete(sorted(gone))
    backend.write(sorted(written, key=lambda d: d.doc))
    return len(written)


def index_stale(docs: Sequence[int] | None = None, *, limit: int | None = None) -> int:
    """Indexes the stale documents (those of `docs` still marked, or every mark), in batches of
    their own transactions, each taking its marks first. Safe to run twice and side by side:
    a document marked again while it is indexed keeps its new mark and is indexed once more.
    Returns how many documents were taken."""
    done = 0
    pending = sorted(set(docs)) if docs is not None else None
    while limit is None or done < limit:
        size = STALE_BATCH if limit is None else min(STALE_BATCH, limit - done)
        with transaction.atomic():
            # Marks a writer holds (its change not yet committed) are passed over: its own
            # indexing after commit takes them (see pending._mark).
            marks = SearchStale.objects.select_for_update(skip_locked=True).order_by("doc")
            if pending is not None:
                if not pending:
                    break
                batch, pending = pending[:size], pending[size:]
                marks = marks.filter(doc__in=batch)
            taken = list(marks.values_list("doc", flat=True)[:size])
            if not taken:
                if pending:
                    continue
                break
            SearchStale.objects.filter(doc__in=taken).delete()
            index_docs(taken)
        done += len(taken)
    return done


def reindex_all(*, progress: Callable[[int], None] | None = None) -> int:
    """Empties the index and indexes every article and ticket again, a batch per transaction;
    leaves no marks behind. For the first deploy and after a change of the analyzer. Returns
    how many documents were indexed.

    Each batch is read and written in one transaction, so a change indexed meanwhile is never
    overwritten with the text from before it: on SQLite the transaction holds the write lock
    from its start (IMMEDIATE), on PostgreSQL the batch's rows stay locked until it commits."""
    started = time.monotonic()
    with transaction.atomic():
        backend.reset()
        SearchStale.objects.all().delete()
    count = 0
    for read in (documents.article_batch, documents.ticket_batch):
        last: int | None = 0
        while last is not None:
            with transaction.atomic():
                batch, last = read(last, REINDEX_BATCH)
                # Not `fresh`: a document changed since the reset may be in the index already.
                backend.write(batch)
            count += len(batch)
            if progress is not None and read is documents.ticket_batch:
                progress(count)
    logger.info("Search index rebuilt: %d documents in %.1f s", count, time.monotonic() - started)
    return count
