"""This capability's card on the ticket page: the ticket's calls with caller, queue, agent,
wait, talk and recording."""

from __future__ import annotations

from django.http import HttpRequest

from tierdesk.phone.choices import ANSWER_TARGET_SECONDS
from tierdesk.phone.selectors import calls_of_ticket
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.panels import Panel


def ticket_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    """Staff see the card on a ticket with calls; customers never do."""
    user = request.user
    if not user.is_authenticated or not user.is_support_staff:
        return None
    calls = calls_of_ticket(user, ticket)
    if not calls:
        return None
    return Panel(
        template="phone/_ticket_panel.html",
        context={"calls": calls, "target_seconds": ANSWER_TARGET_SECONDS},
        place="side",
    )
