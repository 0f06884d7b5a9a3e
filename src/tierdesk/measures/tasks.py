"""Background work of measures: keeping the daily KPI rollups current."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from tierdesk.measures.rollups import rollups_advance, rollups_refresh

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
@lock_task("kpi-rollups")
def kpi_rollups_task() -> int:
    """Every minute: moves each zone's rollups past a day that has ended, then counts the
    tickets whose history changed again (in batches until none are left)."""
    marked = rollups_advance()
    counted = 0
    while done := rollups_refresh():
        counted += done
    if marked or counted:
        logger.info("KPI rollups: %d tickets marked at day end, %d counted again", marked, counted)
    return counted
