"""The demo's phone line: a call behind every phone ticket, answered by the engineer who opened
the ticket, numbers for premium and enterprise contacts, SLA figures near the target, and
nothing added twice."""

from __future__ import annotations

import time_machine

from tierdesk.accounts.models import User
from tierdesk.demo.seed import seed_demo
from tierdesk.phone.demo import seed_phone_demo
from tierdesk.phone.models import Call, ContactNumber
from tierdesk.phone.selectors import call_stats
from tierdesk.tickets.models import Ticket

SEEDED_ON = "2026-12-07 09:00Z"


def test_every_demo_phone_ticket_has_its_answered_call(db):
    with time_machine.travel(SEEDED_ON, tick=False):
        seed_demo(tickets=600, seed=7)
        written = seed_phone_demo()
        again = seed_phone_demo()

    phone_tickets = Ticket.objects.filter(channel="phone")
    assert phone_tickets.exists()
    assert again == 0
    assert Call.objects.count() == written
    for ticket in phone_tickets.select_related("requester"):
        call = Call.objects.get(ticket=ticket, ticket_opened=True)
        opener = ticket.messages.order_by("created_at", "id").first().author
        assert call.agent == opener
        assert call.offered_at < call.answered_at < call.ended_at <= ticket.created_at
        assert call.contact == ticket.requester
        assert call.caller_number == ContactNumber.objects.get(user=ticket.requester).number
    manager = User.objects.get(username="manager1")
    with time_machine.travel(SEEDED_ON, tick=False):
        stats = call_stats(manager, since=Ticket.objects.earliest("created_at").created_at)
    assert stats.total.offered == written
    assert 0.7 < stats.total.service_level < 0.95
    assert {q.queue for q in stats.queues} <= {"Support EN", "Support JA", "Support RU"}
