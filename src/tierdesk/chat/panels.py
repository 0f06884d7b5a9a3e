"""This capability's card on the ticket page: the ticket's chats, with a link to the live one."""

from __future__ import annotations

from django.http import HttpRequest

from tierdesk.chat.models import ChatSession
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.panels import Panel


def ticket_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    """Staff see the card on a chat ticket; customers and other tickets show nothing."""
    user = request.user
    if ticket.channel != "chat" or not user.is_authenticated or not user.is_support_staff:
        return None
    chats = list(
        ChatSession.objects.filter(ticket=ticket).select_related("taken_by").order_by("started_at")
    )
    if not chats:
        return None
    return Panel(template="chat/_ticket_panel.html", context={"chats": chats}, place="side")
