"""This capability's card on the ticket page: the macro picker with its preview, the ticket's
additional requesters, and the form that merges it into another ticket."""

from __future__ import annotations

from django.http import HttpRequest

from tierdesk.macros.selectors import macros_available, ticket_collaborators
from tierdesk.tickets.choices import Status
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.panels import Panel


def ticket_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    """Staff only; nothing when there is no macro to apply, no additional requester and no
    merge to offer (a closed ticket, a quality reviewer's view)."""
    user = request.user
    if not user.is_authenticated or not user.is_support_staff:
        return None
    macros = list(macros_available(user, ticket).only("id", "name", "kind"))
    collaborators = ticket_collaborators(user, ticket)
    can_merge = user.can_reply_publicly and ticket.status != Status.CLOSED
    if not (macros or collaborators or can_merge):
        return None
    return Panel(
        template="macros/_ticket_panel.html",
        context={
            "ticket": ticket,
            "macros": macros,
            "collaborators": collaborators,
            "can_merge": can_merge,
        },
        place="main",
    )
