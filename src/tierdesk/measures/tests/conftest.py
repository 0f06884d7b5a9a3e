"""A hand-built ticket history: tickets and events written directly with exact timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tierdesk.escalations.models import Escalation
from tierdesk.tickets.choices import EventKind
from tierdesk.tickets.models import Ticket, TicketEvent


def at(text: str | datetime) -> datetime:
    """'03-04 12:00' in 2026, UTC; a datetime as it is."""
    if isinstance(text, datetime):
        return text
    day, _, clock = text.partition(" ")
    month, date = (int(part) for part in day.split("-"))
    hour, minute = (int(part) for part in (clock or "00:00").split(":"))
    return datetime(2026, month, date, hour, minute, tzinfo=UTC)


class History:
    """Writes tickets and their events as they happened, without the services' side effects."""

    def __init__(self, requester, staff) -> None:
        self.requester = requester
        self.staff = staff

    def ticket(self, created: str | datetime, **fields) -> Ticket:
        moment = at(created)
        ticket = Ticket.objects.create(
            subject="History",
            requester=self.requester,
            organization=self.requester.organization,
            created_at=moment,
            updated_at=moment,
            **fields,
        )
        TicketEvent.objects.create(ticket=ticket, kind=EventKind.CREATED, created_at=moment)
        return ticket

    def status(self, ticket: Ticket, when: str | datetime, old: str, new: str, actor=None) -> None:
        moment = at(when)
        TicketEvent.objects.create(
            ticket=ticket,
            actor=actor,
            kind=EventKind.CHANGED,
            field="status",
            from_value=old,
            to_value=new,
            created_at=moment,
        )
        changes: dict = {"status": new, "updated_at": moment}
        if new == "solved":
            changes["solved_at"] = moment
        if new == "closed":
            changes["closed_at"] = moment
        Ticket.objects.filter(pk=ticket.pk).update(**changes)

    def reply(self, ticket: Ticket, when: str | datetime, actor=None) -> None:
        TicketEvent.objects.create(
            ticket=ticket, actor=actor or self.staff, kind=EventKind.MESSAGE, created_at=at(when)
        )

    def move(
        self, ticket: Ticket, when: str | datetime, field: str, old, new, kind=EventKind.CHANGED
    ) -> None:
        """A change of group or tier (by a person, or ROUTED by a routing rule)."""
        TicketEvent.objects.create(
            ticket=ticket,
            kind=kind,
            field=field,
            from_value=str(old),
            to_value=str(new),
            created_at=at(when),
        )
        Ticket.objects.filter(pk=ticket.pk).update(
            **{f"{field}_id" if field == "group" else field: new}
        )

    def escalate(self, ticket: Ticket, when: str | datetime, to_tier: int) -> None:
        Escalation.objects.create(
            ticket=ticket,
            from_tier=to_tier - 1,
            to_tier=to_tier,
            requested_by=self.staff,
            summary="Needs a deeper look",
            created_at=at(when),
        )


@pytest.fixture
def history(alice, agent) -> History:
    return History(alice, agent)
