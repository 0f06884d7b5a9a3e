"""Merging a duplicate ticket into another: the conversation moves, the duplicate's requester
joins the surviving ticket, and both histories say so."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.accounts.models import User
from tierdesk.core.errors import PermissionDenied, ValidationFailed
from tierdesk.escalations.models import OPEN_ESCALATION_STATUSES, Escalation
from tierdesk.macros.choices import CollaboratorReason
from tierdesk.macros.models import TicketCollaborator
from tierdesk.tickets.choices import EventKind, Status
from tierdesk.tickets.events import record_event
from tierdesk.tickets.models import Attachment, Message, Ticket
from tierdesk.tickets.restricted import name_readers
from tierdesk.tickets.selectors import ticket_get_for_user
from tierdesk.tickets.services import apply_status, ticket_add_note


def _merge_refusals(source: Ticket, target: Ticket) -> dict[str, str]:
    errors: dict[str, str] = {}
    if source.pk == target.pk:
        errors["into"] = _("A ticket cannot be merged into itself.")
    elif source.organization_id != target.organization_id:
        errors["into"] = _("Only tickets of the same organization can be merged.")
    elif target.status == Status.CLOSED:
        errors["into"] = _("#%(number)s is closed; merge into an open ticket.") % {
            "number": target.number
        }
    elif source.restricted and not target.restricted:
        errors["into"] = _(
            "#%(number)s is restricted; merging it would show its messages to everyone who "
            "reads #%(target)s. Restrict #%(target)s first."
        ) % {"number": source.number, "target": target.number}
    if source.status == Status.CLOSED and "into" not in errors:
        errors["ticket"] = _("#%(number)s is closed; a closed ticket is not merged.") % {
            "number": source.number
        }
    elif "into" not in errors:
        # The escalation, and any engineering issue it opened, would stay on the closed
        # duplicate: nobody could answer it there.
        escalation = (
            Escalation.objects.filter(ticket=source, status__in=OPEN_ESCALATION_STATUSES)
            .order_by("-to_tier", "-id")
            .first()
        )
        if escalation is not None:
            errors["ticket"] = _(
                "#%(number)s has an open escalation to tier %(tier)d; resolve or return it first."
            ) % {"number": source.number, "tier": escalation.to_tier}
    return errors


@transaction.atomic
def ticket_merge(*, actor: User, source: Ticket, target: Ticket) -> Ticket:
    """Merges the duplicate `source` into `target` and returns `target`.

    The source's messages and attachments move to the target (one conversation, one truth);
    its requester and additional requesters join the target as additional requesters; the
    source keeps its own history, gets `merged_into`, an internal note "Merged into #N" and is
    closed. Both tickets record a `merged` event. On a restricted target, the source's readers
    are named on it, so nobody loses sight of messages they could read.

    Staff who reply to customers may merge; both tickets must be readable by the actor (else
    NotFound), of the same organization, not closed, and a restricted source only goes into a
    restricted target; the source may have no open escalation (its escalation and engineering
    issue would be stranded on the closed duplicate). Else ValidationFailed naming `into` or
    `ticket`.
    """
    if not actor.can_reply_publicly:
        raise PermissionDenied(_("Only staff who reply to customers merge tickets."))
    # Readable by the actor, whichever way the tickets were found.
    ticket_get_for_user(actor, source.pk)
    ticket_get_for_user(actor, target.pk)
    # Both rows locked, the lower number first, so two merges of the same pair cannot deadlock.
    locked = {
        t.pk: t
        for t in Ticket.objects.select_for_update()
        .filter(pk__in=[source.pk, target.pk])
        .order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    errors = _merge_refusals(source, target)
    if errors:
        raise ValidationFailed(errors)

    now = timezone.now()
    moved_messages = Message.objects.filter(ticket=source).update(ticket=target)
    moved_files = Attachment.objects.filter(ticket=source).update(ticket=target)
    joined = _add_requesters(actor, source, target, now)
    if target.restricted:
        name_readers(target, actor, list(source.restricted_to.all()), now)

    record_event(
        target,
        actor=actor,
        kind=EventKind.MERGED,
        at=now,
        field="merged_from",
        new=source.number,
        data={
            "from": source.number,
            "to_label": f"#{source.number}",
            "messages": moved_messages,
            "attachments": moved_files,
            "requesters": [p.pk for p in joined],
        },
    )
    record_event(
        source,
        actor=actor,
        kind=EventKind.MERGED,
        at=now,
        field="merged_into",
        new=target.number,
        data={"into": target.number, "to_label": f"#{target.number}"},
    )
    ticket_add_note(
        actor=actor,
        ticket=source,
        body=_("Merged into #%(number)s.") % {"number": target.number},
    )
    source = Ticket.objects.get(pk=source.pk)
    source.merged_into = target
    apply_status(source, actor, Status.CLOSED, now)
    source.updated_at = now
    source.save()
    target.updated_at = now
    target.save(update_fields=["updated_at"])
    return target


def _add_requesters(actor: User, source: Ticket, target: Ticket, at: datetime) -> list[User]:
    """The source's requester and additional requesters, as additional requesters of the
    target (never the target's own requester, never twice). Returns the people who joined."""
    present = set(
        TicketCollaborator.objects.filter(ticket=target).values_list("person_id", flat=True)
    )
    present.add(target.requester_id)
    candidates = [source.requester] + [
        c.person for c in TicketCollaborator.objects.filter(ticket=source).select_related("person")
    ]
    joined: list[User] = []
    for person in candidates:
        if person.pk in present:
            continue
        present.add(person.pk)
        TicketCollaborator.objects.create(
            ticket=target,
            person=person,
            reason=CollaboratorReason.MERGED,
            source_ticket=source,
            added_by=actor,
            created_at=at,
        )
        joined.append(person)
    return joined
