"""Background work of service levels, run by the worker: the minute's sweep of SLA clocks, and
the computation of every stale ticket after a change of what policies match on."""

from __future__ import annotations

import logging
from dataclasses import asdict

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tierdesk.sla.services import clocks_refresh_stale
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


@db_task()
def sla_refresh_stale_task() -> int:
    """Computes the clocks of every ticket marked stale, in batches of their own transactions:
    queued after a setup change marked every unsolved ticket, which the minute's sweep would
    take an hour to catch up with. Safe to run twice, and beside the sweep: each batch skips
    the tickets another transaction holds, and whatever it leaves marked the sweep computes."""
    done = clocks_refresh_stale()
    logger.info("SLA clocks of %d stale tickets computed", done)
    return done
