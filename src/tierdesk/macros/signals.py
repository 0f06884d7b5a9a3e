"""Hooks on other apps' writes: every internal note, from any channel, is checked for
@mentions in the transaction that saves it."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from tierdesk.macros.mentions import mentions_notify
from tierdesk.tickets.choices import MessageKind
from tierdesk.tickets.models import Message


@receiver(post_save, sender=Message, dispatch_uid="macros.note_mentions")
def note_mentions(sender: type[Message], instance: Message, created: bool, **kwargs: Any) -> None:
    if created and instance.kind == MessageKind.INTERNAL and not kwargs.get("raw"):
        mentions_notify(instance)
