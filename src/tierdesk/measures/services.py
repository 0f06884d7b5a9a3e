"""Writes of measures: managers set and remove the targets of the KPIs."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Role
from tierdesk.accounts.models import SkillGroup, User
from tierdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from tierdesk.measures.definitions import KPIS
from tierdesk.measures.models import Comparison, KpiTarget

VALUE_MAX = Decimal("999999999999")


def ensure_manager(actor: User) -> None:
    """Targets are the managers' to set: PermissionDenied for anyone else."""
    if actor.role not in {Role.MANAGER, Role.ADMIN}:
        raise PermissionDenied(_("Only managers set KPI targets."))


def kpi_target_set(
    *,
    actor: User,
    metric: str,
    comparison: str,
    value: Decimal | float | str,
    group: int | None = None,
) -> KpiTarget:
    """Sets the target of `metric` for the team (no group) or one group, replacing the one
    there was. ValidationFailed names each refused field."""
    ensure_manager(actor)
    errors: dict[str, str] = {}
    if metric not in KPIS:
        errors["metric"] = _("Unknown metric. Choose one of %(names)s.") % {
            "names": ", ".join(KPIS)
        }
    if comparison not in Comparison.values:
        errors["comparison"] = _("Choose one of %(choices)s.") % {
            "choices": ", ".join(Comparison.values)
        }
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
        if not amount.is_finite() or abs(amount) > VALUE_MAX:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["value"] = _("Give a number.")
        amount = Decimal(0)
    if group is not None and not SkillGroup.objects.filter(pk=group).exists():
        errors["group"] = _("No such group.")
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        target, _created = KpiTarget.objects.select_for_update().update_or_create(
            metric=metric,
            group_id=group,
            defaults={"comparison": comparison, "value": amount},
        )
    return target


def kpi_target_delete(*, actor: User, target_id: int) -> None:
    """Removes a target; NotFound when there is none with that id."""
    ensure_manager(actor)
    deleted, _rows = KpiTarget.objects.filter(pk=target_id).delete()
    if not deleted:
        raise NotFound(_("No such target."))
