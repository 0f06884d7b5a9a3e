"""This capability's card on the ticket page: the complaint or incident flag and its owner, the
open escalations with their package and the buttons for the people who may act, earlier
escalations, and "Escalate"."""

from __future__ import annotations

from django.http import HttpRequest

from tierdesk.accounts.choices import Tier
from tierdesk.escalations import selectors
from tierdesk.escalations.forms import FlagForm
from tierdesk.escalations.services import (
    FINISHED_STATUSES,
    escalate_refusal,
    is_managing,
    may_accept,
    may_answer,
    may_withdraw,
)
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.panels import Panel


def may_escalate(user, ticket: Ticket, open_escalations: list) -> bool:
    """Whether the escalate link is offered: a ticket not finished and below engineering,
    nothing open above its tier, and someone who may escalate this ticket (see
    services.escalate_refusal)."""
    return (
        ticket.status not in FINISHED_STATUSES
        and ticket.tier < Tier.ENGINEERING
        and not any(e.to_tier > ticket.tier for e in open_escalations)
        and escalate_refusal(user, ticket) is None
    )


def ticket_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    """Staff see the card; customers never do."""
    user = request.user
    if not user.is_authenticated or not user.is_support_staff:
        return None
    escalations = list(selectors.escalations_of_ticket(user, ticket))
    open_ones = [e for e in escalations if e.is_open]
    for escalation in open_ones:
        escalation.may_accept = escalation.status == "requested" and may_accept(user, escalation)
        escalation.may_answer = may_answer(user, escalation)
        escalation.may_withdraw = escalation.status == "requested" and may_withdraw(
            user, escalation
        )
    flag_form = FlagForm(
        initial={
            "flag": ticket.escalation_flag,
            "escalation_manager": ticket.escalation_manager_id,
        },
        may_name_manager=is_managing(user),
        auto_id="id_escalation_%s",
    )
    return Panel(
        template="escalations/_ticket_panel.html",
        context={
            "ticket": ticket,
            "open": open_ones,
            "history": [e for e in escalations if not e.is_open],
            "may_escalate": may_escalate(user, ticket, open_ones),
            "may_flag": user.can_reply_publicly,
            "flag_form": flag_form,
            "flag_label": ticket.get_escalation_flag_display() if ticket.escalation_flag else "",
        },
        place="side",
    )
