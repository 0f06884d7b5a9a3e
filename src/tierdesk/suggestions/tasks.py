"""Background work of suggestions, run by the worker: encoding articles a large change left to
it, the hourly catch-up of missing or stale vectors, and ending portal drafts gone quiet."""

from __future__ import annotations

import logging
from dataclasses import asdict

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tierdesk.suggestions.services import drafts_close_quiet
from tierdesk.suggestions.vectors import vectors_fill_missing, vectors_refresh

logger = logging.getLogger(__name__)


@db_task()
def vectors_refresh_task(article_ids: list[int]) -> int:
    """Encodes the given articles (those whose text changed). Safe to run twice."""
    return vectors_refresh(article_ids)


@db_periodic_task(crontab(minute="17"))
def vectors_fill_missing_task() -> int:
    """Hourly: encodes articles with no vector or one of text since changed (an encoding that
    failed after commit, the first run after installing the model)."""
    done = vectors_fill_missing()
    if done:
        logger.info("Encoded %d articles missing a vector or with a stale one", done)
    return done


@db_periodic_task(crontab(minute="*/5"))
def drafts_close_quiet_task() -> dict[str, int]:
    """Every five minutes: portal drafts quiet for an hour end, deflected when the customer
    opened an article from them, abandoned otherwise. Safe to run twice."""
    return asdict(drafts_close_quiet())
