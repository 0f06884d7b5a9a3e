"""Hooks on the ticket's messages and on reported calls: a public reply by staff is queued for
delivery by email, and the log a call opens its ticket with is withdrawn from delivery."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from tierdesk.mail.outbound import outbound_queue, outbound_withdraw_call_log
from tierdesk.phone.models import Call
from tierdesk.tickets.choices import MessageKind
from tierdesk.tickets.models import Message


@receiver(post_save, sender=Message, dispatch_uid="mail.outbound_queue")
def reply_email(sender: type[Message], instance: Message, created: bool, **kwargs: Any) -> None:
    """Queues the email in the transaction that saves the reply (a reply never exists without
    its email); the send waits for the commit. Bulk writes (the demo's history) send nothing:
    they do not save through the model."""
    if created and instance.kind == MessageKind.PUBLIC and not kwargs.get("raw"):
        outbound_queue(instance)


@receiver(post_save, sender=Call, dispatch_uid="mail.call_log_not_emailed")
def call_log_not_emailed(sender: type[Call], instance: Call, **kwargs: Any) -> None:
    """A call that opened its ticket is saved in the transaction that opened it, after the
    ticket's first message (the call's log) was queued like any staff message: that email is
    withdrawn before the commit, so it is never sent."""
    if instance.ticket_opened and instance.ticket_id is not None and not kwargs.get("raw"):
        outbound_withdraw_call_log(instance)
