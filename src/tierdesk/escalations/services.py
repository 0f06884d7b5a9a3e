"""Writes of escalation: handing a ticket up a tier with its package, accepting, returning and
resolving it, and flagging a ticket as a complaint or incident with its escalation manager.

Decisions the rules below rest on:

- A ticket goes up one tier at a time (1 → 2, 2 → 3): tier 2 decides what engineering sees, so
  tier 1 never skips it.
- Escalations stack. A ticket has at most one open escalation above its current tier; the
  tier-2 engineer holding a 1 → 2 escalation may escalate 2 → 3, and that one must be returned or
  resolved before the 1 → 2 one can be.
- An agent escalates only a ticket nobody holds or they hold, and only at their own tier or a
  lower one: a tier-1 agent does not push a tier-2 ticket to engineering past tier 2's decision,
  and nobody escalates a colleague's ticket out from under them (a return or resolution would
  hand it to the escalator). Managers and administrators escalate any ticket.
- Until accepted the ticket stays with the requester (an unassigned ticket becomes theirs), who
  (or a manager) may withdraw the escalation; the ticket then stays with them at its tier.
- Return and resolve leave an internal note. When the system resolves (actor None, e.g. the
  engineering tracker reporting "fixed"), the note is authored by the escalation's holder, or its
  requester if nobody accepted it, while the events name no actor: the note needs an author, the
  history must not claim a person did it.
- On a closed ticket a return or resolution still closes the escalation and adds its note, but
  leaves tier, assignee and group alone: a closed ticket is final.
- Any agent, manager or administrator may flag a ticket as a complaint or incident; only managers
  and administrators name (or change) its escalation manager, who must be a manager or
  administrator.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Role, Tier
from tierdesk.accounts.models import SkillGroup, User
from tierdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from tierdesk.escalations.models import OPEN_ESCALATION_STATUSES, Escalation, EscalationStatus
from tierdesk.tickets.choices import EscalationFlag, EventKind, MessageKind, Status
from tierdesk.tickets.events import change_field, display_value, record_event
from tierdesk.tickets.models import Attachment, Message, Ticket
from tierdesk.tickets.validation import clean_body

# The package fields each target tier requires. Tier 3 (engineering) must be able to reproduce.
TIER_2_FIELDS = ("summary", "customer_impact", "tried")
TIER_3_FIELDS = (
    *TIER_2_FIELDS,
    "steps_to_reproduce",
    "expected_result",
    "actual_result",
    "environment",
)
REQUIRED_FIELDS: dict[int, tuple[str, ...]] = {
    Tier.BACK_LINE: TIER_2_FIELDS,
    Tier.ENGINEERING: TIER_3_FIELDS,
}
PACKAGE_TEXT_FIELDS = (
    "summary",
    "customer_impact",
    "steps_to_reproduce",
    "expected_result",
    "actual_result",
    "environment",
    "tried",
)
TEXT_MAX = 20_000
LINKS_MAX = 20
LINK_MAX = 2_000
MANAGING_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
FINISHED_STATUSES = frozenset({Status.SOLVED, Status.CLOSED})

_url = URLValidator(schemes=["http", "https"])


def required_fields(to_tier: int) -> tuple[str, ...]:
    """The package fields an escalation to `to_tier` must fill (none for an unknown tier)."""
    return REQUIRED_FIELDS.get(to_tier, ())


def is_managing(user: User) -> bool:
    return user.role in MANAGING_ROLES


# --- shared steps -----------------------------------------------------------------------------


def _lock_ticket(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _lock_escalation(escalation: Escalation) -> Escalation:
    return (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("requested_by", "accepted_by", "group", "from_group")
        .get(pk=escalation.pk)
    )


def _change(ticket: Ticket, actor: User | None, field: str, value: Any, at: datetime) -> None:
    change_field(ticket, actor, field, value, at, label=lambda v: _label(field, v))


def _label(field: str, value: Any) -> str:
    if field == "escalation_flag":
        return str(EscalationFlag(value).label) if value else ""
    return display_value(value)


def _event(
    escalation: Escalation, actor: User | None, action: str, at: datetime, **extra: Any
) -> None:
    record_event(
        escalation.ticket,
        actor=actor,
        kind=EventKind.ESCALATION,
        at=at,
        field="escalation",
        old=escalation.from_tier,
        new=escalation.to_tier,
        data={
            "escalation": escalation.pk,
            "action": action,
            "from_tier": escalation.from_tier,
            "to_tier": escalation.to_tier,
            "summary": escalation.summary[:200],
            "group": escalation.group.name if escalation.group else "",
            **extra,
        },
    )


def _note(ticket: Ticket, *, author: User, actor: User | None, text: str, at: datetime) -> Message:
    errors: dict[str, str] = {}
    body_text, body_html = clean_body(text, "", errors)
    message = Message.objects.create(
        ticket=ticket,
        author=author,
        kind=MessageKind.INTERNAL,
        channel=ticket.channel,
        body_text=body_text,
        body_html=body_html,
        created_at=at,
    )
    record_event(ticket, actor=actor, kind=EventKind.NOTE, at=at, message=message)
    return message


def _ensure_may_escalate(actor: User) -> None:
    if actor.is_customer:
        raise PermissionDenied(_("Escalations are for the support team."))
    if not actor.can_reply_publicly:
        raise PermissionDenied(
            _("Agents, managers and administrators escalate; quality reviewers do not.")
        )


def escalate_refusal(user: User, ticket: Ticket) -> str | None:
    """Why `user` may not escalate `ticket`, or None when they may (ignoring the ticket's state
    and its open escalations): an agent escalates a ticket nobody holds or they hold, and only from
    their own tier or a lower one, so a ticket's holder and tier decide its next step; managers and
    administrators escalate any ticket."""
    if user.is_customer:
        return _("Escalations are for the support team.")
    if not user.can_reply_publicly:
        return _("Agents, managers and administrators escalate; quality reviewers do not.")
    if is_managing(user):
        return None
    # Read only when someone else holds it: no query for a ticket that is free or one's own.
    holder = ticket.assignee if ticket.assignee_id not in (None, user.pk) else None
    if holder is not None:
        return _("%(name)s holds this ticket; only they or a manager escalate it.") % {
            "name": holder.display_name
        }
    if user.tier is None or user.tier < ticket.tier:
        return _(
            "This ticket is at tier %(tier)d; escalating it is for tier %(tier)d engineers or a "
            "manager."
        ) % {"tier": ticket.tier}
    return None


def _higher_open(ticket: Ticket, above_tier: int, exclude: int | None = None) -> Escalation | None:
    """An open escalation of `ticket` to a tier above `above_tier`, if any."""
    open_ones = Escalation.objects.filter(
        ticket=ticket, status__in=OPEN_ESCALATION_STATUSES, to_tier__gt=above_tier
    )
    if exclude is not None:
        open_ones = open_ones.exclude(pk=exclude)
    return open_ones.order_by("-to_tier").first()


# --- create -----------------------------------------------------------------------------------


def _clean_links(links: Iterable[Any], errors: dict[str, list[str]]) -> list[str]:
    cleaned: list[str] = []
    reasons: list[str] = []
    items = list(links or ())
    if len(items) > LINKS_MAX:
        reasons.append(_("At most %(max)d links.") % {"max": LINKS_MAX})
    for item in items[:LINKS_MAX]:
        link = str(item).strip() if item is not None else ""
        if not link:
            continue
        try:
            if len(link) > LINK_MAX:
                raise ValidationError("too long")
            _url(link)
        except ValidationError:
            reasons.append(_("%(link)s is not an http(s) address.") % {"link": link[:100]})
        else:
            cleaned.append(link)
    if reasons:
        errors["links"] = reasons
    return cleaned


def _clean_attachments(
    ticket: Ticket, attachments: Iterable[Attachment | int], errors: dict[str, list[str]]
) -> list[Attachment]:
    wanted: list[int] = []
    reasons: list[str] = []
    for item in attachments or ():
        pk = item.pk if isinstance(item, Attachment) else item
        if isinstance(pk, int) and not isinstance(pk, bool):
            wanted.append(pk)
        else:
            reasons.append(_("%(value)s is not an attachment id.") % {"value": item})
    found = {a.pk: a for a in Attachment.objects.filter(ticket=ticket, pk__in=wanted)}
    for pk in wanted:
        if pk not in found:
            reasons.append(_("Attachment %(id)s is not a file of this ticket.") % {"id": pk})
    if reasons:
        errors["attachments"] = reasons
    return [found[pk] for pk in dict.fromkeys(wanted) if pk in found]


def _receiving_group(
    ticket: Ticket, to_tier: int, group: SkillGroup | None, errors: dict[str, list[str]]
) -> SkillGroup | None:
    if group is not None:
        if group.tier != to_tier:
            errors["group"] = [
                _("%(group)s is a group of %(tier)s.")
                % {"group": group.name, "tier": Tier(group.tier).label}
            ]
        return group
    if not ticket.product_area:
        return None
    # The one group of the target tier for the ticket's product area, when there is exactly one;
    # otherwise the whole tier sees the escalation.
    candidates = list(SkillGroup.objects.filter(tier=to_tier, product_area=ticket.product_area)[:2])
    return candidates[0] if len(candidates) == 1 else None


@transaction.atomic
def escalation_create(
    *,
    actor: User,
    ticket: Ticket,
    to_tier: int,
    summary: str,
    customer_impact: str = "",
    steps_to_reproduce: str = "",
    expected_result: str = "",
    actual_result: str = "",
    environment: str = "",
    tried: str = "",
    links: Sequence[str] = (),
    attachments: Sequence[Attachment | int] = (),
    group: SkillGroup | None = None,
) -> Escalation:
    """Escalates `ticket` one tier up with its package; the ticket stays with the requester until
    someone of the target tier accepts it.

    ValidationFailed names every missing or refused field (the package fields `to_tier`
    requires, `links` that are not http(s) addresses, `attachments` not of this ticket, a `group`
    of another tier, a solved or closed ticket under `status`). PermissionDenied, naming why,
    when `escalate_refusal` refuses the actor. Conflict when the ticket already has an open
    escalation above its tier. A tier-3 escalation opens its engineering issue in
    the same transaction.
    """
    _ensure_may_escalate(actor)
    ticket = _lock_ticket(ticket)
    refusal = escalate_refusal(actor, ticket)
    if refusal is not None:
        raise PermissionDenied(refusal)
    errors: dict[str, list[str]] = {}
    if ticket.status in FINISHED_STATUSES:
        errors["status"] = [_("A solved or closed ticket is not escalated; reopen it first.")]
    if to_tier not in Tier.values:
        errors["to_tier"] = [_("Choose tier 2 or tier 3.")]
    elif to_tier != ticket.tier + 1:
        errors["to_tier"] = [
            _("This ticket is at tier %(tier)d; escalate it to tier %(next)d.")
            % {"tier": ticket.tier, "next": ticket.tier + 1}
            if ticket.tier < Tier.ENGINEERING
            else _("This ticket is already with engineering, the highest tier.")
        ]
    given = {
        "summary": summary,
        "customer_impact": customer_impact,
        "steps_to_reproduce": steps_to_reproduce,
        "expected_result": expected_result,
        "actual_result": actual_result,
        "environment": environment,
        "tried": tried,
    }
    package = {name: (value or "").strip() for name, value in given.items()}
    needed = required_fields(to_tier) if to_tier in Tier.values else TIER_2_FIELDS
    for name in PACKAGE_TEXT_FIELDS:
        if name in needed and not package[name]:
            errors[name] = [
                _("Required for an escalation to tier %(tier)d.") % {"tier": to_tier}
                if to_tier in REQUIRED_FIELDS
                else _("This field is required.")
            ]
        elif len(package[name]) > TEXT_MAX:
            errors[name] = [_("At most %(max)d characters.") % {"max": TEXT_MAX}]
    clean_links = _clean_links(links, errors)
    clean_attachments = _clean_attachments(ticket, attachments, errors)
    receiving = _receiving_group(ticket, to_tier, group, errors) if to_tier in Tier.values else None
    if errors:
        raise ValidationFailed(errors)
    waiting = _higher_open(ticket, ticket.tier)
    if waiting is not None:
        raise Conflict(
            _("This ticket already has an open escalation to tier %(tier)d.")
            % {"tier": waiting.to_tier}
        )

    now = timezone.now()
    escalation = Escalation.objects.create(
        ticket=ticket,
        from_tier=ticket.tier,
        to_tier=to_tier,
        group=receiving,
        from_group=ticket.group,
        requested_by=actor,
        links=clean_links,
        created_at=now,
        **package,
    )
    escalation.attachments.set(clean_attachments)
    _event(escalation, actor, "requested", now)
    if ticket.assignee_id is None and ticket.status != Status.CLOSED:
        _change(ticket, actor, "assignee", actor, now)
    ticket.updated_at = now
    ticket.save()
    if to_tier == Tier.ENGINEERING:
        # Imported here: engineering builds on escalations.
        from tierdesk.engineering.services import escalation_to_engineering

        escalation_to_engineering(escalation)
    return escalation


# --- accept, return, resolve ------------------------------------------------------------------


def may_accept(user: User, escalation: Escalation) -> bool:
    """Whether `user` may accept `escalation` (ignoring its state): someone of the target tier, or
    a manager or administrator, but never the person who escalated."""
    if not user.can_reply_publicly or user.pk == escalation.requested_by_id:
        return False
    return is_managing(user) or user.tier == escalation.to_tier


def may_answer(user: User, escalation: Escalation) -> bool:
    """Whether `user` may return or resolve `escalation`: its holder, a manager or an administrator."""
    if not user.can_reply_publicly:
        return False
    return is_managing(user) or (
        escalation.accepted_by_id is not None and escalation.accepted_by_id == user.pk
    )


@transaction.atomic
def escalation_accept(*, actor: User, escalation: Escalation) -> Escalation:
    """The acting person takes the escalation: the ticket moves to the target tier, becomes
    theirs, and goes to the escalation's group when it names one.

    Conflict unless the escalation is waiting to be accepted; PermissionDenied for anyone but a
    person of the target tier (managers and administrators too), and for the requester.
    """
    ticket = _lock_ticket(escalation.ticket)
    escalation = _lock_escalation(escalation)
    escalation.ticket = ticket
    if actor.is_customer:
        raise PermissionDenied(_("Escalations are for the support team."))
    if escalation.status != EscalationStatus.REQUESTED:
        raise Conflict(
            _("This escalation is %(status)s; only a requested escalation is accepted.")
            % {"status": escalation.get_status_display().lower()}
        )
    if actor.pk == escalation.requested_by_id:
        raise PermissionDenied(_("You escalated this ticket; someone of the next tier accepts it."))
    if not may_accept(actor, escalation):
        raise PermissionDenied(
            _("Only someone of tier %(tier)d, a manager or an administrator accepts this.")
            % {"tier": escalation.to_tier}
        )
    if ticket.status == Status.CLOSED:
        raise ValidationFailed(status=_("This ticket is closed."))

    now = timezone.now()
    escalation.status = EscalationStatus.ACCEPTED
    escalation.accepted_by = actor
    escalation.accepted_at = now
    escalation.save(update_fields=["status", "accepted_by", "accepted_at"])
    _event(escalation, actor, "accepted", now)
    _change(ticket, actor, "tier", escalation.to_tier, now)
    _change(ticket, actor, "assignee", actor, now)
    if escalation.group_id is not None:
        _change(ticket, actor, "group", escalation.group, now)
    ticket.updated_at = now
    ticket.save()
    return escalation


def _hand_back(
    *,
    actor: User | None,
    escalation: Escalation,
    status: str,
    text: str,
    field: str,
) -> Escalation:
    """Closes an open escalation (returned or resolved) and gives the ticket back to the tier,
    group and person it came from, with `text` as an internal note."""
    ticket = _lock_ticket(escalation.ticket)
    escalation = _lock_escalation(escalation)
    escalation.ticket = ticket
    if actor is not None and actor.is_customer:
        raise PermissionDenied(_("Escalations are for the support team."))
    if not escalation.is_open:
        raise Conflict(
            _("This escalation is already %(status)s.")
            % {"status": escalation.get_status_display().lower()}
        )
    if actor is not None and not may_answer(actor, escalation):
        raise PermissionDenied(
            _("Only the person holding this escalation, a manager or an administrator may do this.")
        )
    errors: dict[str, str] = {}
    body, _html = clean_body(text, "", errors, field=field)
    if errors:
        raise ValidationFailed(errors)
    above = _higher_open(ticket, escalation.to_tier, exclude=escalation.pk)
    if above is not None:
        raise Conflict(
            _("The escalation to tier %(tier)d is still open; it is answered first.")
            % {"tier": above.to_tier}
        )

    now = timezone.now()
    escalation.status = status
    if status == EscalationStatus.RETURNED:
        escalation.return_reason = body
        escalation.returned_at = now
        escalation.save(update_fields=["status", "return_reason", "returned_at"])
        action = "returned"
        note = _("Escalation to tier %(tier)d returned: %(text)s")
    else:
        escalation.resolution = body
        escalation.resolved_at = now
        escalation.save(update_fields=["status", "resolution", "resolved_at"])
        action = "resolved"
        note = _("Escalation to tier %(tier)d resolved: %(text)s")
    _event(escalation, actor, action, now, **{field: body[:500]})
    author = actor or escalation.accepted_by or escalation.requested_by
    _note(
        ticket,
        author=author,
        actor=actor,
        text=note % {"tier": escalation.to_tier, "text": body},
        at=now,
    )
    if ticket.status != Status.CLOSED:
        _change(ticket, actor, "tier", escalation.from_tier, now)
        _change(ticket, actor, "assignee", escalation.requested_by, now)
        if escalation.group_id is not None or escalation.from_group_id is not None:
            # The escalation moved the group (or may have): put back the one it came from.
            _change(ticket, actor, "group", escalation.from_group, now)
    ticket.updated_at = now
    ticket.save()
    return escalation


@transaction.atomic
def escalation_return(*, actor: User, escalation: Escalation, reason: str) -> Escalation:
    """Sends the escalation back down: the ticket returns to its former tier, group and the
    requesting engineer, with `reason` as an internal note.

    Conflict when the escalation is not open (or one above it still is); PermissionDenied for
    anyone but its holder, a manager or an administrator; ValidationFailed naming `reason`.
    """
    return _hand_back(
        actor=actor,
        escalation=escalation,
        status=EscalationStatus.RETURNED,
        text=reason,
        field="reason",
    )


@transaction.atomic
def escalation_resolve(
    *, actor: User | None, escalation: Escalation, resolution: str
) -> Escalation:
    """Answers the escalation: the ticket goes back to the requesting tier and engineer, who
    answers the customer, with `resolution` as an internal note. `actor` None is the system (the
    engineering tracker reporting "fixed"), which may resolve a requested escalation too.

    Refusals as for `escalation_return`, with `resolution` named instead of `reason`.
    """
    return _hand_back(
        actor=actor,
        escalation=escalation,
        status=EscalationStatus.RESOLVED,
        text=resolution,
        field="resolution",
    )


def may_withdraw(user: User, escalation: Escalation) -> bool:
    """Whether `user` may withdraw `escalation` (ignoring its state): the person who escalated,
    a manager or an administrator."""
    if not user.can_reply_publicly:
        return False
    return is_managing(user) or user.pk == escalation.requested_by_id


@transaction.atomic
def escalation_withdraw(*, actor: User, escalation: Escalation, reason: str) -> Escalation:
    """Takes back an escalation nobody has accepted yet: it is closed as withdrawn with `reason`,
    also added as an internal note, and the ticket stays where it is, at the lower tier with
    the person who escalated.

    Conflict unless the escalation is still requested; PermissionDenied for anyone but the
    person who escalated, a manager or an administrator; ValidationFailed naming `reason`.
    """
    ticket = _lock_ticket(escalation.ticket)
    escalation = _lock_escalation(escalation)
    escalation.ticket = ticket
    if actor.is_customer:
        raise PermissionDenied(_("Escalations are for the support team."))
    if escalation.status != EscalationStatus.REQUESTED:
        raise Conflict(
            _("This escalation is %(status)s; only a requested escalation is withdrawn.")
            % {"status": escalation.get_status_display().lower()}
        )
    if not may_withdraw(actor, escalation):
        raise PermissionDenied(
            _("%(name)s escalated this ticket; only they or a manager withdraw the escalation.")
            % {"name": escalation.requested_by.display_name}
        )
    errors: dict[str, str] = {}
    body, _html = clean_body(reason, "", errors, field="reason")
    if errors:
        raise ValidationFailed(errors)

    now = timezone.now()
    escalation.status = EscalationStatus.WITHDRAWN
    escalation.withdraw_reason = body
    escalation.withdrawn_at = now
    escalation.save(update_fields=["status", "withdraw_reason", "withdrawn_at"])
    _event(escalation, actor, "withdrawn", now, reason=body[:500])
    _note(
        ticket,
        author=actor,
        actor=actor,
        text=_("Escalation to tier %(tier)d withdrawn: %(text)s")
        % {"tier": escalation.to_tier, "text": body},
        at=now,
    )
    ticket.updated_at = now
    ticket.save()
    return escalation


# --- complaints and incidents -----------------------------------------------------------------


@transaction.atomic
def ticket_flag_escalation(
    *,
    actor: User,
    ticket: Ticket,
    flag: str,
    escalation_manager: User | None,
) -> Ticket:
    """Flags the ticket as a complaint or incident ("" clears it) and names its escalation
    manager, who owns the customer communication while the engineers keep the technical work.

    Agents, managers and administrators flag; only managers and administrators name or change
    the escalation manager, who must be an active manager or administrator. Clearing the flag
    clears the escalation manager, so only they clear a flag that has one. Each change is one event; an unchanged value records nothing.
    """
    _ensure_may_escalate(actor)
    ticket = _lock_ticket(ticket)
    errors: dict[str, str] = {}
    if ticket.status == Status.CLOSED:
        errors["status"] = _("This ticket is closed.")
    if flag not in {"", *EscalationFlag.values}:
        errors["flag"] = _("Choose complaint, incident or nothing.")
    if escalation_manager is not None:
        if not flag:
            errors["escalation_manager"] = _(
                "Flag the ticket as a complaint or incident to give it an escalation manager."
            )
        elif not escalation_manager.is_active or not is_managing(escalation_manager):
            errors["escalation_manager"] = _(
                "An escalation manager is an active manager or administrator."
            )
    if errors:
        raise ValidationFailed(errors)
    manager = escalation_manager if flag else None
    current = ticket.escalation_manager
    if manager != current and not is_managing(actor):
        if not flag and current is not None:
            raise PermissionDenied(
                _(
                    "%(name)s owns this ticket's customer communication; only managers and "
                    "administrators clear its flag."
                )
                % {"name": current.display_name}
            )
        raise PermissionDenied(_("Only managers and administrators name the escalation manager."))

    now = timezone.now()
    _change(ticket, actor, "escalation_flag", flag, now)
    _change(ticket, actor, "escalation_manager", manager, now)
    ticket.updated_at = now
    ticket.save()
    return ticket
