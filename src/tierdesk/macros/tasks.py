"""Background work of the working tools: the email that tells someone they were mentioned."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from tierdesk.macros.mentions import mention_email_send


@db_task(retries=3, retry_delay=60)
def send_mention_email(notification_id: int) -> bool:
    """Emails the person a mention notification is for; safe to run twice (sent once)."""
    return mention_email_send(notification_id)
