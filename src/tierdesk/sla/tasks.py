"""Background work of service levels, run by the worker: the minute's sweep of SLA clocks."""

from __future__ import annotations

import logging
from dataclasses import asdict

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tierdesk.sla.sweep import sla_sweep

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def sla_sweep_task() -> dict[str, float]:
    """Every minute: computes clocks left stale, records the warnings and breaches now due once
    each, notifies and raises priorities. Safe beside another sweep still running."""
    report = sla_sweep()
    acted = report.stale_recomputed or report.warned or report.breached
    logger.log(
        logging.INFO if acted else logging.DEBUG,
        "SLA sweep: %d stale recomputed, %d warned, %d breached, %d priorities raised, "
        "%d notified in %.3f s",
        report.stale_recomputed,
        report.warned,
        report.breached,
        report.priority_raised,
        report.notified,
        report.seconds,
    )
    return asdict(report)
