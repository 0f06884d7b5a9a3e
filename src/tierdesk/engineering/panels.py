"""This capability's card on the ticket page: the ticket's engineering issues, their status,
history and last delivery."""

from __future__ import annotations

from django.http import HttpRequest

from tierdesk.engineering.selectors import is_engineering_admin, ticket_engineering_issues
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.panels import Panel


def ticket_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    """Staff see the card once the ticket has an engineering issue; no card otherwise."""
    user = request.user
    if not user.is_authenticated or not user.is_support_staff:
        return None
    issues = ticket_engineering_issues(user, ticket)
    if not issues:
        return None
    return Panel(
        template="engineering/_ticket_panel.html",
        context={"issues": issues, "is_admin": is_engineering_admin(user)},
        place="side",
    )
