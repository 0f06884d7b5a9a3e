"""Template helpers of the work pages and the ticket page's claim and release buttons."""

from __future__ import annotations

from django import template

from tierdesk.accounts.models import User
from tierdesk.queues.selectors import ticket_may_release
from tierdesk.tickets.models import Ticket

register = template.Library()


@register.filter
def releasable_by(ticket: Ticket, user: User) -> bool:
    """Whether the release button is offered to `user` on `ticket`'s page."""
    return ticket_may_release(user, ticket)
