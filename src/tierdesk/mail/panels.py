"""This capability's card on the ticket page: the delivery of the ticket's latest emails
(queued, sent, failed with the reason, bounced), and sending a failed one again."""

from __future__ import annotations

from django.http import HttpRequest

from tierdesk.mail.choices import OutboundStatus
from tierdesk.mail.outbound import outbound_for_ticket
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.panels import Panel

PANEL_EMAILS = 10

# The console's badge colours: waiting blue, done green, failed red, bounced orange.
BADGE_CLASSES: dict[str, str] = {
    OutboundStatus.QUEUED: "status-pending",
    OutboundStatus.SENT: "status-solved",
    OutboundStatus.FAILED: "status-open",
    OutboundStatus.BOUNCED: "priority-high",
}


def ticket_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    """Staff see the card once the ticket has an email (its latest PANEL_EMAILS); no card
    otherwise."""
    user = request.user
    if not user.is_authenticated or not user.is_support_staff:
        return None
    emails = outbound_for_ticket(user, ticket, limit=PANEL_EMAILS)
    if not emails:
        return None
    for email in emails:
        email.badge_class = BADGE_CLASSES.get(email.status, "")  # type: ignore[attr-defined]
    return Panel(
        template="mail/_outbound_panel.html",
        context={"emails": emails, "can_retry": user.can_reply_publicly},
        place="side",
    )
