"""Background work on tickets, run by the worker."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tierdesk.tickets.housekeeping import attachment_files_prune, tickets_autoclose


@db_periodic_task(crontab(minute="*/15"))
def autoclose_solved_tickets() -> int:
    """Closes solved tickets the customer has not answered for TIERDESK_AUTOCLOSE_DAYS days."""
    return tickets_autoclose()


@db_periodic_task(crontab(minute="41", hour="3"))
def prune_attachment_files() -> int:
    """Removes, once a day, attachment files left behind by ticket writes that were rolled back."""
    return attachment_files_prune()
