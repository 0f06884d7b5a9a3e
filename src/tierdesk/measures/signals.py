"""Counts a ticket again in the KPI rollups when what its rows are keyed by changes outside its
history: the region of its organization."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save, pre_save

from tierdesk.accounts.models import Organization
from tierdesk.measures import rollups
from tierdesk.measures.models import KpiRollupState
from tierdesk.tickets.models import Ticket


def remember_region(
    sender: type[Organization],
    instance: Organization,
    raw: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and "region" not in update_fields:
        return
    stored = Organization.objects.filter(pk=instance.pk).values_list("region", flat=True).first()
    instance._kpi_region = stored  # type: ignore[attr-defined]


def mark_when_moved(
    sender: type[Organization],
    instance: Organization,
    created: bool,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    stored = instance.__dict__.pop("_kpi_region", None)
    if created or raw or stored is None or stored == instance.region:
        return
    if KpiRollupState.objects.exists():
        ids = Ticket.objects.filter(organization_id=instance.pk).values_list("pk", flat=True)
        rollups.mark_stale(list(ids))


def connect() -> None:
    pre_save.connect(remember_region, sender=Organization, dispatch_uid="kpi-region-stored")
    post_save.connect(mark_when_moved, sender=Organization, dispatch_uid="kpi-region-changed")
