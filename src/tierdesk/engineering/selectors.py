"""Reads of the engineering link: connectors and the delivery log for administrators, a ticket's
engineering issues for staff, and the connector a tier-3 escalation goes to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Role
from tierdesk.accounts.models import User
from tierdesk.core.errors import NotFound, PermissionDenied
from tierdesk.core.pagination import ID_MAX, page_limit
from tierdesk.engineering.choices import ACTION_NO_CONNECTOR, DeliveryDirection
from tierdesk.engineering.models import Connector, Delivery, EngineeringIssue
from tierdesk.escalations.models import OPEN_ESCALATION_STATUSES, Escalation
from tierdesk.tickets.choices import EventKind
from tierdesk.tickets.models import Ticket, TicketEvent


def is_engineering_admin(user: User) -> bool:
    """Connectors hold the trackers' credentials: administrators only."""
    return user.is_authenticated and user.is_active and user.role == Role.ADMIN


def _require_admin(user: User) -> None:
    if not is_engineering_admin(user):
        raise PermissionDenied(_("Only administrators manage the engineering link."))


def connectors_for(user: User) -> QuerySet[Connector]:
    _require_admin(user)
    return Connector.objects.prefetch_related("groups").order_by("name", "pk")


def connector_for_escalation(escalation: Escalation) -> Connector | None:
    """The one active connector that opens the escalation's engineering issue, or None.

    In order: the connector that names the escalation's receiving group; else the default
    connector; else the only active connector, if it names no groups (one that names groups
    serves those alone). None when none applies.
    """
    active = Connector.objects.filter(active=True)
    if escalation.group_id is not None:
        # Services refuse two active connectors serving one group; the order only makes the
        # choice stable should the table say otherwise.
        serving = active.filter(groups=escalation.group_id).order_by("pk").first()
        if serving is not None:
            return serving
    default = active.filter(is_default=True).first()
    if default is not None:
        return default
    candidates = list(active.order_by("pk")[:2])
    if len(candidates) == 1 and not candidates[0].groups.exists():
        return candidates[0]
    return None


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


@dataclass(frozen=True)
class UnservedEscalation:
    """An open tier-3 escalation that got no engineering issue: no connector serves its group."""

    escalation_id: int
    group: str
    at: datetime


def ticket_unserved_escalations(user: User, ticket: Ticket) -> list[UnservedEscalation]:
    """The ticket's open tier-3 escalations that no connector took, newest first; one whose
    escalation is closed, or that has an issue after all, is left out. Staff only."""
    if not user.is_support_staff:
        raise PermissionDenied(_("Engineering issues are for staff only."))
    events = list(
        TicketEvent.objects.filter(
            ticket=ticket, kind=EventKind.ENGINEERING, data__action=ACTION_NO_CONNECTOR
        ).order_by("-created_at", "-pk")
    )
    if not events:
        return []
    ids = {event.data.get("escalation") for event in events}
    still_open = set(
        Escalation.objects.filter(pk__in=ids, status__in=OPEN_ESCALATION_STATUSES)
        .exclude(engineering_issues__isnull=False)
        .values_list("pk", flat=True)
    )
    return [
        UnservedEscalation(
            escalation_id=event.data["escalation"],
            group=str(event.data.get("group") or ""),
            at=event.created_at,
        )
        for event in events
        if event.data.get("escalation") in still_open
    ]


def ticket_engineering_card(
    user: User, ticket: Ticket
) -> tuple[list[EngineeringIssue], list[UnservedEscalation]]:
    """What the ticket page's engineering card shows: the ticket's engineering issues and its
    open tier-3 escalations no connector took. One query for a ticket with neither, as most
    are; the lists are read only when there is something in them. Staff only."""
    if not user.is_support_staff:
        raise PermissionDenied(_("Engineering issues are for staff only."))
    has_issues, has_gaps = (
        Ticket.objects.filter(pk=ticket.pk)
        .annotate(
            has_issues=Exists(EngineeringIssue.objects.filter(ticket=OuterRef("pk"))),
            has_gaps=Exists(
                TicketEvent.objects.filter(
                    ticket=OuterRef("pk"),
                    kind=EventKind.ENGINEERING,
                    data__action=ACTION_NO_CONNECTOR,
                )
            ),
        )
        .values_list("has_issues", "has_gaps")
        .first()
    ) or (False, False)
    issues = ticket_engineering_issues(user, ticket) if has_issues else []
    unserved = ticket_unserved_escalations(user, ticket) if has_gaps else []
    return issues, unserved
