"""Background housekeeping run by the worker."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tierdesk.core.services import idempotent_requests_prune


@db_periodic_task(crontab(minute="7"))
def prune_idempotent_requests() -> int:
    """Forgets Idempotency-Key answers past TIERDESK_IDEMPOTENCY_RETENTION_HOURS, once an hour."""
    return idempotent_requests_prune()
