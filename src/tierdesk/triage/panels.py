"""This capability's card on the ticket page: the triage suggestion and its one-click apply."""

from __future__ import annotations

from django.http import HttpRequest

from tierdesk.tickets.choices import ProductArea, Status, TicketType
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.panels import Panel
from tierdesk.triage import selectors, services


def _display(choices: type, value: str) -> str:
    return str(dict(choices.choices).get(value, value))


def ticket_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    """Staff see the suggestion of the active model; nothing for customers or before training."""
    user = request.user
    if not user.is_authenticated or not user.is_support_staff:
        return None
    suggestion = services.triage_suggestion_for(ticket)
    if suggestion is None:
        return None
    return Panel(
        template="triage/_ticket_panel.html",
        context={
            "suggestion": suggestion,
            "ticket": ticket,
            "type_label": _display(TicketType, suggestion.type),
            "product_area_label": _display(ProductArea, suggestion.product_area),
            "type_matches": ticket.type == suggestion.type,
            "product_area_matches": ticket.product_area == suggestion.product_area,
            "accepted": selectors.suggestion_accepted(suggestion, ticket),
            "may_apply": ticket.status != Status.CLOSED,
        },
        place="side",
    )
