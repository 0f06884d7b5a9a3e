"""Background work of surveys: the invitation emails (retried, so a mail failure never fails a
solve), the catch-up of lost invitations and the daily NPS schedule."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tierdesk.surveys.services import invitation_email_send, nps_schedule, survey_catch_up


@db_task(retries=3, retry_delay=60)
def send_survey_email(invitation_id: int) -> bool:
    """Emails an invitation's signed link; safe to run twice (sent once)."""
    return invitation_email_send(invitation_id)


@db_periodic_task(crontab(hour="7", minute="15"))
def schedule_nps() -> int:
    """Once a day: invites the contacts due an NPS survey; returns how many."""
    return len(nps_schedule())


@db_periodic_task(crontab(minute="*/15"))
def catch_up_surveys() -> tuple[int, int]:
    """Every 15 minutes: invites solves whose CSAT invitation was lost and re-queues unsent
    emails; returns (invited, re-queued)."""
    return survey_catch_up()
