"""API of queues: the queues a person works, a queue's tickets, and claiming and releasing a
ticket. Staff only; customers are refused with 403."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from tierdesk.accounts.models import User
from tierdesk.core.api import ErrorOut
from tierdesk.core.errors import PermissionDenied
from tierdesk.queues import selectors
from tierdesk.queues.schemas import (
    ESCALATED,
    GROUPS,
    PORTFOLIO,
    QueuePageOut,
    QueuePageQuery,
    QueuesOut,
)
from tierdesk.queues.services import queue_claim
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.schemas import TicketOut
from tierdesk.tickets.selectors import ticket_get_for_user
from tierdesk.tickets.services import restricted_ticket_read_record, ticket_release

router = Router(tags=["queues"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _staff(request: HttpRequest) -> User:
    """The signed-in member of staff; PermissionDenied for a customer."""
    person = request.auth
    if person.is_customer:
        raise PermissionDenied(_("Queues are for support staff."))
    return person


def _read(person: User, number: int) -> Ticket:
    """The ticket as the answer shows it, with the audit record a restricted ticket requires."""
    ticket = ticket_get_for_user(person, number)
    if ticket.restricted:
        restricted_ticket_read_record(actor=person, ticket=ticket)
    return ticket


@router.get("/queues", response={200: QueuesOut, **ERRORS}, summary="List my queues")
def queue_index(request: HttpRequest) -> Any:
    """Your skill groups' queues with how many tickets wait in each, the queue of tickets in no
    group (for managers and administrators all of them, for others those at their tier), and the
    counts of your portfolio and of the escalations waiting for you."""
    person = _staff(request)
    counts = selectors.work_counts(person)
    assert counts is not None
    overview = selectors.queues_visible_to(person)
    return {
        "groups": overview.groups,
        "ungrouped": overview.ungrouped,
        "portfolio": counts.portfolio,
        "escalated": counts.escalated,
    }


@router.get(
    "/queues/{path:name}/tickets",
    response={200: QueuePageOut, **ERRORS},
    summary="List a queue's tickets",
    url_name="queue_tickets",
)
def queue_ticket_index(request: HttpRequest, name: str, query: Query[QueuePageQuery]) -> Any:
    """A queue's tickets in the order to work them, a page at a time. `name` is a skill group's
    id or name (new tickets first, then those whose customer answered, then the oldest),
    `ungrouped` (the tickets in no group, in the same order: all of them for managers and
    administrators, those at your tier for others), `groups` (all your queues together, the
    tickets in no group you work included), `portfolio` (the tickets you hold, those whose
    customer answered first) or `escalated` (escalations waiting for you, each with its
    ticket). A group named like one of these is reached by its id."""
    person = _staff(request)
    if name == PORTFOLIO:
        page = selectors.portfolio_tickets(person, cursor=query.cursor, limit=query.limit)
    elif name == ESCALATED:
        page = selectors.escalated_to(person, cursor=query.cursor, limit=query.limit)
        for escalation in page.items:
            escalation.ticket.queue_escalation = escalation
        page = selectors.WorkPage([e.ticket for e in page.items], page.next_cursor)
    else:
        queue = None if name == GROUPS else selectors.queue_get_for_user(person, name)
        page = selectors.queue_tickets(person, queue, cursor=query.cursor, limit=query.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post(
    "/tickets/{number}/claim",
    response={200: TicketOut, 409: ErrorOut, **ERRORS},
    summary="Claim a ticket",
)
def ticket_claim_endpoint(request: HttpRequest, number: int) -> Any:
    """Takes the ticket from its queue into your portfolio. 409 naming the holder when someone
    else holds it; 403 naming the group when it is in a group you are not a member of (managers
    and administrators claim from every queue; a ticket in no group is anyone's); claiming a
    ticket you hold changes nothing."""
    person = _staff(request)
    queue_claim(actor=person, ticket=ticket_get_for_user(person, number))
    return _read(person, number)


@router.post(
    "/tickets/{number}/release",
    response={200: TicketOut, 409: ErrorOut, **ERRORS},
    summary="Release a ticket",
)
def ticket_release_endpoint(request: HttpRequest, number: int) -> Any:
    """Puts the ticket back in its group's queue. The holder releases; managers and
    administrators release anyone's (403 for others); 409 when nobody holds it."""
    person = _staff(request)
    ticket_release(actor=person, ticket=ticket_get_for_user(person, number))
    return _read(person, number)
