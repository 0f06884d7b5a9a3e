"""The policy book: active policies in order with their targets and calendars, compiled once per
process and renewed when the setup token changes. Each target comes from the first matching
policy that sets its metric."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from tierdesk.sla.calendar import AROUND_THE_CLOCK, BusinessHours, Span, parse_hours
from tierdesk.sla.choices import Metric
from tierdesk.sla.clocks import Attributes, TargetSpec
from tierdesk.sla.models import BusinessCalendar, SlaPolicy, SlaSetupVersion


@dataclass(frozen=True)
class CompiledPolicy:
    id: int
    name: str
    plans: frozenset[str]
    channels: frozenset[str]
    priorities: frozenset[str]
    organization_ids: frozenset[int]
    tags: frozenset[str]
    calendar_id: int | None
    pause_on_hold: bool
    targets: tuple[Any, ...]

    def matches(self, a: Attributes) -> bool:
        return (
            (not self.plans or a.plan in self.plans)
            and (not self.channels or a.channel in self.channels)
            and (not self.priorities or a.priority in self.priorities)
            and (not self.organization_ids or a.organization_id in self.organization_ids)
            and (not self.tags or not self.tags.isdisjoint(a.tags))
        )


def business_hours_of(
    calendar: BusinessCalendar, dates: list[Any] | None = None, token: str = ""
) -> BusinessHours:
    """The arithmetic of a stored calendar (its dates given, or read). `token` is the setup
    version it was read at: cached days are never shared across versions."""
    errors: dict[str, str] = {}
    weekly = parse_hours(calendar.hours or {}, errors)
    closed, special = [], {}
    for entry in dates if dates is not None else calendar.dates.all():
        if entry.hours:
            spans = parse_hours({"mon": entry.hours}, errors).get(0, [])
            special[entry.date] = spans
        else:
            closed.append(entry.date)
    if calendar.around_the_clock:
        weekly = {day: [Span(0, 1440)] for day in range(7)}
    return BusinessHours(
        time_zone=calendar.time_zone,
        weekly=weekly,
        closed_dates=closed,
        special_dates=special,
        holiday_country=calendar.holiday_country,
        holiday_subdivision=calendar.holiday_subdivision,
        around_the_clock=calendar.around_the_clock,
        key=(calendar.pk, calendar.updated_at, token),
    )


class PolicyBook:
    def __init__(
        self,
        policies: list[CompiledPolicy],
        calendars: dict[int, BusinessHours],
        region_calendars: dict[str, int],
        default_calendar: int | None,
    ) -> None:
        self.policies = policies
        self.calendars = calendars
        self.region_calendars = region_calendars
        self.default_calendar = default_calendar
        self._cache: dict[Attributes, dict[str, TargetSpec]] = {}

    def calendar_for(self, policy: CompiledPolicy, attributes: Attributes) -> int | None:
        if policy.calendar_id is not None:
            return policy.calendar_id
        return self.region_calendars.get(attributes.region, self.default_calendar)

    def __call__(self, attributes: Attributes) -> dict[str, TargetSpec]:
        """The targets in force for a ticket with these attributes, by metric: each from the
        first matching policy that sets that metric, with that policy's calendar and pausing.
        A chat policy promising only responses leaves the resolution to a policy below it."""
        specs = self._cache.get(attributes)
        if specs is not None:
            return specs
        specs = {}
        for policy in self.policies:
            if len(specs) == len(Metric.values):
                break
            if not policy.matches(attributes):
                continue
            calendar_id = self.calendar_for(policy, attributes)
            for target in policy.targets:
                if target.metric in specs:
                    continue
                business = target.business_hours and calendar_id is not None
                specs[target.metric] = TargetSpec(
                    policy_id=policy.id,
                    policy_name=policy.name,
                    target_id=target.pk,
                    metric=target.metric,
                    seconds=target.seconds,
                    hours=self.calendars[calendar_id] if business else AROUND_THE_CLOCK,
                    business_hours=business,
                    calendar_id=calendar_id if business else None,
                    goal_percent=target.goal_percent,
                    warn_before=target.warn_before_seconds,
                    pause_on_hold=policy.pause_on_hold,
                )
        if len(self._cache) < 10_000:
            self._cache[attributes] = specs
        return specs


def compile_book(token: str = "") -> PolicyBook:
    calendars = list(BusinessCalendar.objects.prefetch_related("dates"))
    hours = {c.pk: business_hours_of(c, list(c.dates.all()), token) for c in calendars}
    regions: dict[str, int] = {}
    for calendar in calendars:
        for region in calendar.regions or []:
            regions.setdefault(region, calendar.pk)
    default = next((c.pk for c in calendars if c.is_default), None)
    policies = [
        CompiledPolicy(
            id=p.pk,
            name=p.name,
            plans=frozenset(p.plans or ()),
            channels=frozenset(p.channels or ()),
            priorities=frozenset(p.priorities or ()),
            organization_ids=frozenset(o.pk for o in p.organizations.all()),
            tags=frozenset(p.tags or ()),
            calendar_id=p.calendar_id,
            pause_on_hold=p.pause_on_hold,
            targets=tuple(p.targets.all()),
        )
        for p in SlaPolicy.objects.filter(active=True).prefetch_related("targets", "organizations")
    ]
    return PolicyBook(policies, hours, regions, default)


_compiled: tuple[str, PolicyBook] | None = None


def current_book() -> PolicyBook:
    """The compiled book, recompiled when another process (or this one) changed the setup."""
    global _compiled
    token = SlaSetupVersion.objects.filter(pk=1).values_list("token", flat=True).first() or ""
    if _compiled is not None and _compiled[0] == token and token:
        return _compiled[1]
    if not token:
        token = _renew_token()
    book = compile_book(token)
    _compiled = (token, book)
    return book


def _renew_token(*, changed: bool = False) -> str:
    """A new token; `changed` also notes when an administrator changed the setup (the first
    token, which current_book writes, notes nothing): the sweep acts on no breach that a change
    makes due before it."""
    from django.utils import timezone

    token = uuid.uuid4().hex
    values: dict[str, Any] = {"token": token}
    if changed:
        values["changed_at"] = timezone.now()
    if not SlaSetupVersion.objects.filter(pk=1).update(**values):
        SlaSetupVersion.objects.get_or_create(pk=1, defaults=values)
    return token


def setup_changed() -> None:
    """Called by every write to policies, targets and calendars, inside its transaction."""
    global _compiled
    _renew_token(changed=True)
    # This process may have compiled the book inside the same transaction; forget it after the
    # commit too, so a rollback's book is never kept.
    _compiled = None
    transaction.on_commit(forget_book)


def forget_book() -> None:
    global _compiled
    _compiled = None
