"""Background work of phone."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tierdesk.phone.services import contact_numbers_sync


@db_periodic_task(crontab(minute="23", hour="3"))
def sync_contact_numbers() -> int:
    """Catches the contacts' stored numbers up with their phone fields once a night, for writes
    that skipped the save hook (bulk imports, QuerySet.update)."""
    return contact_numbers_sync()
