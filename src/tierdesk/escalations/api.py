"""API of escalation: escalate a ticket with its package, accept, return, resolve, withdraw, the
counts per engineer and group, and a ticket's complaint or incident owner. Staff only."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from tierdesk.accounts.models import SkillGroup, User
from tierdesk.accounts.selectors import (
    person_by_reference,
    skill_group_by_reference,
    users_visible_to,
)
from tierdesk.core.api import ErrorOut, idempotent
from tierdesk.core.errors import PermissionDenied, ValidationFailed
from tierdesk.escalations import selectors, services
from tierdesk.escalations.schemas import (
    EscalationIn,
    EscalationOut,
    EscalationOwnerIn,
    EscalationOwnerOut,
    ResolveIn,
    ReturnIn,
    StatsOut,
    StatsQuery,
    WithdrawIn,
)
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.selectors import ticket_get_for_user

router = Router(tags=["escalations"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _ticket(user: User, number: int) -> Ticket:
    """The ticket for a staff operation: 404 when `user` may not read it, 403 for a customer
    who may."""
    ticket = ticket_get_for_user(user, number)
    if user.is_customer:
        raise PermissionDenied(_("Escalations are for the support team."))
    return ticket


def _group(reference: int | str | None) -> SkillGroup | None:
    if reference is None or reference == "":
        return None
    group = skill_group_by_reference(reference)
    if group is None:
        raise ValidationFailed(group=_("No skill group %(value)s.") % {"value": reference})
    return group


def _fresh(user: User, escalation_id: int) -> Any:
    return selectors.escalation_get_for_user(user, escalation_id)


@router.post(
    "/tickets/{number}/escalations",
    response={201: EscalationOut, **ERRORS},
    summary="Escalate a ticket",
)
@idempotent
def escalation_create(request: HttpRequest, number: int, payload: EscalationIn) -> Any:
    """Escalates the ticket one tier up with its package. 403 when another agent holds the
    ticket or it is above your tier (managers and administrators escalate any ticket); 422
    names every missing package field (and bad links, attachments not of this ticket, a group of
    another tier); 409 when the ticket already has an open escalation above its tier."""
    actor = request.auth
    ticket = _ticket(actor, number)
    fields = payload.model_dump(exclude={"to_tier", "group"})
    escalation = services.escalation_create(
        actor=actor,
        ticket=ticket,
        to_tier=payload.to_tier if payload.to_tier is not None else ticket.tier + 1,
        group=_group(payload.group),
        **fields,
    )
    return Status(201, _fresh(actor, escalation.pk))


@router.get(
    "/tickets/{number}/escalations",
    response={200: list[EscalationOut], **ERRORS},
    summary="A ticket's escalations",
)
def escalation_index(request: HttpRequest, number: int) -> Any:
    """The ticket's escalations, newest first."""
    actor = request.auth
    return list(selectors.escalations_of_ticket(actor, _ticket(actor, number)))


@router.get(
    "/escalations/stats",
    response={200: StatsOut, **ERRORS},
    summary="Escalation counts per engineer and group",
)
def escalation_stats(request: HttpRequest, query: Query[StatsQuery]) -> Any:
    """Escalations requested and accepted per engineer, and received per group, in total and per
    week (Mondays), over [since, until); by default the last eight weeks, this one included."""
    return selectors.escalation_stats(request.auth, since=query.since, until=query.until)


@router.get(
    "/escalations/{escalation_id}",
    response={200: EscalationOut, **ERRORS},
    summary="Read an escalation",
)
def escalation_detail(request: HttpRequest, escalation_id: int) -> Any:
    return _fresh(request.auth, escalation_id)


@router.post(
    "/escalations/{escalation_id}/accept",
    response={200: EscalationOut, **ERRORS},
    summary="Accept an escalation",
)
def escalation_accept(request: HttpRequest, escalation_id: int) -> Any:
    """The ticket moves to the target tier and becomes yours. 403 unless you are of the target
    tier (or a manager or administrator), and for the requester; 409 unless it is requested."""
    actor = request.auth
    services.escalation_accept(actor=actor, escalation=_fresh(actor, escalation_id))
    return _fresh(actor, escalation_id)


@router.post(
    "/escalations/{escalation_id}/return",
    response={200: EscalationOut, **ERRORS},
    summary="Return an escalation",
)
def escalation_return(request: HttpRequest, escalation_id: int, payload: ReturnIn) -> Any:
    """Back to the lower tier and the requesting engineer with the reason as an internal note.
    403 unless you hold it (or are a manager or administrator); 409 unless it is open."""
    actor = request.auth
    services.escalation_return(
        actor=actor, escalation=_fresh(actor, escalation_id), reason=payload.reason
    )
    return _fresh(actor, escalation_id)


@router.post(
    "/escalations/{escalation_id}/resolve",
    response={200: EscalationOut, **ERRORS},
    summary="Resolve an escalation",
)
def escalation_resolve(request: HttpRequest, escalation_id: int, payload: ResolveIn) -> Any:
    """Answers it: back to the requesting tier and engineer with the resolution as an internal
    note. 403 unless you hold it (or are a manager or administrator); 409 unless it is open."""
    actor = request.auth
    services.escalation_resolve(
        actor=actor, escalation=_fresh(actor, escalation_id), resolution=payload.resolution
    )
    return _fresh(actor, escalation_id)


@router.post(
    "/escalations/{escalation_id}/withdraw",
    response={200: EscalationOut, **ERRORS},
    summary="Withdraw an escalation",
)
def escalation_withdraw(request: HttpRequest, escalation_id: int, payload: WithdrawIn) -> Any:
    """Takes back an escalation nobody has accepted: it is closed as withdrawn with the reason
    as an internal note, and the ticket stays at its tier with the person who escalated. 403
    unless you escalated it (or are a manager or administrator); 409 unless it is requested."""
    actor = request.auth
    services.escalation_withdraw(
        actor=actor, escalation=_fresh(actor, escalation_id), reason=payload.reason
    )
    return _fresh(actor, escalation_id)


@router.put(
    "/tickets/{number}/escalation-owner",
    response={200: EscalationOwnerOut, **ERRORS},
    summary="Flag a complaint or incident and name its escalation manager",
)
def escalation_owner_set(request: HttpRequest, number: int, payload: EscalationOwnerIn) -> Any:
    """Sets the flag ("complaint", "incident" or "" to clear) and the escalation manager (a
    manager or administrator, or null). Agents may flag; only managers and administrators name
    the escalation manager (403); left out, the escalation manager stays."""
    actor = request.auth
    ticket = _ticket(actor, number)
    manager = None
    if "escalation_manager" not in payload.model_fields_set:
        # Clearing the flag clears its escalation manager; switching it keeps them.
        manager = ticket.escalation_manager if payload.flag else None
    elif payload.escalation_manager is not None:
        manager = person_by_reference(users_visible_to(actor), payload.escalation_manager)
        if manager is None:
            raise ValidationFailed(
                escalation_manager=_("No person %(value)s.") % {"value": payload.escalation_manager}
            )
    return services.ticket_flag_escalation(
        actor=actor, ticket=ticket, flag=payload.flag, escalation_manager=manager
    )
