"""Writes of the service-level setup: business calendars and their dates, and the policies in order
with their targets. Administrators only; every write renews the policy book and marks the unsolved
tickets so that the sweep computes their clocks again with the new setup."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import holidays
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Plan, Region, Role
from tierdesk.accounts.models import Organization, User
from tierdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from tierdesk.sla import book, pending
from tierdesk.sla.calendar import WEEKDAYS, format_hours, parse_hours, validate_holiday_country
from tierdesk.sla.choices import Metric
from tierdesk.sla.models import (
    BusinessCalendar,
    CalendarDate,
    SlaPolicy,
    SlaTarget,
)
from tierdesk.tickets.choices import Channel, Priority
from tierdesk.tickets.validation import check_choice, normalize_tags

__all__ = [
    "SECONDS_MAX",
    "calendar_create",
    "calendar_date_remove",
    "calendar_date_set",
    "calendar_delete",
    "calendar_update",
    "ensure_setup_editor",
    "ensure_setup_reader",
    "policy_create",
    "policy_delete",
    "policy_move",
    "policy_reorder",
    "policy_update",
    "supported_holiday_countries",
    "time_zone_names",
]

logger = logging.getLogger(__name__)

CALENDAR_NAME_MAX = 80
POLICY_NAME_MAX = 120
DATE_NAME_MAX = 120
DESCRIPTION_MAX = 2000
# The longest promise a target may make; a clock due further out measures nothing useful.
SECONDS_MAX = 90 * 86_400
# Custom dates per calendar: years of closures and transferred days, far from any real desk's.
DATES_MAX = 1000

CALENDAR_FIELDS = frozenset(
    {
        "name",
        "time_zone",
        "around_the_clock",
        "hours",
        "holiday_country",
        "holiday_subdivision",
        "regions",
        "is_default",
    }
)
POLICY_FIELDS = frozenset(
    {
        "name",
        "description",
        "active",
        "plans",
        "channels",
        "priorities",
        "organizations",
        "tags",
        "calendar",
        "pause_on_hold",
        "targets",
    }
)
TARGET_DEFAULTS: dict[str, Any] = {
    "business_hours": True,
    "goal_percent": Decimal(90),
    "warn_before_seconds": 0,
    "notify": True,
    "breach_priority": "",
    "breach_notify_managers": False,
}
TARGET_FIELDS = frozenset({"metric", "seconds", *TARGET_DEFAULTS})


# --- who may ------------------------------------------------------------------------------------


def ensure_setup_editor(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise PermissionDenied(_("Only administrators change service levels."))


def ensure_setup_reader(actor: User) -> None:
    if actor.role not in {Role.MANAGER, Role.ADMIN}:
        raise PermissionDenied(_("Only managers and administrators see the service-level setup."))


# --- shared vocabularies ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone name this system knows, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


@lru_cache(maxsize=1)
def supported_holiday_countries() -> dict[str, list[str]]:
    """Country code → its subdivision codes, for every country the holidays package knows."""
    return holidays.list_supported_countries(include_aliases=False)


def _setup_changed(actor: User, what: str) -> None:
    """Renews the policy book and marks every unsolved ticket for the sweep; stopped clocks keep
    their outcome (sla.services._sync never rewrites a decided clock)."""
    book.setup_changed()
    stale = pending.mark_unsolved_stale()
    # The setup models keep no author; the log is the record of who changed what.
    logger.info(
        "SLA setup: %s by %s; %d unsolved tickets to recompute", what, actor.username, stale
    )


def _locked_calendar(calendar: BusinessCalendar) -> BusinessCalendar:
    found = BusinessCalendar.objects.select_for_update().filter(pk=calendar.pk).first()
    if found is None:
        raise NotFound(_("No such calendar."))
    return found


def _locked_policy(policy: SlaPolicy) -> SlaPolicy:
    found = SlaPolicy.objects.select_for_update().filter(pk=policy.pk).first()
    if found is None:
        raise NotFound(_("No such SLA policy."))
    return found


def _flag(errors: dict[str, str], field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        errors[field] = _("Give true or false.")
        return False
    return value


def _whole(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _clean_name(
    errors: dict[str, str], value: Any, *, limit: int, taken: bool, taken_message: str
) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        errors["name"] = _("This field is required.")
    elif len(name) > limit:
        errors["name"] = _("At most %(max)d characters.") % {"max": limit}
    elif taken:
        errors["name"] = taken_message % {"name": name}
    return name


def _unknown(changes: Mapping[str, Any], known: frozenset[str]) -> dict[str, str]:
    return {field: _("Unknown field.") for field in changes if field not in known}


# --- calendars ----------------------------------------------------------------------------------


def _clean_calendar(
    errors: dict[str, str], values: Mapping[str, Any], calendar: BusinessCalendar | None
) -> dict[str, Any]:
    others = BusinessCalendar.objects.all()
    if calendar is not None:
        others = others.exclude(pk=calendar.pk)
    raw_name = " ".join(str(values["name"] or "").split())
    clean: dict[str, Any] = {
        "name": _clean_name(
            errors,
            values["name"],
            limit=CALENDAR_NAME_MAX,
            taken=others.filter(name=raw_name).exists(),
            taken_message=_("Another calendar is called %(name)s."),
        )
    }

    zone = str(values["time_zone"] or "").strip()
    if not zone:
        errors["time_zone"] = _("This field is required.")
    elif zone not in time_zone_names():
        errors["time_zone"] = _(
            "%(zone)s is not a known time zone (use a name such as Asia/Tokyo or America/New_York)."
        ) % {"zone": zone}
    clean["time_zone"] = zone

    around = _flag(errors, "around_the_clock", values["around_the_clock"])
    clean["around_the_clock"] = around
    hours = values["hours"]
    weekly = parse_hours({} if hours is None else hours, errors, "hours")
    if "hours" not in errors and not weekly and not around:
        errors["hours"] = _(
            "Give at least one opening, or make the calendar around the clock: a calendar that "
            "is never open cannot count business time."
        )
    # Stored without the closed days, as the default calendars are.
    clean["hours"] = {day: spans for day, spans in format_hours(weekly).items() if spans}

    country = str(values["holiday_country"] or "").strip().upper()
    subdivision = str(values["holiday_subdivision"] or "").strip()
    known = supported_holiday_countries().get(country, [])
    subdivision = {s.upper(): s for s in known}.get(subdivision.upper(), subdivision)
    validate_holiday_country(country, subdivision, errors)
    clean["holiday_country"], clean["holiday_subdivision"] = country, subdivision

    clean["regions"] = _clean_regions(errors, values["regions"], others)

    is_default = _flag(errors, "is_default", values["is_default"])
    if calendar is not None and calendar.is_default and values["is_default"] is False:
        errors["is_default"] = _(
            "Make another calendar the default instead: customers whose region no calendar "
            "serves are measured on the default."
        )
    clean["is_default"] = is_default
    return clean


def _clean_regions(errors: dict[str, str], value: Any, others: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        errors["regions"] = _("Give a list of regions.")
        return []
    regions: list[str] = []
    problems = []
    for raw in value:
        region = str(raw).strip().lower()
        if region not in Region.values:
            problems.append(
                _("%(value)s is not one of: %(choices)s")
                % {"value": raw, "choices": ", ".join(Region.values)}
            )
        elif region not in regions:
            regions.append(region)
    for other in others.exclude(regions=[]).only("name", "regions"):
        for region in regions:
            if region in (other.regions or []):
                problems.append(
                    _("%(region)s is served by %(calendar)s already; take it off there first")
                    % {"region": region, "calendar": other.name}
                )
    if problems:
        errors["regions"] = "; ".join(problems) + "."
    return regions


def _save_calendar(calendar: BusinessCalendar, clean: dict[str, Any]) -> BusinessCalendar:
    if clean["is_default"] and not calendar.is_default:
        # One default at a time (a unique constraint says so): the old one steps down first.
        BusinessCalendar.objects.filter(is_default=True).update(is_default=False)
    for name, value in clean.items():
        setattr(calendar, name, value)
    calendar.save()
    return calendar


@transaction.atomic
def calendar_create(
    *,
    actor: User,
    name: str,
    time_zone: str,
    hours: Mapping[str, Any] | None = None,
    around_the_clock: bool = False,
    holiday_country: str = "",
    holiday_subdivision: str = "",
    regions: Sequence[str] = (),
    is_default: bool = False,
) -> BusinessCalendar:
    """Adds a business calendar. `hours` is {"mon": [["09:00", "18:00"]], ...}; a missing day is
    closed. Making it the default takes that from the calendar that had it.

    Raises ValidationFailed naming each refused field (name, time_zone, hours, holiday_country,
    holiday_subdivision, regions, around_the_clock, is_default), PermissionDenied for anyone but
    an administrator."""
    ensure_setup_editor(actor)
    pending.lock_setup()
    errors: dict[str, str] = {}
    values = {
        "name": name,
        "time_zone": time_zone,
        "hours": hours,
        "around_the_clock": around_the_clock,
        "holiday_country": holiday_country,
        "holiday_subdivision": holiday_subdivision,
        "regions": regions,
        "is_default": is_default,
    }
    clean = _clean_calendar(errors, values, None)
    if errors:
        raise ValidationFailed(errors)
    calendar = _save_calendar(BusinessCalendar(), clean)
    _setup_changed(actor, f"calendar {calendar.pk} {calendar.name!r} created")
    return calendar


@transaction.atomic
def calendar_update(
    *, actor: User, calendar: BusinessCalendar, changes: Mapping[str, Any]
) -> BusinessCalendar:
    """Changes the given fields of a calendar; `hours` and `regions` are replaced whole. Same
    refusals as calendar_create, and the default calendar cannot stop being the default (make
    another one the default instead)."""
    ensure_setup_editor(actor)
    pending.lock_setup()
    calendar = _locked_calendar(calendar)
    errors = _unknown(changes, CALENDAR_FIELDS)
    values = {field: changes.get(field, getattr(calendar, field)) for field in CALENDAR_FIELDS}
    clean = _clean_calendar(errors, values, calendar)
    if errors:
        raise ValidationFailed(errors)
    _save_calendar(calendar, clean)
    _setup_changed(actor, f"calendar {calendar.pk} {calendar.name!r} changed: {sorted(changes)}")
    return calendar


@transaction.atomic
def calendar_delete(*, actor: User, calendar: BusinessCalendar) -> None:
    """Deletes a calendar and its dates. Refused (ValidationFailed) while a policy uses it, naming
    those policies under "calendar", and for the default calendar under "is_default". Clocks
    already decided on it keep their outcome."""
    ensure_setup_editor(actor)
    pending.lock_setup()
    calendar = _locked_calendar(calendar)
    errors: dict[str, str] = {}
    users = list(calendar.policies.order_by("position", "id").values_list("name", flat=True))
    if users:
        errors["calendar"] = _(
            "%(calendar)s is used by the policies %(policies)s; give them another calendar first."
        ) % {"calendar": calendar.name, "policies": ", ".join(users)}
    if calendar.is_default:
        errors["is_default"] = _(
            "%(calendar)s is the default calendar; make another calendar the default first."
        ) % {"calendar": calendar.name}
    if errors:
        raise ValidationFailed(errors)
    label = f"calendar {calendar.pk} {calendar.name!r} deleted"
    calendar.delete()
    _setup_changed(actor, label)


def _clean_date(errors: dict[str, str], value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors["date"] = _("Give a date as YYYY-MM-DD.")
    return None


@transaction.atomic
def calendar_date_set(
    *,
    actor: User,
    calendar: BusinessCalendar,
    date: dt.date | str,
    name: str = "",
    hours: Sequence[Any] = (),
) -> tuple[CalendarDate, bool]:
    """Sets how the calendar treats one date: closed all day (`hours` empty) or open with its
    own hours, [["10:00", "15:00"]], instead of the weekday's and any public holiday. Adds the
    date, or replaces what the calendar had for it; returns (the date, whether it was added).

    Raises ValidationFailed naming "date", "name" or "hours"."""
    ensure_setup_editor(actor)
    pending.lock_setup()
    calendar = _locked_calendar(calendar)
    errors: dict[str, str] = {}
    day = _clean_date(errors, date)
    label = " ".join(str(name or "").split())
    if len(label) > DATE_NAME_MAX:
        errors["name"] = _("At most %(max)d characters.") % {"max": DATE_NAME_MAX}
    spans: list[list[str]] = []
    if not isinstance(hours, list | tuple):
        errors["hours"] = _(
            'Give a list of openings like [["10:00", "15:00"]]; an empty list closes the day.'
        )
    elif hours:
        # Parsed as the date's own weekday, so a refusal names the day it falls on.
        weekday = WEEKDAYS[day.weekday()] if day else WEEKDAYS[0]
        weekly = parse_hours({weekday: list(hours)}, errors, "hours")
        spans = format_hours(weekly)[weekday]
    existing = calendar.dates.filter(date=day).first() if day else None
    if existing is None and calendar.dates.count() >= DATES_MAX:
        errors["date"] = _("A calendar keeps at most %(max)d dates.") % {"max": DATES_MAX}
    if errors:
        raise ValidationFailed(errors)
    assert day is not None
    entry, created = CalendarDate.objects.update_or_create(
        calendar=calendar, date=day, defaults={"name": label, "hours": spans}
    )
    # The calendar's cached days are keyed by its updated_at (sla.book): it must move.
    calendar.save(update_fields=["updated_at"])
    _setup_changed(actor, f"calendar {calendar.pk} date {day} {'added' if created else 'changed'}")
    return entry, created


@transaction.atomic
def calendar_date_remove(*, actor: User, calendar: BusinessCalendar, date: dt.date | str) -> None:
    """Removes a date from the calendar: the weekday's hours and public holidays apply again."""
    ensure_setup_editor(actor)
    pending.lock_setup()
    calendar = _locked_calendar(calendar)
    errors: dict[str, str] = {}
    day = _clean_date(errors, date)
    if day is None:
        raise ValidationFailed(errors)
    deleted, _rows = calendar.dates.filter(date=day).delete()
    if not deleted:
        raise NotFound(
            _("%(calendar)s has no entry for %(date)s.") % {"calendar": calendar, "date": day}
        )
    calendar.save(update_fields=["updated_at"])
    _setup_changed(actor, f"calendar {calendar.pk} date {day} removed")


# --- policies -----------------------------------------------------------------------------------


def _clean_choices(errors: dict[str, str], field: str, value: Any, choices: list[str]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        errors[field] = _("Give a list.")
        return []
    clean: list[str] = []
    for item in value:
        if item not in choices:
            check_choice(errors, field, item, choices)
            return []
        if item not in clean:
            clean.append(item)
    return clean


def _clean_organizations(errors: dict[str, str], value: Any) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        errors["organizations"] = _("Give a list of organization ids.")
        return []
    ids: list[int] = []
    for item in value:
        pk = item.pk if isinstance(item, Organization) else _whole(item)
        if pk is None:
            errors["organizations"] = _("%(value)s is not an organization id.") % {"value": item}
            return []
        if pk not in ids:
            ids.append(pk)
    found = set(Organization.objects.filter(pk__in=ids).values_list("pk", flat=True))
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        errors["organizations"] = _("No organization %(ids)s.") % {"ids": ", ".join(missing)}
    return ids


def _clean_calendar_ref(errors: dict[str, str], value: Any) -> BusinessCalendar | None:
    if value is None or value == "":
        return None
    if isinstance(value, BusinessCalendar):
        return value
    pk = _whole(value)
    calendar = BusinessCalendar.objects.filter(pk=pk).first() if pk is not None else None
    if calendar is None:
        errors["calendar"] = _("No calendar %(id)s.") % {"id": value}
    return calendar


def _clean_goal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return None
    try:
        goal = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not goal.is_finite() or not 0 <= goal <= 100:
        return None
    return goal.quantize(Decimal("0.01"))


def _clean_target(errors: dict[str, str], prefix: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    errors.update({f"{prefix}{k}": _("Unknown field.") for k in raw if k not in TARGET_FIELDS})
    spec = {**TARGET_DEFAULTS, **{k: v for k, v in raw.items() if k in TARGET_FIELDS}}
    if spec.get("metric") in (None, ""):
        errors[f"{prefix}metric"] = _("This field is required.")
    else:
        check_choice(errors, f"{prefix}metric", spec["metric"], Metric.values)
    seconds = _whole(spec.get("seconds"))
    if "seconds" not in spec:
        errors[f"{prefix}seconds"] = _("This field is required.")
    elif seconds is None or not 1 <= seconds <= SECONDS_MAX:
        errors[f"{prefix}seconds"] = _(
            "Give a whole number of seconds from 1 to %(max)d (90 days)."
        ) % {"max": SECONDS_MAX}
    warn = _whole(spec["warn_before_seconds"])
    if warn is None or warn < 0:
        errors[f"{prefix}warn_before_seconds"] = _("Give a whole number of seconds, 0 or more.")
    elif seconds is not None and warn and warn >= seconds:
        errors[f"{prefix}warn_before_seconds"] = _(
            "Warn before the target is due: less than its %(seconds)d seconds."
        ) % {"seconds": seconds}
    goal = _clean_goal(spec["goal_percent"])
    if goal is None:
        errors[f"{prefix}goal_percent"] = _("Give a percentage from 0 to 100.")
    spec["goal_percent"] = goal
    for flag in ("business_hours", "notify", "breach_notify_managers"):
        _flag(errors, f"{prefix}{flag}", spec[flag])
    if spec["breach_priority"] not in ("", None):
        check_choice(errors, f"{prefix}breach_priority", spec["breach_priority"], Priority.values)
    spec["breach_priority"] = spec["breach_priority"] or ""
    return spec


def _clean_targets(errors: dict[str, str], value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        errors["targets"] = _("Give a list of targets.")
        return []
    targets: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(value):
        prefix = f"targets.{index}."
        if not isinstance(raw, Mapping):
            errors[f"targets.{index}"] = _(
                "Give an object with metric, seconds and the target's other fields."
            )
            continue
        spec = _clean_target(errors, prefix, raw)
        metric = spec.get("metric")
        if isinstance(metric, str) and metric in seen and f"{prefix}metric" not in errors:
            errors[f"{prefix}metric"] = _(
                "%(metric)s has a target already (targets.%(index)d): one target per metric."
            ) % {"metric": metric, "index": seen[metric]}
        elif isinstance(metric, str):
            seen[metric] = index
        targets.append(spec)
    return targets


def _clean_policy(
    errors: dict[str, str], values: Mapping[str, Any], policy: SlaPolicy | None
) -> dict[str, Any]:
    raw_name = " ".join(str(values["name"] or "").split())
    others = SlaPolicy.objects.filter(name=raw_name)
    if policy is not None:
        others = others.exclude(pk=policy.pk)
    clean: dict[str, Any] = {
        "name": _clean_name(
            errors,
            values["name"],
            limit=POLICY_NAME_MAX,
            taken=others.exists(),
            taken_message=_("Another policy is called %(name)s."),
        )
    }
    description = str(values["description"] or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = _("At most %(max)d characters.") % {"max": DESCRIPTION_MAX}
    clean["description"] = description
    clean["active"] = _flag(errors, "active", values["active"])
    clean["pause_on_hold"] = _flag(errors, "pause_on_hold", values["pause_on_hold"])
    clean["plans"] = _clean_choices(errors, "plans", values["plans"], Plan.values)
    clean["channels"] = _clean_choices(errors, "channels", values["channels"], Channel.values)
    clean["priorities"] = _clean_choices(
        errors, "priorities", values["priorities"], Priority.values
    )
    clean["organizations"] = _clean_organizations(errors, values["organizations"])
    tags = values["tags"]
    clean["tags"] = normalize_tags([] if tags is None else tags, errors)
    clean["calendar"] = _clean_calendar_ref(errors, values["calendar"])
    clean["targets"] = _clean_targets(errors, values["targets"])
    return clean


def _save_policy(policy: SlaPolicy, clean: dict[str, Any]) -> SlaPolicy:
    organizations = clean.pop("organizations")
    targets = clean.pop("targets")
    for name, value in clean.items():
        setattr(policy, name, value)
    policy.save()
    policy.organizations.set(organizations)
    # Targets are matched by metric, so a clock that was decided on a target keeps its link.
    existing = {t.metric: t for t in SlaTarget.objects.filter(policy=policy)}
    for spec in targets:
        target = existing.get(spec["metric"]) or SlaTarget(policy=policy)
        for name, value in spec.items():
            setattr(target, name, value)
        target.save()
    SlaTarget.objects.filter(policy=policy).exclude(
        metric__in=[spec["metric"] for spec in targets]
    ).delete()
    return policy


def _order() -> list[int]:
    return list(
        SlaPolicy.objects.select_for_update()
        .order_by("position", "id")
        .values_list("id", flat=True)
    )


def _renumber(ids: Sequence[int], moved: int | None = None) -> None:
    """Stores the order as positions 1, 2, 3…, so a policy's position is its place."""
    policies = SlaPolicy.objects.in_bulk(list(ids))
    now = timezone.now()
    ordered = []
    for position, pk in enumerate(ids, start=1):
        policy = policies[pk]
        policy.position = position
        if pk == moved:
            policy.updated_at = now
        ordered.append(policy)
    SlaPolicy.objects.bulk_update(ordered, ["position", "updated_at"])


def _clean_place(errors: dict[str, str], field: str, value: Any, count: int) -> int | None:
    place = _whole(value)
    if place is None or not 1 <= place <= count:
        errors[field] = _("Give a place from 1 to %(max)d.") % {"max": count}
        return None
    return place


@transaction.atomic
def policy_create(
    *,
    actor: User,
    name: str,
    description: str = "",
    active: bool = True,
    plans: Sequence[str] = (),
    channels: Sequence[str] = (),
    priorities: Sequence[str] = (),
    organizations: Sequence[Any] = (),
    tags: Sequence[str] = (),
    calendar: BusinessCalendar | int | None = None,
    pause_on_hold: bool = False,
    targets: Sequence[Mapping[str, Any]] = (),
    position: int | None = None,
) -> SlaPolicy:
    """Adds a policy at `position` (1 is tried first; None: after every other). Conditions left
    empty match every ticket; `calendar` None measures on the calendar of the customer's region.
    Each target is {"metric", "seconds", "business_hours", "goal_percent",
    "warn_before_seconds", "notify", "breach_priority", "breach_notify_managers"}.

    Raises ValidationFailed naming each refused field ("plans", "targets.0.seconds", …),
    PermissionDenied for anyone but an administrator."""
    ensure_setup_editor(actor)
    pending.lock_setup()
    errors: dict[str, str] = {}
    values = {
        "name": name,
        "description": description,
        "active": active,
        "plans": plans,
        "channels": channels,
        "priorities": priorities,
        "organizations": organizations,
        "tags": tags,
        "calendar": calendar,
        "pause_on_hold": pause_on_hold,
        "targets": targets,
    }
    clean = _clean_policy(errors, values, None)
    order = _order()
    place = None
    if position is not None:
        place = _clean_place(errors, "position", position, len(order) + 1)
    if errors:
        raise ValidationFailed(errors)
    policy = _save_policy(SlaPolicy(position=len(order) + 1), clean)
    order.insert((place or len(order) + 1) - 1, policy.pk)
    _renumber(order)
    policy.refresh_from_db(fields=["position"])
    _setup_changed(actor, f"policy {policy.pk} {policy.name!r} created at {policy.position}")
    return policy


@transaction.atomic
def policy_update(*, actor: User, policy: SlaPolicy, changes: Mapping[str, Any]) -> SlaPolicy:
    """Changes the given fields of a policy; the condition lists, organizations and targets are
    replaced whole (a target keeps its row when its metric stays). Same refusals as
    policy_create; the order changes with policy_move or policy_reorder."""
    ensure_setup_editor(actor)
    pending.lock_setup()
    policy = _locked_policy(policy)
    errors = _unknown(changes, POLICY_FIELDS)
    current: dict[str, Any] = {
        field: getattr(policy, field)
        for field in POLICY_FIELDS - {"organizations", "targets", "calendar"}
    }
    current["calendar"] = policy.calendar
    current["organizations"] = list(policy.organizations.values_list("pk", flat=True))
    current["targets"] = [
        {field: getattr(t, field) for field in TARGET_FIELDS}
        for t in SlaTarget.objects.filter(policy=policy)
    ]
    values = {field: changes.get(field, current[field]) for field in POLICY_FIELDS}
    clean = _clean_policy(errors, values, policy)
    if errors:
        raise ValidationFailed(errors)
    _save_policy(policy, clean)
    _setup_changed(actor, f"policy {policy.pk} {policy.name!r} changed: {sorted(changes)}")
    return policy


@transaction.atomic
def policy_delete(*, actor: User, policy: SlaPolicy) -> None:
    """Deletes a policy and its targets. Its tickets fall to the next policy that matches them;
    clocks already decided keep their outcome and the policy's name."""
    ensure_setup_editor(actor)
    pending.lock_setup()
    deleted, _rows = SlaPolicy.objects.filter(pk=policy.pk).delete()
    if not deleted:
        raise NotFound(_("No such SLA policy."))
    _renumber(_order())
    _setup_changed(actor, f"policy {policy.pk} {policy.name!r} deleted")


@transaction.atomic
def policy_reorder(*, actor: User, policy_ids: Sequence[int]) -> list[SlaPolicy]:
    """Puts the policies in the order given (the first is tried first); every policy must be
    named exactly once, else ValidationFailed names "ids"."""
    ensure_setup_editor(actor)
    pending.lock_setup()
    order = _order()
    ids = list(policy_ids)
    unknown = [str(i) for i in ids if i not in order]
    if unknown:
        raise ValidationFailed(ids=_("No policy %(ids)s.") % {"ids": ", ".join(unknown)})
    if len(set(ids)) != len(ids) or set(ids) != set(order):
        raise ValidationFailed(ids=_("Name every policy exactly once, in the new order."))
    _renumber(ids)
    _setup_changed(actor, f"policies reordered: {ids}")
    return list(SlaPolicy.objects.order_by("position", "id"))


@transaction.atomic
def policy_move(
    *, actor: User, policy: SlaPolicy, offset: int | None = None, position: int | None = None
) -> list[SlaPolicy]:
    """Moves a policy `offset` places up (negative) or down (positive), stopping at the ends, or
    to `position` (1 is tried first). Returns every policy in the new order. Refusals name
    "position" or "offset"."""
    ensure_setup_editor(actor)
    pending.lock_setup()
    order = _order()
    if policy.pk not in order:
        raise NotFound(_("No such SLA policy."))
    errors: dict[str, str] = {}
    index = order.index(policy.pk)
    target = index
    if (offset is None) == (position is None):
        errors["position"] = _("Give either a position or an offset.")
    elif position is not None:
        target = (_clean_place(errors, "position", position, len(order)) or 1) - 1
    elif (step := _whole(offset)) is None:
        errors["offset"] = _("Give a whole number of places.")
    else:
        target = max(0, min(len(order) - 1, index + step))
    if errors:
        raise ValidationFailed(errors)
    order.insert(target, order.pop(index))
    _renumber(order, moved=policy.pk)
    _setup_changed(actor, f"policy {policy.pk} {policy.name!r} moved to {target + 1}")
    return list(SlaPolicy.objects.order_by("position", "id"))
