"""Hooks on the ticket's messages: a public reply by staff is queued for delivery by email."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from tierdesk.mail.outbound import outbound_queue
from tierdesk.tickets.choices import MessageKind
from tierdesk.tickets.models import Message


@receiver(post_save, sender=Message, dispatch_uid="mail.outbound_queue")
def reply_email(sender: type[Message], instance: Message, created: bool, **kwargs: Any) -> None:
    """Queues the email in the transaction that saves the reply (a reply never exists without
    its email); the send waits for the commit. Bulk writes (the demo's history) send nothing:
    they do not save through the model."""
    if created and instance.kind == MessageKind.PUBLIC and not kwargs.get("raw"):
        outbound_queue(instance)
