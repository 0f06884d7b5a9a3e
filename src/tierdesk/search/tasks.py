"""Background work of search, run by the worker: indexing documents left stale."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tierdesk.search.services import index_stale, reindex_all

logger = logging.getLogger(__name__)

# The minute's task takes at most this many: a backlog larger than that (a bulk import) is the
# queued task's, which takes everything.
PERIODIC_LIMIT = 20_000


@db_periodic_task(crontab(minute="*"))
def search_index_stale_periodic() -> int:
    """Every minute: indexes documents whose indexing after commit did not happen."""
    done = index_stale(limit=PERIODIC_LIMIT)
    if done:
        logger.info("Search: %d stale documents indexed", done)
    return done


@db_task()
def search_index_stale_task() -> int:
    """Indexes every stale document: queued after a transaction marked many at once."""
    return index_stale()


@db_task()
def search_reindex_task() -> int:
    """Rebuilds the whole index (after a change of the analyzer)."""
    return reindex_all()
