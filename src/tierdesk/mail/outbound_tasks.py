"""Worker tasks of outbound mail: one attempt to send a reply's email, and the sweep that
attempts every email whose retry is due, so retries survive a worker restart."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tierdesk.mail.outbound import outbound_send, outbound_send_due


@db_task()
def send_outbound(outbound_id: int) -> None:
    """One attempt to send the email; does nothing when none is due (safe to run twice)."""
    outbound_send(outbound_id)


@db_periodic_task(crontab(minute="*"))
def send_due_outbound() -> int:
    """Attempts the emails whose retry is due, including any whose queued task was lost."""
    return outbound_send_due()
