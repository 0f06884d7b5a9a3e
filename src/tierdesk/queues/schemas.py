"""API shapes of queues: the queues a person works with their counts, and a queue's tickets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from ninja import Field, Schema

from tierdesk.accounts.schemas import GroupRef, PersonRef
from tierdesk.core.pagination import PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX
from tierdesk.escalations.models import Escalation
from tierdesk.queues.choices import QueueState
from tierdesk.queues.selectors import UNGROUPED, QueueSummary, ticket_queue_state
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.schemas import TicketOut

# The queues every person has besides their groups' (and `ungrouped`, the tickets in no group);
# a group of the same name is reached by id.
PORTFOLIO = "portfolio"
ESCALATED = "escalated"
GROUPS = "groups"


def _tickets_url(context: Any, name: str | int) -> str:
    path = reverse("api-v1:queue_tickets", kwargs={"name": str(name)})
    request = (context or {}).get("request")
    return request.build_absolute_uri(path) if request is not None else path


class QueueOut(Schema):
    """A skill group's queue: the unsolved tickets nobody holds, counted by why they wait."""

    id: int = Field(..., description="The skill group's id.")
    name: str = Field(..., description="The skill group's name.")
    tier: int
    new: int = Field(..., description="Never answered.")
    reactivated: int = Field(..., description="The customer answered after the desk had.")
    answered: int = Field(..., description="Answered, and put back in the queue.")
    total: int
    tickets_url: str = ""

    @staticmethod
    def resolve_id(obj: QueueSummary) -> int:
        return obj.group.pk

    @staticmethod
    def resolve_name(obj: QueueSummary) -> str:
        return obj.group.name

    @staticmethod
    def resolve_tier(obj: QueueSummary) -> int:
        return obj.group.tier

    @staticmethod
    def resolve_tickets_url(obj: QueueSummary, context: Any) -> str:
        return _tickets_url(context, obj.group.pk)


class UngroupedQueueOut(Schema):
    """The queue of tickets in no group: nobody's rule routed them, or their group was removed.
    Reached as `ungrouped`."""

    new: int = Field(..., description="Never answered.")
    reactivated: int = Field(..., description="The customer answered after the desk had.")
    answered: int = Field(..., description="Answered, and put back in the queue.")
    total: int
    tickets_url: str = ""

    @staticmethod
    def resolve_tickets_url(obj: QueueSummary, context: Any) -> str:
        return _tickets_url(context, UNGROUPED)


class QueuesOut(Schema):
    groups: list[QueueOut] = Field(
        ..., description="Your skill groups' queues (every group's for managers), by name."
    )
    ungrouped: UngroupedQueueOut | None = Field(
        ...,
        description="The tickets in no group: all of them for managers and administrators, "
        "those at your tier for others; null for staff without a tier.",
    )
    portfolio: int = Field(..., description="Unsolved tickets you hold.")
    escalated: int = Field(
        ..., description="Escalations waiting for your tier and group, and those you hold."
    )
    portfolio_url: str = ""
    escalated_url: str = ""
    groups_url: str = ""

    @staticmethod
    def resolve_portfolio_url(obj: Any, context: Any) -> str:
        return _tickets_url(context, PORTFOLIO)

    @staticmethod
    def resolve_escalated_url(obj: Any, context: Any) -> str:
        return _tickets_url(context, ESCALATED)

    @staticmethod
    def resolve_groups_url(obj: Any, context: Any) -> str:
        return _tickets_url(context, GROUPS)


class EscalationRef(Schema):
    """The escalation that brought a ticket to you."""

    id: int
    from_tier: int
    to_tier: int
    status: str
    group: GroupRef | None
    requested_by: PersonRef
    summary: str
    created_at: datetime
    accepted_at: datetime | None


class QueueTicketOut(TicketOut):
    """A ticket as a queue lists it: why it waits, and in the escalated queue its escalation."""

    queue_state: QueueState = Field(
        ...,
        description="new: never answered; reactivated: the customer answered after the desk "
        "had; answered: answered, and waiting for its owner or the queue.",
    )
    reactivated_at: datetime | None
    escalation_flag: str = Field(
        ..., description="complaint or incident; empty when the ticket is neither."
    )
    escalation_manager: PersonRef | None = Field(
        ...,
        description="Who owns the customer communication of a complaint or incident; null "
        "when nobody does.",
    )
    escalation: EscalationRef | None = Field(None, description="Only in the escalated queue.")

    @staticmethod
    def resolve_queue_state(obj: Ticket) -> str:
        return ticket_queue_state(obj).value

    @staticmethod
    def resolve_escalation(obj: Ticket) -> Escalation | None:
        return getattr(obj, "queue_escalation", None)


class QueuePageOut(Schema):
    items: list[QueueTicketOut]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; null on the last."
    )


class QueuePageQuery(Schema):
    cursor: str | None = None
    limit: int = Field(PAGE_LIMIT_DEFAULT, ge=1, le=PAGE_LIMIT_MAX)
