"""Who may read and change routing: administrators write rules and assignment modes, managers
plan shifts and capacity and read everything routing shows."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Role
from tierdesk.accounts.models import User
from tierdesk.core.errors import PermissionDenied


def ensure_rule_editor(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise PermissionDenied(_("Only administrators change routing."))


def ensure_routing_reader(actor: User) -> None:
    if actor.role not in {Role.MANAGER, Role.ADMIN}:
        raise PermissionDenied(_("Only managers and administrators see routing settings."))


def ensure_availability_editor(actor: User) -> None:
    # Managers plan their teams' shifts; administrators may fix anyone's.
    if actor.role not in {Role.MANAGER, Role.ADMIN}:
        raise PermissionDenied(_("Only managers and administrators change shifts and capacity."))
