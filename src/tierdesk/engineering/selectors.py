"""Reads of the engineering link: connectors and the delivery log for administrators, a ticket's
engineering issues for staff."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Role
from tierdesk.accounts.models import User
from tierdesk.core.errors import NotFound, PermissionDenied
from tierdesk.core.pagination import ID_MAX, page_limit
from tierdesk.engineering.choices import DeliveryDirection
from tierdesk.engineering.models import Connector, Delivery, EngineeringIssue
from tierdesk.tickets.models import Ticket


def is_engineering_admin(user: User) -> bool:
    """Connectors hold the trackers' credentials: administrators only."""
    return user.is_authenticated and user.is_active and user.role == Role.ADMIN


def _require_admin(user: User) -> None:
    if not is_engineering_admin(user):
        raise PermissionDenied(_("Only administrators manage the engineering link."))


def connectors_for(user: User) -> QuerySet[Connector]:
    _require_admin(user)
    return Connector.objects.order_by("name", "pk")


def connector_get(user: User, connector_id: int) -> Connector:
    """The connector, or NotFound; PermissionDenied for anyone but an administrator."""
    connector = connectors_for(user).filter(pk=min(connector_id, ID_MAX)).first()
    if connector is None:
        raise NotFound(_("No such connector."))
    return connector


def deliveries_for(
    user: User, *, connector_id: int | None = None, before: int | None = None, limit: int = 50
) -> list[Delivery]:
    """The delivery log, newest first; `before` is the id of the last row of the previous page."""
    _require_admin(user)
    deliveries = Delivery.objects.select_related("connector", "issue__connector")
    if connector_id is not None:
        deliveries = deliveries.filter(connector_id=connector_id)
    if before is not None:
        deliveries = deliveries.filter(pk__lt=before)
    return list(deliveries.order_by("-pk")[: page_limit(limit)])


def delivery_get(user: User, delivery_id: int) -> Delivery:
    _require_admin(user)
    delivery = (
        Delivery.objects.select_related("connector", "issue")
        .filter(pk=min(delivery_id, ID_MAX))
        .first()
    )
    if delivery is None:
        raise NotFound(_("No such delivery."))
    return delivery


def ticket_engineering_issues(user: User, ticket: Ticket) -> list[EngineeringIssue]:
    """The ticket's engineering issues, newest first, each with `last_delivery` (its latest
    outbound delivery, or None). Staff only: the tracker is internal."""
    if not user.is_support_staff:
        raise PermissionDenied(_("Engineering issues are for staff only."))
    outbound = Delivery.objects.filter(direction=DeliveryDirection.OUTBOUND).order_by("-pk")
    issues: list[EngineeringIssue] = list(
        EngineeringIssue.objects.filter(ticket=ticket)
        .select_related("connector")
        .prefetch_related(Prefetch("deliveries", queryset=outbound, to_attr="outbound"))
        .order_by("-created_at", "-pk")
    )
    for issue in issues:
        issue.last_delivery = issue.outbound[0] if issue.outbound else None  # type: ignore[attr-defined]
    return issues
