"""Changes made from the work pages: claiming a ticket from a queue."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tierdesk.accounts.models import User
from tierdesk.core.errors import PermissionDenied
from tierdesk.queues.selectors import sees_every_queue
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_claim


def queue_claim(*, actor: User, ticket: Ticket) -> Ticket:
    """Claims `ticket` from its queue for `actor` (see `ticket_claim`: Conflict naming the holder
    when someone else holds it; a no-op for its holder).

    A group's queue is claimed from by its members, managers and administrators: anyone else gets
    PermissionDenied naming the group. A ticket in no group is anyone's to claim. Membership is
    checked on `ticket` as the caller read it, before `ticket_claim` locks the row.
    """
    group = ticket.group
    if (
        group is not None
        and ticket.assignee_id != actor.pk
        and not sees_every_queue(actor)
        and not actor.skill_groups.filter(pk=group.pk).exists()
    ):
        raise PermissionDenied(
            _("Only members of %(group)s, managers and administrators claim from its queue.")
            % {"group": group.name}
        )
    return ticket_claim(actor=actor, ticket=ticket)
