"""Every write on a ticket: open, reply, note, change fields, attach. Each records its events in
the same transaction, so the history metrics are computed from is always complete."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Language, Role, Tier
from tierdesk.accounts.models import SkillGroup, User
from tierdesk.accounts.selectors import person_by_reference, skill_group_by_reference
from tierdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tierdesk.tickets.choices import (
    STATUS_TRANSITIONS,
    Channel,
    EventKind,
    MessageKind,
    Priority,
    ProductArea,
    Status,
    TicketType,
)
from tierdesk.tickets.events import change_field, record_event
from tierdesk.tickets.models import Attachment, Message, Ticket
from tierdesk.tickets.restricted import (
    name_readers,
    readers_after,
    restricted_ticket_read_record,
    ticket_share_restricted,
)
from tierdesk.tickets.validation import (
    NewAttachment,
    check_attachments,
    check_choice,
    clean_body,
    clean_subject,
    normalize_tags,
)

__all__ = [
    "NewAttachment",
    "restricted_ticket_read_record",
    "ticket_add_note",
    "ticket_attach",
    "ticket_claim",
    "ticket_open",
    "ticket_open_follow_up",
    "ticket_release",
    "ticket_reply",
    "ticket_share_restricted",
    "ticket_update",
]

# Fields a PATCH may change, and who may change them. Customers may only close the loop on
# their own request (status) and fix their wording (subject).
STAFF_FIELDS = frozenset(
    {
        "subject",
        "status",
        "priority",
        "type",
        "product_area",
        "tier",
        "group",
        "assignee",
        "language",
        "tags",
        "restricted",
    }
)
CUSTOMER_FIELDS = frozenset({"subject", "status"})
# Urgent is the desk's call, made from the impact; customers choose up to high.
CUSTOMER_PRIORITIES = frozenset({Priority.LOW, Priority.NORMAL, Priority.HIGH})
# Phone and proactive tickets are opened by staff or the system on a customer's behalf.
CUSTOMER_CHANNELS = frozenset({Channel.PORTAL, Channel.API, Channel.EMAIL, Channel.CHAT})


# --- open --------------------------------------------------------------------------------------


@transaction.atomic
def ticket_open(
    *,
    actor: User,
    subject: str,
    body: str = "",
    body_html: str = "",
    requester: User | None = None,
    channel: str = Channel.PORTAL,
    type: str = TicketType.QUESTION,
    product_area: str = "",
    priority: str = Priority.NORMAL,
    language: str = "",
    tags: Sequence[str] = (),
    group: SkillGroup | None = None,
    restricted: bool = False,
    attachments: Sequence[NewAttachment] = (),
    route: bool = True,
) -> Ticket:
    """Opens a ticket with its first message. Customers open for themselves; staff for any contact.

    Routing runs over the new ticket before this returns. With `route` False the caller routes it
    in the same transaction instead: intake opening many tickets at once routes them together
    with routing.services.tickets_route.

    Raises ValidationFailed naming every refused field; nothing is stored in that case.
    """
    errors: dict[str, str] = {}
    subject_text = clean_subject(subject, errors)
    body_text, clean_html = clean_body(body, body_html, errors)
    check_choice(errors, "channel", channel, Channel.values)
    check_choice(errors, "type", type, TicketType.values)
    check_choice(errors, "priority", priority, Priority.values)
    if product_area:
        check_choice(errors, "product_area", product_area, ProductArea.values)
    if language:
        check_choice(errors, "language", language, Language.values)
    clean_tags = normalize_tags(list(tags), errors)
    check_attachments(attachments, errors)

    _ensure_public_voice(actor)
    if actor.is_customer:
        _check_customer_opening(errors, requester, actor, priority, channel, group, restricted)
        requester = actor
    elif requester is None:
        requester = actor
    elif not requester.is_active:
        errors["requester"] = _("This person's account is disabled.")
    if errors:
        raise ValidationFailed(errors)
    assert requester is not None

    now = timezone.now()
    ticket = Ticket.objects.create(
        subject=subject_text,
        requester=requester,
        # Through the requester's loaded organization, so the answer needs no second query.
        organization=requester.organization if requester.organization_id else None,
        channel=channel,
        type=type,
        product_area=product_area,
        priority=priority,
        status=Status.NEW,
        tier=Tier.FRONT_LINE,
        group=group,
        language=language or requester.language or Language.ENGLISH,
        tags=clean_tags,
        restricted=restricted,
        created_at=now,
        updated_at=now,
    )
    if restricted:
        name_readers(ticket, actor, [actor], now)
    record_event(
        ticket,
        actor=actor,
        kind=EventKind.CREATED,
        at=now,
        data={
            "channel": channel,
            "type": type,
            "priority": priority,
            "product_area": product_area,
            "language": ticket.language,
            "tags": clean_tags,
            "requester": requester.pk,
            "group": group.pk if group else None,
        },
    )
    message = Message.objects.create(
        ticket=ticket,
        author=actor,
        kind=MessageKind.PUBLIC,
        channel=channel,
        body_text=body_text,
        body_html=clean_html,
        created_at=now,
    )
    record_event(ticket, actor=actor, kind=EventKind.MESSAGE, at=now, message=message)
    _store_attachments(ticket=ticket, message=message, actor=actor, attachments=attachments, at=now)
    if route:
        # Imported here: routing builds on tickets, so a module-level import would be circular.
        from tierdesk.routing.services import ticket_route

        ticket_route(ticket, actor=None)
    return ticket


def _check_customer_opening(
    errors: dict[str, str],
    requester: User | None,
    actor: User,
    priority: str,
    channel: str,
    group: SkillGroup | None,
    restricted: bool,
) -> None:
    if requester is not None and requester.pk != actor.pk:
        errors["requester"] = _("Customers open tickets for themselves only.")
    if restricted:
        errors["restricted"] = _("Only staff can restrict a ticket.")
    if group is not None:
        errors["group"] = _("The support team chooses the group.")
    if priority in Priority.values and priority not in CUSTOMER_PRIORITIES:
        errors["priority"] = _("Choose low, normal or high; the support team sets urgent.")
    if channel in Channel.values and channel not in CUSTOMER_CHANNELS:
        errors["channel"] = _("Customers open tickets by portal, API, email or chat.")


@transaction.atomic
def ticket_open_follow_up(
    *,
    actor: User,
    ticket: Ticket,
    body: str = "",
    body_html: str = "",
    channel: str | None = None,
    attachments: Sequence[NewAttachment] = (),
) -> Ticket:
    """Opens a new ticket that continues a closed one, for a message that arrives after closing.

    The follow-up keeps the closed ticket's requester, subject, type, product area, group,
    language and tags; both tickets record the link, so neither history is rewritten.
    """
    ticket = _lock(ticket)
    if actor.is_customer and ticket.organization_id != actor.organization_id:
        raise NotFound(_("No such ticket."))
    if ticket.status != Status.CLOSED:
        raise ValidationFailed(
            status=_("Only a closed ticket gets a follow-up; reply to it instead.")
        )
    follow_up = ticket_open(
        actor=actor,
        subject=ticket.subject,
        body=body,
        body_html=body_html,
        requester=ticket.requester if actor.is_support_staff else None,
        channel=channel or (Channel.PORTAL if actor.is_customer else ticket.channel),
        type=ticket.type,
        product_area=ticket.product_area,
        priority=ticket.priority if ticket.priority in CUSTOMER_PRIORITIES else Priority.HIGH,
        language=ticket.language,
        tags=ticket.tags,
        group=None if actor.is_customer else ticket.group,
        attachments=attachments,
    )
    now = follow_up.created_at
    if actor.is_customer and ticket.group_id:
        # The customer may not choose a group, but the follow-up belongs with the same team.
        follow_up.group_id = ticket.group_id
        follow_up.save(update_fields=["group"])
    if ticket.restricted:
        # What was restricted stays restricted, readable by the same people.
        follow_up.restricted = True
        follow_up.save(update_fields=["restricted"])
        name_readers(follow_up, actor, list(ticket.restricted_to.all()), now)
    record_event(
        follow_up,
        actor=actor,
        kind=EventKind.CHANGED,
        at=now,
        field="follow_up_of",
        new=ticket.number,
        data={"to_label": f"#{ticket.number}"},
    )
    record_event(
        ticket,
        actor=actor,
        kind=EventKind.CHANGED,
        at=now,
        field="followed_up_by",
        new=follow_up.number,
        data={"to_label": f"#{follow_up.number}"},
    )
    return follow_up


# --- conversation ------------------------------------------------------------------------------


def _ensure_public_voice(actor: User) -> None:
    """Quality reviewers read and annotate; nothing they do reaches a customer."""
    if actor.is_support_staff and not actor.can_reply_publicly:
        raise PermissionDenied(
            _("Quality reviewers add internal notes; they do not reply to customers.")
        )


def _ensure_can_write(actor: User, ticket: Ticket) -> None:
    if actor.is_customer and ticket.organization_id != actor.organization_id:
        raise NotFound(_("No such ticket."))
    if ticket.status == Status.CLOSED:
        raise ValidationFailed(status=_("This ticket is closed; open a new ticket to follow up."))


@transaction.atomic
def ticket_reply(
    *,
    actor: User,
    ticket: Ticket,
    body: str = "",
    body_html: str = "",
    status: str | None = None,
    channel: str | None = None,
    attachments: Sequence[NewAttachment] = (),
) -> Message:
    """Adds a public reply. A staff reply may set the next status (default: open) and counts as
    the first response once; a customer reply reopens a pending or solved ticket, unless it was
    solved more than TIERDESK_REOPEN_WINDOW_DAYS ago: then the solved ticket closes and the reply
    opens a follow-up ticket linked to it."""
    _ensure_public_voice(actor)
    ticket = _lock(ticket)
    _ensure_can_write(actor, ticket)
    now = timezone.now()
    window = timedelta(days=settings.TIERDESK_REOPEN_WINDOW_DAYS)
    solved_at = ticket.solved_at if ticket.status == Status.SOLVED else None
    if actor.is_customer and solved_at is not None and now - solved_at > window:
        # Past the reopen window a solved ticket is final: it closes, as autoclose would, and the
        # answer opens a follow-up linked to it. The message returned is the follow-up's first.
        apply_status(ticket, None, Status.CLOSED, now)
        ticket.updated_at = now
        ticket.save()
        follow_up = ticket_open_follow_up(
            actor=actor,
            ticket=ticket,
            body=body,
            body_html=body_html,
            channel=channel,
            attachments=attachments,
        )
        return follow_up.messages.get()
    errors: dict[str, str] = {}
    body_text, clean_html = clean_body(body, body_html, errors)
    if channel is not None:
        check_choice(errors, "channel", channel, Channel.values)
    check_attachments(attachments, errors)
    next_status = _status_after_reply(actor, ticket, status, errors)
    if errors:
        raise ValidationFailed(errors)

    message = Message.objects.create(
        ticket=ticket,
        author=actor,
        kind=MessageKind.PUBLIC,
        channel=channel or ticket.channel,
        body_text=body_text,
        body_html=clean_html,
        created_at=now,
    )
    record_event(ticket, actor=actor, kind=EventKind.MESSAGE, at=now, message=message)
    _store_attachments(ticket=ticket, message=message, actor=actor, attachments=attachments, at=now)
    if actor.is_support_staff and ticket.first_responded_at is None:
        change_field(ticket, actor, "first_responded_at", now, now)
    _mark_reactivation(ticket, actor, now)
    if next_status and next_status != ticket.status:
        apply_status(ticket, actor, next_status, now)
    ticket.updated_at = now
    ticket.save()
    return message


def _mark_reactivation(ticket: Ticket, actor: User, at: datetime) -> None:
    """A customer answering after the desk has reactivates the ticket: it needs its owner (or,
    unowned, the queue) again. The desk's next public reply settles it."""
    if actor.is_support_staff:
        ticket.reactivated_at = None
    elif ticket.first_responded_at is not None and ticket.reactivated_at is None:
        ticket.reactivated_at = at


def _status_after_reply(
    actor: User, ticket: Ticket, requested: str | None, errors: dict[str, str]
) -> str | None:
    if actor.is_customer:
        if requested:
            errors["status"] = _("Customers cannot set a status with a reply.")
        return (
            Status.OPEN
            if ticket.status in {Status.PENDING, Status.SOLVED, Status.ON_HOLD}
            else None
        )
    if requested is None:
        return Status.OPEN if ticket.status == Status.NEW else None
    check_choice(errors, "status", requested, Status.values)
    if "status" not in errors and requested != ticket.status and not ticket.can_move_to(requested):
        errors["status"] = _transition_refusal(ticket.status, requested)
    return requested


@transaction.atomic
def ticket_add_note(
    *,
    actor: User,
    ticket: Ticket,
    body: str = "",
    body_html: str = "",
    attachments: Sequence[NewAttachment] = (),
) -> Message:
    """Adds an internal note, which customers never see. Notes do not count as a response."""
    if not actor.is_support_staff:
        raise PermissionDenied(_("Only staff can add internal notes."))
    ticket = _lock(ticket)
    errors: dict[str, str] = {}
    body_text, clean_html = clean_body(body, body_html, errors)
    check_attachments(attachments, errors)
    if errors:
        raise ValidationFailed(errors)
    now = timezone.now()
    message = Message.objects.create(
        ticket=ticket,
        author=actor,
        kind=MessageKind.INTERNAL,
        channel=ticket.channel,
        body_text=body_text,
        body_html=clean_html,
        created_at=now,
    )
    record_event(ticket, actor=actor, kind=EventKind.NOTE, at=now, message=message)
    _store_attachments(ticket=ticket, message=message, actor=actor, attachments=attachments, at=now)
    ticket.updated_at = now
    ticket.save(update_fields=["updated_at"])
    return message


@transaction.atomic
def ticket_attach(
    *, actor: User, ticket: Ticket, attachments: Sequence[NewAttachment]
) -> list[Attachment]:
    """Attaches files to a ticket outside a message (customers and staff alike)."""
    _ensure_public_voice(actor)
    ticket = _lock(ticket)
    _ensure_can_write(actor, ticket)
    errors: dict[str, str] = {}
    if not attachments:
        errors["attachments"] = _("Choose at least one file.")
    check_attachments(attachments, errors)
    if errors:
        raise ValidationFailed(errors)
    now = timezone.now()
    stored = _store_attachments(
        ticket=ticket, message=None, actor=actor, attachments=attachments, at=now
    )
    ticket.updated_at = now
    ticket.save(update_fields=["updated_at"])
    return stored


def _store_attachments(
    *,
    ticket: Ticket,
    message: Message | None,
    actor: User,
    attachments: Sequence[NewAttachment],
    at: datetime,
) -> list[Attachment]:
    stored = []
    for item in attachments:
        attachment = Attachment(
            ticket=ticket,
            message=message,
            uploaded_by=actor,
            filename=PurePath(item.filename).name[:255] or "attachment",
            content_type=item.content_type[:120],
            size=item.file.size or 0,
            created_at=at,
        )
        attachment.file.save(attachment.filename, item.file, save=False)
        attachment.save()
        record_event(
            ticket,
            actor=actor,
            kind=EventKind.ATTACHMENT,
            at=at,
            message=message,
            new=attachment.filename,
            data={
                "attachment": attachment.pk,
                "size": attachment.size,
                "content_type": attachment.content_type,
            },
        )
        stored.append(attachment)
    return stored


# --- field changes -----------------------------------------------------------------------------


def _lock(ticket: Ticket) -> Ticket:
    """The ticket re-read under a row lock, so two concurrent changes never lose one another."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _transition_refusal(current: str, requested: str) -> str:
    # Status names as the person reads them in their language; API clients see the same labels.
    allowed = [str(Status(status).label) for status in sorted(STATUS_TRANSITIONS[current])]
    if not allowed:
        return _("A %(current)s ticket cannot change status.") % {"current": Status(current).label}
    return _("A %(current)s ticket cannot move to %(requested)s; allowed: %(allowed)s.") % {
        "current": Status(current).label,
        "requested": Status(requested).label,
        "allowed": ", ".join(allowed),
    }


def apply_status(ticket: Ticket, actor: User | None, status: str, at: datetime) -> None:
    previous = ticket.status
    change_field(ticket, actor, "status", status, at)
    if status == Status.SOLVED:
        ticket.solved_at = at
    elif status == Status.CLOSED:
        ticket.closed_at = at
    elif previous == Status.SOLVED:
        # Reopened: the ticket is unsolved again; solved_at will be set anew when it is solved.
        ticket.solved_at = None


def _resolve_assignee(
    value: Any, ticket: Ticket, readers_after: set[int] | None, errors: dict[str, str]
) -> User | None:
    """The assignee named by a person, id or username. `readers_after` is the set of staff who
    may read the ticket after this change, or None when it is not restricted."""
    if value is None or value == "":
        return None
    assignee = (
        value
        if isinstance(value, User)
        else person_by_reference(User.objects.filter(is_active=True), value)
    )
    if assignee is None or not assignee.is_active:
        errors["assignee"] = _("No active person %(value)s.") % {"value": value}
        return None
    if assignee.is_customer or assignee.role == Role.REVIEWER:
        errors["assignee"] = _("Tickets are assigned to agents, managers or administrators.")
        return None
    if readers_after is not None and assignee.pk not in readers_after:
        errors["assignee"] = _("%(name)s may not read this restricted ticket.") % {
            "name": assignee.display_name
        }
        return None
    return assignee


def _resolve_group(value: Any, errors: dict[str, str]) -> SkillGroup | None:
    if value is None or value == "":
        return None
    group = value if isinstance(value, SkillGroup) else skill_group_by_reference(value)
    if group is None:
        errors["group"] = _("No skill group %(value)s.") % {"value": value}
    return group


@transaction.atomic
def ticket_update(*, actor: User, ticket: Ticket, changes: dict[str, Any]) -> Ticket:
    """Changes ticket fields. Each changed field is one event; an unchanged value records nothing.

    `changes` may hold subject, status, priority, type, product_area, tier, group (id or name),
    assignee (id or username, None to unassign), language, tags, restricted. Every refused
    field is named in ValidationFailed and nothing is changed.
    """
    _ensure_public_voice(actor)
    ticket = _lock(ticket)
    if actor.is_customer and ticket.organization_id != actor.organization_id:
        raise NotFound(_("No such ticket."))
    allowed = CUSTOMER_FIELDS if actor.is_customer else STAFF_FIELDS
    errors: dict[str, str] = {}
    for field in changes:
        if field not in STAFF_FIELDS:
            errors[field] = _("Unknown field.")
        elif field not in allowed:
            errors[field] = _("You may not change this field.")
    if errors:
        raise ValidationFailed(errors)
    if ticket.status == Status.CLOSED and set(changes) - {"tags"}:
        raise ValidationFailed(status=_("This ticket is closed; only its tags can change."))

    values = _validate_changes(actor, ticket, changes, errors)
    if errors:
        raise ValidationFailed(errors)

    now = timezone.now()
    if values.get("restricted") and not ticket.restricted:
        # Whoever restricts the ticket, and whoever owns it, keep reading it.
        owner = values.get("assignee", ticket.assignee)
        name_readers(ticket, actor, [p for p in (actor, owner) if p is not None], now)
    for field, value in values.items():
        if field == "status":
            if value != ticket.status:
                apply_status(ticket, actor, value, now)
        else:
            change_field(ticket, actor, field, value, now)
    ticket.updated_at = now
    ticket.save()
    return ticket


def _validate_changes(
    actor: User, ticket: Ticket, changes: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field, value in changes.items():
        if field == "subject":
            values[field] = clean_subject(value, errors)
        elif field == "status":
            check_choice(errors, "status", value, Status.values)
            if "status" in errors:
                continue
            if actor.is_customer and not _customer_may_set_status(ticket.status, value):
                errors["status"] = _("Customers may mark a ticket solved or reopen it.")
            elif actor.is_customer and value == Status.OPEN and reopen_window_passed(ticket):
                errors["status"] = _(
                    "This request was solved more than %(days)d days ago and cannot be reopened; "
                    "reply to it to open a follow-up."
                ) % {"days": settings.TIERDESK_REOPEN_WINDOW_DAYS}
            elif value != ticket.status and not ticket.can_move_to(value):
                errors["status"] = _transition_refusal(ticket.status, value)
            else:
                values[field] = value
        elif field == "priority":
            check_choice(errors, field, value, Priority.values)
            values[field] = value
        elif field == "type":
            check_choice(errors, field, value, TicketType.values)
            values[field] = value
        elif field == "product_area":
            if value:
                check_choice(errors, field, value, ProductArea.values)
            values[field] = value or ""
        elif field == "language":
            check_choice(errors, field, value, Language.values)
            values[field] = value
        elif field == "tier":
            check_choice(errors, field, value, Tier.values)
            values[field] = value
        elif field == "tags":
            values[field] = normalize_tags(value, errors)
        elif field == "restricted":
            if not isinstance(value, bool):
                errors[field] = _("Give true or false.")
            values[field] = value
        elif field == "group":
            values[field] = _resolve_group(value, errors)
        elif field == "assignee":
            values[field] = _resolve_assignee(
                value, ticket, readers_after(actor, ticket, changes), errors
            )
    return values


def reopen_window_passed(ticket: Ticket) -> bool:
    """Whether the ticket was solved longer ago than TIERDESK_REOPEN_WINDOW_DAYS: its customer
    no longer reopens it, and their reply opens a follow-up instead."""
    if ticket.status != Status.SOLVED or ticket.solved_at is None:
        return False
    window = timedelta(days=settings.TIERDESK_REOPEN_WINDOW_DAYS)
    return timezone.now() - ticket.solved_at > window


def _customer_may_set_status(current: str, requested: str) -> bool:
    if requested == current:
        return True
    if requested == Status.SOLVED:
        return True
    return requested == Status.OPEN and current == Status.SOLVED


@transaction.atomic
def ticket_claim(*, actor: User, ticket: Ticket) -> Ticket:
    """Moves the ticket from its group's queue into the actor's portfolio (the "take it" move).

    The row lock makes two engineers claiming at the same moment queue up: the first wins, the
    second finds the ticket held and gets Conflict. Claiming a ticket one already holds is a no-op.
    """
    locked = _lock(ticket)
    if locked.assignee_id == actor.pk:
        return locked
    holder = locked.assignee
    if holder is not None:
        raise Conflict(_("%(name)s already holds this ticket.") % {"name": holder.display_name})
    return ticket_update(actor=actor, ticket=locked, changes={"assignee": actor})


@transaction.atomic
def ticket_release(*, actor: User, ticket: Ticket) -> Ticket:
    """Puts a held ticket back in its group's queue. The holder releases; managers and
    administrators may release anyone's ticket (someone is ill, a portfolio is rebalanced)."""
    locked = _lock(ticket)
    if locked.assignee_id is None:
        raise Conflict(_("Nobody holds this ticket."))
    if locked.assignee_id != actor.pk and actor.role not in {Role.MANAGER, Role.ADMIN}:
        raise PermissionDenied(_("Only the holder or a manager can release this ticket."))
    return ticket_update(actor=actor, ticket=locked, changes={"assignee": None})
