"""The "Knowledge" card on the ticket page: the articles linked to the ticket, a box to link
another, "Insert in reply", and the button that creates an article from the ticket."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tierdesk.knowledge.selectors import ticket_article_links
from tierdesk.knowledge.services import may_write
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.panels import Panel


def card_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """What the card draws, in one query (the links with their articles)."""
    # "Insert in reply" fetches its text from knowledge:reply_text when clicked (knowledge.js).
    links = ticket_article_links(request.user, ticket)  # type: ignore[arg-type]
    return {
        "ticket": ticket,
        "links": links,
        "can_write": may_write(request.user),  # type: ignore[arg-type]
        "can_reply": request.user.can_reply_publicly,  # type: ignore[union-attr]
    }


def ticket_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    """Staff only."""
    user = request.user
    if not user.is_authenticated or not user.is_support_staff:
        return None
    return Panel(template="knowledge/_ticket_panel.html", context=card_context(request, ticket))
