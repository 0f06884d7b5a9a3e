"""Worker tasks of inbound mail: processing each stored message, and a sweep for messages whose
queued task was lost."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tierdesk.core.errors import NotFound
from tierdesk.mail.intake import inbound_process, inbound_process_stale


@db_task()
def process_inbound(inbound_id: int) -> None:
    """Processes one stored message; does nothing when it was processed already or is gone."""
    try:
        inbound_process(inbound_id)
    except NotFound:
        return


@db_periodic_task(crontab(minute="*"))
def process_stale_inbound() -> int:
    """Processes messages still waiting well after they arrived."""
    return inbound_process_stale()
