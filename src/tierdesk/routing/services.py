"""Every write of routing: the rules and their order, group assignment modes, engineers' shifts and
capacity, and routing tickets (one as it is opened, or many at once) with their events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.accounts.models import SkillGroup, User
from tierdesk.accounts.selectors import skill_group_by_reference
from tierdesk.core.errors import NotFound, ValidationFailed
from tierdesk.routing import assignment, effects
from tierdesk.routing.choices import AssignmentMode, Weekday
from tierdesk.routing.models import (
    Availability,
    GroupAssignment,
    RoutingRule,
    RuleBookVersion,
    Shift,
)
from tierdesk.routing.permissions import (
    ensure_availability_editor,
    ensure_routing_reader,
    ensure_rule_editor,
)
from tierdesk.routing.rulebook import (
    Prediction,
    RuleBook,
    clean_actions,
    clean_conditions,
    compile_rules,
)
from tierdesk.tickets.choices import Status
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.validation import check_choice

__all__ = [
    "ShiftIn",
    "availability_set",
    "ensure_routing_reader",
    "group_assignment_set",
    "queue_reroute",
    "renew_rule_book",
    "routing_rule_create",
    "routing_rule_delete",
    "routing_rule_move",
    "routing_rule_reorder",
    "routing_rule_update",
    "rule_book",
    "ticket_route",
    "tickets_assign",
    "tickets_route",
]

NAME_MAX = 120
# Rows per bulk insert of events: well under SQLite's 32,766 bound parameters (9 per row).
effects.BATCH = 1000
SHIFTS_MAX = 50


# --- the compiled rule book ---------------------------------------------------------------------

_cached: RuleBook | None = None


def renew_rule_book() -> None:
    """Marks every process's compiled rules stale; called in the transaction of the change."""
    token = uuid.uuid4().hex
    if not RuleBookVersion.objects.filter(pk=1).update(token=token):
        RuleBookVersion.objects.create(pk=1, token=token)


def rule_book() -> RuleBook:
    """The active rules compiled, from this process's cache when the stored token says it is
    current: one query by primary key, plus two to compile after a change."""
    global _cached
    token = RuleBookVersion.objects.filter(pk=1).values_list("token", flat=True).first() or ""
    if _cached is not None and _cached.token == token:
        return _cached
    rules = RoutingRule.objects.filter(active=True).order_by("position", "id")
    groups = dict(SkillGroup.objects.values_list("id", "name"))
    _cached = compile_rules(token, rules, groups)
    return _cached


def _group_id(reference: Any) -> int | None:
    if isinstance(reference, SkillGroup):
        return reference.pk
    group = skill_group_by_reference(reference) if str(reference).strip() else None
    return group.pk if group else None


# --- rules --------------------------------------------------------------------------------------


def _clean_rule(
    errors: dict[str, str], *, name: Any, conditions: Any, actions: Any, exclude: int | None
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    clean_name = " ".join(str(name or "").split())
    if not clean_name:
        errors["name"] = _("This field is required.")
    elif len(clean_name) > NAME_MAX:
        errors["name"] = _("At most %(max)d characters.") % {"max": NAME_MAX}
    elif (
        RoutingRule.objects.filter(name=clean_name)
        .exclude(pk__in=[exclude] if exclude else [])
        .exists()
    ):
        errors["name"] = _("Another rule is called %(name)s.") % {"name": clean_name}
    return (
        clean_name,
        clean_conditions(conditions, errors),
        clean_actions(actions, errors, _group_id),
    )


@transaction.atomic
def routing_rule_create(
    *,
    actor: User,
    name: str,
    conditions: dict[str, Any],
    actions: dict[str, Any],
    active: bool = True,
    stop_processing: bool = False,
) -> RoutingRule:
    """Adds a rule at the end of the order. Raises ValidationFailed naming every refused field
    ("name", "conditions.<key>", "actions.<key>"), PermissionDenied for anyone but an admin."""
    ensure_rule_editor(actor)
    errors: dict[str, str] = {}
    clean_name, clean_cond, clean_act = _clean_rule(
        errors, name=name, conditions=conditions, actions=actions, exclude=None
    )
    if errors:
        raise ValidationFailed(errors)
    last = RoutingRule.objects.order_by("-position").values_list("position", flat=True).first()
    now = timezone.now()
    rule = RoutingRule.objects.create(
        name=clean_name,
        position=0 if last is None else last + 1,
        active=bool(active),
        stop_processing=bool(stop_processing),
        conditions=clean_cond,
        actions=clean_act,
        created_by=actor,
        updated_by=actor,
        created_at=now,
        updated_at=now,
    )
    renew_rule_book()
    return rule


RULE_FIELDS = frozenset({"name", "conditions", "actions", "active", "stop_processing"})


@transaction.atomic
def routing_rule_update(*, actor: User, rule: RoutingRule, changes: dict[str, Any]) -> RoutingRule:
    """Changes the given fields of a rule (name, conditions, actions, active, stop_processing);
    conditions and actions are replaced whole. Same refusals as routing_rule_create."""
    ensure_rule_editor(actor)
    rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
    errors: dict[str, str] = {f: _("Unknown field.") for f in changes if f not in RULE_FIELDS}
    for flag in ("active", "stop_processing"):
        if flag in changes and not isinstance(changes[flag], bool):
            errors[flag] = _("Give true or false.")
    clean_name, clean_cond, clean_act = _clean_rule(
        errors,
        name=changes.get("name", rule.name),
        conditions=changes.get("conditions", rule.conditions),
        actions=changes.get("actions", rule.actions),
        exclude=rule.pk,
    )
    if errors:
        raise ValidationFailed(errors)
    rule.name, rule.conditions, rule.actions = clean_name, clean_cond, clean_act
    rule.active = changes.get("active", rule.active)
    rule.stop_processing = changes.get("stop_processing", rule.stop_processing)
    rule.updated_by = actor
    rule.updated_at = timezone.now()
    rule.save()
    renew_rule_book()
    return rule


@transaction.atomic
def routing_rule_delete(*, actor: User, rule: RoutingRule) -> None:
    ensure_rule_editor(actor)
    deleted, _rows = RoutingRule.objects.filter(pk=rule.pk).delete()
    if not deleted:
        raise NotFound(_("No such routing rule."))
    renew_rule_book()


@transaction.atomic
def routing_rule_reorder(*, actor: User, rule_ids: Sequence[int]) -> list[RoutingRule]:
    """Puts the rules in the order given; every rule must be named exactly once."""
    ensure_rule_editor(actor)
    rules = {r.pk: r for r in RoutingRule.objects.select_for_update().order_by("position", "id")}
    ids = list(rule_ids)
    unknown = [str(i) for i in ids if i not in rules]
    if unknown:
        raise ValidationFailed(ids=_("No rule %(ids)s.") % {"ids": ", ".join(unknown)})
    if len(set(ids)) != len(ids) or set(ids) != set(rules):
        raise ValidationFailed(ids=_("Name every rule exactly once, in the new order."))
    now = timezone.now()
    ordered = [rules[i] for i in ids]
    for position, rule in enumerate(ordered):
        rule.position = position
        rule.updated_by = actor
        rule.updated_at = now
    RoutingRule.objects.bulk_update(ordered, ["position", "updated_by", "updated_at"])
    renew_rule_book()
    return ordered


@transaction.atomic
def routing_rule_move(*, actor: User, rule: RoutingRule, offset: int) -> list[RoutingRule]:
    """Moves a rule `offset` places up (negative) or down (positive), within the order."""
    ensure_rule_editor(actor)
    ids = list(RoutingRule.objects.order_by("position", "id").values_list("id", flat=True))
    if rule.pk not in ids:
        raise NotFound(_("No such routing rule."))
    index = ids.index(rule.pk)
    target = max(0, min(len(ids) - 1, index + offset))
    ids.insert(target, ids.pop(index))
    return routing_rule_reorder(actor=actor, rule_ids=ids)


# --- group assignment and availability ----------------------------------------------------------


@transaction.atomic
def group_assignment_set(*, actor: User, group: SkillGroup, mode: str) -> GroupAssignment:
    """Sets how the group hands out new tickets: none, round_robin or least_loaded."""
    ensure_rule_editor(actor)
    errors: dict[str, str] = {}
    check_choice(errors, "mode", mode, AssignmentMode.values)
    if errors:
        raise ValidationFailed(errors)
    setting, _created = GroupAssignment.objects.select_for_update().get_or_create(group=group)
    setting.mode = mode
    setting.save()
    return setting


@dataclass(frozen=True)
class ShiftIn:
    """A weekly working window: weekday 0 (Monday) to 6, start and end in the person's zone."""

    weekday: int
    start: time
    end: time


@transaction.atomic
def availability_set(
    *,
    actor: User,
    person: User,
    max_open_tickets: int,
    away: bool,
    shifts: Sequence[ShiftIn],
) -> Availability:
    """Replaces the person's capacity, away flag and weekly shifts. Only staff who carry a
    portfolio have one; refusals name "max_open_tickets", "away" or "shifts.<n>"."""
    ensure_availability_editor(actor)
    errors: dict[str, str] = {}
    if person.role not in assignment.ASSIGNABLE_ROLES:
        errors["person"] = _("Only agents and managers are given tickets automatically.")
    if isinstance(max_open_tickets, bool) or not isinstance(max_open_tickets, int):
        errors["max_open_tickets"] = _("Give a whole number.")
    elif not 0 <= max_open_tickets <= 1000:
        errors["max_open_tickets"] = _("Give a number from 0 to 1000.")
    if not isinstance(away, bool):
        errors["away"] = _("Give true or false.")
    if len(shifts) > SHIFTS_MAX:
        errors["shifts"] = _("At most %(max)d shifts.") % {"max": SHIFTS_MAX}
    for index, shift in enumerate(shifts):
        if shift.weekday not in Weekday.values:
            errors[f"shifts.{index}.weekday"] = _("Give a weekday from 0 (Monday) to 6 (Sunday).")
        if shift.start == shift.end:
            errors[f"shifts.{index}.end"] = _("A shift ends at another time than it starts.")
    if errors:
        raise ValidationFailed(errors)
    setting, _created = Availability.objects.select_for_update().get_or_create(person=person)
    setting.max_open_tickets = max_open_tickets
    setting.away = away
    setting.save()
    Shift.objects.filter(person=person).delete()
    Shift.objects.bulk_create(
        Shift(person=person, weekday=s.weekday, start=s.start, end=s.end) for s in shifts
    )
    return setting


# --- routing tickets ----------------------------------------------------------------------------


@transaction.atomic
def ticket_route(ticket: Ticket, *, actor: User | None = None) -> list[str]:
    """Runs the active rules over the ticket, in order, and hands it to an engineer when its
    final group assigns automatically and someone is on shift with capacity.

    Changes `ticket` in place and saves it; each changed field is one `routed` event naming the
    rule, the assignment one more. Returns the names of the rules that matched. The caller holds
    the ticket's row lock when others may change it (a ticket being opened needs none).
    `actor` is who asked for the routing; the events record the system as the one who acted.
    """
    book = rule_book()
    prediction = effects.suggest(ticket)
    if not book.rules and not _may_assign(ticket):
        return []
    body = effects.first_message_bodies([ticket.pk]).get(ticket.pk, "") if book.uses_text else ""
    state = effects.state(ticket, body, prediction, book)
    matched, changes = book.run(state)
    fields = effects.apply(ticket, changes)
    now = timezone.now()
    labels = effects.Labels(book)
    events = [effects.routed_event(labels, ticket, now, *change) for change in changes]
    if _may_assign(ticket):
        setting = (
            GroupAssignment.objects.select_for_update()
            .filter(group_id=ticket.group_id)
            .exclude(mode=AssignmentMode.NONE)
            .first()
        )
        if setting is not None:
            members = assignment.group_members([setting.group_id], now)[setting.group_id]
            chosen = assignment.pick(members, setting.mode, setting.last_assigned_id)
            if chosen is not None:
                ticket.assignee = chosen.person
                fields.add("assignee")
                events.append(
                    effects.assignment_event(
                        ticket,
                        now,
                        chosen.person,
                        setting.mode,
                        book.group_names.get(setting.group_id, ""),
                    )
                )
                setting.last_assigned = chosen.person
                setting.save(update_fields=["last_assigned", "updated_at"])
    if fields:
        ticket.updated_at = now
        ticket.save(update_fields=[*sorted(fields), "updated_at"])
        effects.insert_events(events)
    return matched


def _may_assign(ticket: Ticket) -> bool:
    # A restricted ticket goes only to people named on it; routing does not choose them.
    return ticket.group_id is not None and ticket.assignee_id is None and not ticket.restricted


@transaction.atomic
def tickets_route(
    tickets: Sequence[Ticket],
    *,
    actor: User | None = None,
    suggest: bool = False,
    assign: bool = True,
) -> dict[int, list[str]]:
    """Routes many tickets at once (re-routing a queue, imports, intake, the benchmark): one
    prediction call for all, rules in memory, then bulk writes. Same effects and events as
    ticket_route; triage suggestions are stored too with `suggest` (new tickets), not otherwise
    (re-routing keeps the suggestions made when the tickets came in). With `assign` False only
    the rules run, and tickets_assign hands the tickets out afterwards. Returns the matched rule
    names by number."""
    if not tickets:
        return {}
    book = rule_book()
    numbers = [t.pk for t in tickets]
    with_text = book.uses_text or book.uses_prediction or suggest
    bodies = effects.first_message_bodies(numbers) if with_text else {}
    if book.uses_organization:
        effects.load_organizations(tickets)
    predictions: list[Prediction | None] = [None] * len(tickets)
    if suggest:
        predictions = _suggest_many(tickets, bodies)
    elif book.uses_prediction:
        predictions = effects.predict_many(
            [effects.triage_text(t.subject, bodies.get(t.pk, "")) for t in tickets]
        )
    now = timezone.now()
    matched_by_number: dict[int, list[str]] = {}
    events: list[effects.EventRow] = []
    labels = effects.Labels(book)
    changed: dict[int, set[str]] = {}
    for ticket, prediction in zip(tickets, predictions, strict=True):
        state = effects.state(ticket, bodies.get(ticket.pk, ""), prediction, book)
        matched, changes = book.run(state)
        matched_by_number[ticket.pk] = matched
        fields = effects.apply(ticket, changes)
        if fields:
            changed[ticket.pk] = fields
        events.extend(effects.routed_event(labels, ticket, now, *change) for change in changes)
    if assign:
        events += _assignments(tickets, book, now, changed)
    effects.save_changed(tickets, changed, now)
    effects.insert_events(events)
    return matched_by_number


@transaction.atomic
def tickets_assign(tickets: Sequence[Ticket]) -> int:
    """Hands each ticket in its group to an engineer, in the order given, as routing does after
    its rules (the ones held, restricted or without a group are left alone). Intake routes a
    batch's tickets in two passes and assigns them once, so that they are handed out in the
    order they came in, as one by one. Returns how many were assigned."""
    now = timezone.now()
    changed: dict[int, set[str]] = {}
    events = _assignments(tickets, rule_book(), now, changed)
    effects.save_changed(tickets, changed, now)
    effects.insert_events(events)
    return len(events)


def _assignments(
    tickets: Sequence[Ticket], book: RuleBook, now: datetime, changed: dict[int, set[str]]
) -> list[effects.EventRow]:
    events: list[effects.EventRow] = []
    for ticket, person, mode in _assign_many(tickets, now):
        changed.setdefault(ticket.pk, set()).add("assignee")
        events.append(
            effects.assignment_event(
                ticket, now, person, mode, book.group_names.get(ticket.group_id or 0, "")
            )
        )
    return events


def _suggest_many(tickets: Sequence[Ticket], bodies: dict[int, str]) -> list[Prediction | None]:
    """The triage suggestions of the tickets, stored as ticket_route stores each one's."""
    make = getattr(effects.triage(), "triage_suggest_many", None)
    texts = [effects.triage_text(t.subject, bodies.get(t.pk, "")) for t in tickets]
    suggestions = make(tickets, texts) if make is not None else None
    if suggestions is None:
        return [None] * len(tickets)
    return [Prediction.of(s) for s in suggestions]


def _assign_many(tickets: Sequence[Ticket], now: datetime) -> list[tuple[Ticket, User, str]]:
    waiting = [t for t in tickets if _may_assign(t)]
    if not waiting:
        return []
    settings = {
        s.group_id: s
        for s in GroupAssignment.objects.select_for_update()
        .filter(group_id__in={t.group_id for t in waiting})
        .exclude(mode=AssignmentMode.NONE)
    }
    if not settings:
        return []
    members = assignment.group_members(list(settings), now)
    assigned: list[tuple[Ticket, User, str]] = []
    for ticket in waiting:
        setting = settings.get(ticket.group_id)  # type: ignore[arg-type]
        if setting is None:
            continue
        chosen = assignment.pick(members[setting.group_id], setting.mode, setting.last_assigned_id)
        if chosen is None:
            continue
        # Loads are counted once per batch; what this batch hands out counts too.
        chosen.load += 1
        ticket.assignee = chosen.person
        setting.last_assigned = chosen.person
        assigned.append((ticket, chosen.person, setting.mode))
    GroupAssignment.objects.bulk_update(list(settings.values()), ["last_assigned"])
    return assigned


# Enough for any queue a desk keeps; the batch path routes this many in seconds.
REROUTE_MAX = 20_000


def queue_reroute(*, actor: User) -> int:
    """Runs the current rules again over new tickets nobody holds (after rules changed), in
    batches of effects.BATCH, each in its own transaction. Returns how many were routed."""
    ensure_rule_editor(actor)
    numbers = list(
        Ticket.objects.filter(status=Status.NEW, assignee__isnull=True, restricted=False)
        .order_by("created_at")
        .values_list("pk", flat=True)[:REROUTE_MAX]
    )
    for start in range(0, len(numbers), effects.BATCH):
        chunk = numbers[start : start + effects.BATCH]
        with transaction.atomic():
            tickets = list(
                Ticket.objects.select_for_update(of=("self",))
                .select_related("organization")
                .filter(pk__in=chunk)
                .order_by("created_at", "pk")
            )
            tickets_route(tickets, actor=actor)
    return len(numbers)
