from tierdesk.tickets.models import TicketEvent
from tierdesk.tickets.services import ticket_reply


def test_open_records_created_and_message_events(ticket):
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == ["created", "message"]


def test_first_staff_reply_sets_first_response_and_opens(ticket, agent):
    ticket_reply(actor=agent, ticket=ticket, body="Looking into it")
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert ticket.first_responded_at is not None
