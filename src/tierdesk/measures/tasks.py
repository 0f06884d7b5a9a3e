"""Background work of measures: keeping the daily KPI rollups current."""

from __future__ import annotations

import logging
import time

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from tierdesk.measures.rollups import rollups_advance, rollups_refresh, unbuilt_zones

logger = logging.getLogger(__name__)
# When the last warning about rollups not built was logged (monotonic seconds).
_WARNED: dict[str, float] = {}


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
    _warn_unbuilt()
    return counted


def _warn_unbuilt() -> None:
    """Once an hour per zone: a rollup zone nobody has built answers every question from the
    raw events, slowly on a large desk (a first deploy, or an upgrade that dropped them)."""
    for zone in unbuilt_zones():
        if time.monotonic() - _WARNED.get(zone, -3600.0) >= 3600:
            _WARNED[zone] = time.monotonic()
            logger.warning(
                "KPI rollups of %s are not built: dashboards count from the raw events until "
                "`tierdesk measures rollup --zone %s` builds them.",
                zone,
                zone,
            )
