"""Marks tickets stale when what their policies match on changes outside their history: an
organization's plan or region, or the region of a customer who belongs to none."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, Q
from django.db.models.signals import post_save, pre_save

from tierdesk.accounts.models import Organization, User
from tierdesk.sla import pending

# The fields of each model that policies and calendars match a ticket on (sla.history).
WATCHED: dict[type[Model], tuple[str, ...]] = {
    Organization: ("plan", "region"),
    User: ("region",),
}


def _tickets_of(instance: Model) -> Q:
    if isinstance(instance, Organization):
        return Q(organization_id=instance.pk)
    # A customer's own region counts only on tickets of no organization.
    return Q(requester_id=instance.pk, organization__isnull=True)


def remember_stored(
    sender: type[Model],
    instance: Model,
    raw: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    """Reads the stored values before a save that may change them (a login's save of
    last_login alone does not)."""
    fields = WATCHED[sender]
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not set(fields) & set(update_fields):
        return
    stored = sender._default_manager.filter(pk=instance.pk).values_list(*fields).first()
    instance._sla_stored = stored  # type: ignore[attr-defined]


def mark_when_changed(
    sender: type[Model], instance: Model, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    stored = instance.__dict__.pop("_sla_stored", None)
    if created or raw or stored is None:
        return
    if tuple(getattr(instance, name) for name in WATCHED[sender]) == tuple(stored):
        return
    pending.mark_unsolved_stale(_tickets_of(instance))


def connect() -> None:
    for model in WATCHED:
        pre_save.connect(remember_stored, sender=model, dispatch_uid=f"sla-stored-{model.__name__}")
        post_save.connect(
            mark_when_changed, sender=model, dispatch_uid=f"sla-changed-{model.__name__}"
        )
