"""Writes of macros: create, change, delete, preview and apply one to a ticket. Applying writes
the reply or note and the field changes through the ticket services, in one transaction."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Role
from tierdesk.accounts.models import SkillGroup, User
from tierdesk.accounts.selectors import skill_group_by_reference
from tierdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tierdesk.macros.choices import MacroKind, MacroScope
from tierdesk.macros.models import Macro
from tierdesk.macros.placeholders import (
    PLACEHOLDERS,
    render_placeholders,
    unknown_placeholders,
)
from tierdesk.macros.selectors import macros_available
from tierdesk.tickets.choices import Priority, ProductArea, Status, TicketType
from tierdesk.tickets.models import Message, Ticket, TicketEvent
from tierdesk.tickets.services import (
    ticket_add_note,
    ticket_claim,
    ticket_reply,
    ticket_update,
)
from tierdesk.tickets.validation import BODY_MAX, check_choice, normalize_tags

NAME_MAX = 120
# What a macro may do to a ticket. Statuses are the ones an engineer sets while working: a
# ticket is never sent back to "new", and closing is the worker's job after solving.
CHANGE_KEYS = (
    "status",
    "priority",
    "type",
    "product_area",
    "tags_add",
    "tags_remove",
    "group",
    "assignee",
)
MACRO_STATUSES = (Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED)
ASSIGNEE_VALUES = ("me", "none")


# --- who may write which macro -----------------------------------------------------------------


def _is_member(person: User, group: SkillGroup, group_ids: Collection[int] | None) -> bool:
    if group_ids is not None:
        return group.pk in group_ids
    return person.skill_groups.filter(pk=group.pk).exists()


def _may_manage(
    actor: User,
    scope: str,
    group: SkillGroup | None,
    owner_id: int | None,
    group_ids: Collection[int] | None = None,
) -> bool:
    """Personal macros are their owner's; a group's macros its engineers', its manager's and any
    manager's or administrator's; global macros are the administrators'. `group_ids`, the
    actor's skill groups when the caller has them, saves asking the database for each macro."""
    if not actor.is_support_staff:
        return False
    if scope == MacroScope.PERSONAL:
        return owner_id == actor.pk
    if scope == MacroScope.GLOBAL:
        return actor.role == Role.ADMIN
    if actor.role in {Role.MANAGER, Role.ADMIN}:
        return True
    assert group is not None
    return actor.role == Role.AGENT and (
        group.manager_id == actor.pk or _is_member(actor, group, group_ids)
    )


def may_manage(actor: User, macro: Macro, group_ids: Collection[int] | None = None) -> bool:
    """Whether `actor` may change or delete `macro`. For a list of macros, pass the actor's
    skill group ids (selectors.skill_group_ids) so no macro asks the database again."""
    return _may_manage(actor, macro.scope, macro.group, macro.owner_id, group_ids)


def _refuse_management(scope: str) -> PermissionDenied:
    if scope == MacroScope.GLOBAL:
        return PermissionDenied(_("Only administrators manage macros shared with everyone."))
    if scope == MacroScope.GROUP:
        return PermissionDenied(
            _("Only the group's engineers, managers and administrators manage its macros.")
        )
    return PermissionDenied(_("Only its owner manages a personal macro."))


# --- validation --------------------------------------------------------------------------------


def clean_changes(value: Any, errors: dict[str, str]) -> dict[str, Any]:
    """The field changes a macro stores, validated; each refusal is named `changes.<key>`.
    Groups are stored by id, so renaming a group keeps its macros working."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors["changes"] = _("Give an object of field changes.")
        return {}
    cleaned: dict[str, Any] = {}
    for key, raw in value.items():
        name = f"changes.{key}"
        if key not in CHANGE_KEYS:
            errors[name] = _("Unknown field; a macro changes: %(keys)s.") % {
                "keys": ", ".join(CHANGE_KEYS)
            }
        elif raw is None or (raw == "" and key != "product_area"):
            continue
        elif key == "status":
            check_choice(errors, name, raw, MACRO_STATUSES)
            cleaned[key] = raw
        elif key == "priority":
            check_choice(errors, name, raw, Priority.values)
            cleaned[key] = raw
        elif key == "type":
            check_choice(errors, name, raw, TicketType.values)
            cleaned[key] = raw
        elif key == "product_area":
            if raw:
                check_choice(errors, name, raw, ProductArea.values)
            cleaned[key] = raw
        elif key in {"tags_add", "tags_remove"}:
            tag_errors: dict[str, str] = {}
            tags = normalize_tags(raw, tag_errors)
            if tag_errors:
                errors[name] = tag_errors["tags"]
            elif tags:
                cleaned[key] = tags
        elif key == "group":
            group = raw if isinstance(raw, SkillGroup) else skill_group_by_reference(raw)
            if group is None:
                errors[name] = _("No skill group %(value)s.") % {"value": raw}
            else:
                cleaned[key] = group.pk
        elif key == "assignee":
            check_choice(errors, name, raw, ASSIGNEE_VALUES)
            cleaned[key] = raw
    return cleaned


def _clean_fields(fields: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    name = " ".join(str(fields.get("name") or "").split())
    if not name:
        errors["name"] = _("This field is required.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("At most %(max)d characters.") % {"max": NAME_MAX}
    kind = fields.get("kind") or MacroKind.REPLY
    check_choice(errors, "kind", kind, MacroKind.values)
    body = str(fields.get("body") or "").strip()
    if len(body) > BODY_MAX:
        errors["body"] = _("At most %(max)d characters.") % {"max": BODY_MAX}
    unknown = unknown_placeholders(body)
    if unknown:
        errors["body"] = _("Unknown placeholder %(names)s; use one of: %(known)s.") % {
            "names": ", ".join(f"{{{{ {n} }}}}" for n in unknown),
            "known": ", ".join(f"{{{{ {n} }}}}" for n in PLACEHOLDERS),
        }
    changes = clean_changes(fields.get("changes"), errors)
    if not body and not changes and not errors:
        errors["body"] = _("Write a text, or choose at least one field change.")
    return {"name": name, "kind": kind, "body": body, "changes": changes}


def _scope_and_group(
    actor: User, scope: str, group: Any, errors: dict[str, str]
) -> tuple[str, SkillGroup | None]:
    check_choice(errors, "scope", scope, MacroScope.values)
    if scope != MacroScope.GROUP:
        if group not in (None, ""):
            errors["group"] = _("Only a group macro names a group.")
        return scope, None
    if group in (None, ""):
        errors["group"] = _("Choose the group that shares this macro.")
        return scope, None
    found = group if isinstance(group, SkillGroup) else skill_group_by_reference(group)
    if found is None:
        errors["group"] = _("No skill group %(value)s.") % {"value": group}
    return scope, found


# --- create, change, delete --------------------------------------------------------------------


@transaction.atomic
def macro_create(
    *,
    actor: User,
    name: str,
    body: str = "",
    kind: str = MacroKind.REPLY,
    scope: str = MacroScope.PERSONAL,
    group: SkillGroup | int | str | None = None,
    changes: dict[str, Any] | None = None,
) -> Macro:
    """Creates a macro: personal (the actor's own), a group's, or global. ValidationFailed names
    every refused field (an unknown placeholder in `body` by its name); PermissionDenied when
    the actor may not manage macros of that scope."""
    if not actor.is_support_staff:
        raise PermissionDenied(_("Only staff use macros."))
    errors: dict[str, str] = {}
    values = _clean_fields({"name": name, "body": body, "kind": kind, "changes": changes}, errors)
    scope, found_group = _scope_and_group(actor, scope, group, errors)
    if errors:
        raise ValidationFailed(errors)
    owner_id = actor.pk if scope == MacroScope.PERSONAL else None
    if not _may_manage(actor, scope, found_group, owner_id):
        raise _refuse_management(scope)
    now = timezone.now()
    return Macro.objects.create(
        **values,
        owner_id=owner_id,
        group=found_group,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )


@transaction.atomic
def macro_update(*, actor: User, macro: Macro, changes: dict[str, Any]) -> Macro:
    """Changes a macro's name, body, kind, field changes, scope or group. The actor must be
    allowed to manage the macro as it is and as it will be."""
    # Only the macro's row is locked: PostgreSQL locks no row on the nullable side of the join.
    macro = Macro.objects.select_for_update(of=("self",)).select_related("group").get(pk=macro.pk)
    if not _may_manage(actor, macro.scope, macro.group, macro.owner_id):
        raise _refuse_management(macro.scope)
    errors: dict[str, str] = {}
    allowed = {"name", "body", "kind", "changes", "scope", "group"}
    for field in changes:
        if field not in allowed:
            errors[field] = _("Unknown field.")
    if errors:
        raise ValidationFailed(errors)
    current = {
        "name": macro.name,
        "body": macro.body,
        "kind": macro.kind,
        "changes": macro.changes,
    }
    values = _clean_fields({**current, **changes}, errors)
    scope = changes.get("scope", macro.scope)
    group = changes.get("group", macro.group if scope == MacroScope.GROUP else None)
    scope, found_group = _scope_and_group(actor, scope, group, errors)
    if errors:
        raise ValidationFailed(errors)
    owner_id = (macro.owner_id or actor.pk) if scope == MacroScope.PERSONAL else None
    if not _may_manage(actor, scope, found_group, owner_id):
        raise _refuse_management(scope)
    for field, value in values.items():
        setattr(macro, field, value)
    macro.owner_id = owner_id
    macro.group = found_group
    macro.updated_at = timezone.now()
    macro.save()
    return macro


@transaction.atomic
def macro_delete(*, actor: User, macro: Macro) -> None:
    """Deletes a macro the actor may manage; the tickets it was applied to keep their history."""
    if not _may_manage(actor, macro.scope, macro.group, macro.owner_id):
        raise _refuse_management(macro.scope)
    macro.delete()


# --- preview and apply -------------------------------------------------------------------------


@dataclass(frozen=True)
class MacroPreview:
    """What applying a macro would write: the text as it will read, and the field changes."""

    kind: str
    body: str
    changes: dict[str, Any]


def _ticket_changes(actor: User, ticket: Ticket, stored: dict[str, Any]) -> dict[str, Any]:
    """The macro's stored changes as ticket_update takes them, for this ticket and actor."""
    changes: dict[str, Any] = {}
    for key in ("status", "priority", "type", "product_area"):
        if key in stored:
            changes[key] = stored[key]
    if "tags_add" in stored or "tags_remove" in stored:
        removed = set(stored.get("tags_remove", []))
        tags = [t for t in ticket.tags if t not in removed]
        tags += [t for t in stored.get("tags_add", []) if t not in tags]
        if tags != list(ticket.tags):
            changes["tags"] = tags
    if "group" in stored:
        # By id: a group deleted since the macro was written is refused by ticket_update.
        changes["group"] = str(stored["group"])
    if stored.get("assignee") == "me":
        changes["assignee"] = actor
    elif stored.get("assignee") == "none":
        changes["assignee"] = None
    return changes


def describe_changes(changes: dict[str, Any]) -> list[tuple[str, str]]:
    """A preview's field changes as (field, value) in words, for the ticket page."""
    lines = []
    for field, value in changes.items():
        model_field = Ticket._meta.get_field(field)
        label = str(getattr(model_field, "verbose_name", field))
        if value is None:
            text = "—"
        elif isinstance(value, User):
            text = value.display_name
        elif isinstance(value, list):
            text = ", ".join(value) or "—"
        elif field == "group":
            group = skill_group_by_reference(value)
            text = group.name if group else str(value)
        else:
            choices = dict(getattr(model_field, "choices", None) or [])
            text = str(choices.get(value, value)) or "—"
        lines.append((label, text))
    return lines


def _check_available(actor: User, ticket: Ticket, macro: Macro) -> None:
    if not actor.is_support_staff:
        raise PermissionDenied(_("Only staff use macros."))
    if not macros_available(actor).filter(pk=macro.pk).exists():
        raise NotFound(_("No such macro."))


def macro_render(*, actor: User, ticket: Ticket, macro: Macro) -> MacroPreview:
    """The macro's text with its placeholders filled in for this ticket and actor, and the
    field changes it would make; writes nothing."""
    _check_available(actor, ticket, macro)
    return MacroPreview(
        kind=macro.kind,
        body=render_placeholders(macro.body, ticket=ticket, agent=actor),
        changes=_ticket_changes(actor, ticket, macro.changes),
    )


@transaction.atomic
def macro_apply(*, actor: User, ticket: Ticket, macro: Macro) -> Message | None:
    """Applies a macro: its reply or note (placeholders filled in), then its field changes, in
    one transaction; a refused change leaves the ticket as it was, with no message written.
    A public reply carries the macro's status ("reply and set pending"). Every event written
    records `data["macro"]` with the macro's name. Returns the message, or None for a macro
    that only changes fields.

    Assigning to "me" takes the ticket as ticket_claim does: a ticket another engineer holds is
    refused with ValidationFailed naming `changes.assignee` and the holder, and nothing of the
    macro is written."""
    _check_available(actor, ticket, macro)
    # Under the row lock no one else writes events on this ticket, so the events after `mark`
    # are exactly the ones this macro writes.
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("requester", "organization")
        .get(pk=ticket.pk)
    )
    mark = (
        TicketEvent.objects.filter(ticket=ticket)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
        or 0
    )
    changes = _ticket_changes(actor, ticket, macro.changes)
    # "Assign to me" takes the ticket the way "take it" does: never from another engineer.
    take = macro.changes.get("assignee") == "me"
    if take:
        del changes["assignee"]
    body = render_placeholders(macro.body, ticket=ticket, agent=actor)
    message: Message | None = None
    if body.strip() and macro.kind == MacroKind.REPLY:
        message = ticket_reply(
            actor=actor, ticket=ticket, body=body, status=changes.pop("status", None)
        )
    elif body.strip():
        message = ticket_add_note(actor=actor, ticket=ticket, body=body)
    if changes:
        ticket_update(actor=actor, ticket=ticket, changes=changes)
    if take:
        try:
            ticket_claim(actor=actor, ticket=ticket)
        except Conflict as held:
            # Raised out of this transaction: the reply and the other changes roll back too.
            raise ValidationFailed({"changes.assignee": str(held)}) from held
    for event in TicketEvent.objects.filter(ticket=ticket, id__gt=mark):
        # Tagged inside the transaction that wrote them: outside it the events never existed
        # without their macro.
        event.data = {**event.data, "macro": macro.name}
        event.save(update_fields=["data"])
    Macro.objects.filter(pk=macro.pk).update(usage_count=F("usage_count") + 1)
    return message
