"""Hooks on other apps' writes: a person's phone number is stored normalised whenever they are
saved, so a caller is found by an indexed lookup."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from tierdesk.accounts.models import User
from tierdesk.phone.services import contact_number_sync


@receiver(post_save, sender=User, dispatch_uid="phone.contact_number")
def person_saved(sender: type[User], instance: User, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # loading fixtures: contact_numbers_sync catches up
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "phone" not in update_fields:
        return  # a sign-in's last_login, a language switch: the number did not change
    contact_number_sync(instance)
