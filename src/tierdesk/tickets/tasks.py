"""Background work on tickets, run by the worker."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tierdesk.tickets.services import tickets_autoclose


@db_periodic_task(crontab(minute="*/15"))
def autoclose_solved_tickets() -> int:
    """Closes solved tickets the customer has not answered for TIERDESK_AUTOCLOSE_DAYS days."""
    return tickets_autoclose()
