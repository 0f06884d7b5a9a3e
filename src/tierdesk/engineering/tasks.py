"""Background work of the engineering link: opening issues in trackers, and the sweeper that
retries what is due."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tierdesk.engineering.services import issue_deliver, issues_deliver_due


@db_task()
def deliver_engineering_issue(issue_id: int) -> None:
    """One attempt to open the issue in its tracker; does nothing when none is due."""
    issue_deliver(issue_id)


@db_periodic_task(crontab(minute="*"))
def deliver_due_engineering_issues() -> int:
    """Attempts the issues whose retry is due, including any whose queued task was lost."""
    return issues_deliver_due()
