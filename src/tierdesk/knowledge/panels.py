"""The "Knowledge" card on the ticket page: the articles linked to the ticket, a box to link
another, "Insert in reply", and the button that creates an article from the ticket."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from tierdesk.knowledge.selectors import ticket_article_links
from tierdesk.knowledge.services import may_write
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.panels import Panel


def card_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """What the card draws, in one query (the links with their articles)."""
    links = ticket_article_links(request.user, ticket)  # type: ignore[arg-type]
    for link in links:
        article = link.article
        # What "Insert in reply" puts in the reply box: the title, the resolution, and the
        # address the customer opens (public validated articles only).
        link.portal_url = (  # type: ignore[attr-defined]
            request.build_absolute_uri(reverse("knowledge:portal_article", args=[article.pk]))
            if article.customers_see
            else ""
        )
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
