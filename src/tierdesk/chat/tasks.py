"""Background work of live chat, run by the worker."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tierdesk.chat.services import chats_end_left


@db_periodic_task(crontab(minute="*"))
def end_chats_left() -> int:
    """Every minute: ends open chats whose customer closed the page (no sign for three minutes),
    so the waiting list shows only people who are still there."""
    return chats_end_left()
