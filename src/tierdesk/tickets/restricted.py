"""Restricted tickets: who may read them, how more people are named, and the audit of each read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.accounts.models import User
from tierdesk.accounts.selectors import person_by_reference
from tierdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from tierdesk.tickets.choices import EventKind
from tierdesk.tickets.events import record_event
from tierdesk.tickets.models import Ticket


def readers_after(actor: User, ticket: Ticket, changes: dict[str, Any]) -> set[int] | None:
    """Staff who may read the ticket once `changes` apply; None when it will not be restricted.
    Restricting a ticket names the person restricting it and the assignee given with it."""
    if not changes.get("restricted", ticket.restricted):
        return None
    readers = set(ticket.restricted_to.values_list("pk", flat=True)) if ticket.restricted else set()
    if not ticket.restricted:
        readers.add(actor.pk)
        assignee = changes.get("assignee")
        if assignee is not None:
            person = (
                assignee
                if isinstance(assignee, User)
                else person_by_reference(User.objects.filter(is_active=True), assignee)
            )
            if person is not None:
                readers.add(person.pk)
    return readers


@transaction.atomic
def ticket_share_restricted(*, actor: User, ticket: Ticket, people: Sequence[User]) -> Ticket:
    """Names more staff who may read a restricted ticket; only someone who may read it can share it."""
    if actor.is_customer:
        raise PermissionDenied(_("Only staff can share restricted tickets."))
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if not ticket.restricted:
        raise ValidationFailed(restricted=_("This ticket is not restricted."))
    if not ticket.restricted_to.filter(pk=actor.pk).exists():
        raise NotFound(_("No such ticket."))
    if not people:
        raise ValidationFailed(restricted_to=_("Name at least one person."))
    if any(person.is_customer or not person.is_active for person in people):
        raise ValidationFailed(
            restricted_to=_("Only active staff can be named on a restricted ticket.")
        )
    now = timezone.now()
    name_readers(ticket, actor, people, now)
    ticket.updated_at = now
    ticket.save(update_fields=["updated_at"])
    return ticket


def name_readers(ticket: Ticket, actor: User, people: Sequence[User], at: datetime) -> None:
    """Adds readers to a restricted ticket, one audit event per person newly named."""
    named = set(ticket.restricted_to.values_list("pk", flat=True))
    for person in people:
        if person.pk in named:
            continue
        named.add(person.pk)
        ticket.restricted_to.add(person)
        record_event(
            ticket,
            actor=actor,
            kind=EventKind.CHANGED,
            at=at,
            field="restricted_to",
            new=person,
            data={"to_label": person.display_name},
        )


def restricted_ticket_read_record(*, actor: User, ticket: Ticket) -> None:
    """Records that someone read a restricted ticket: the audit trail of who saw what."""
    if ticket.restricted:
        record_event(ticket, actor=actor, kind=EventKind.VIEWED, at=timezone.now())
