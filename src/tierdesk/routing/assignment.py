"""Who may be given a ticket automatically: engineers of the group on shift now (in their own time
zone), not away, with fewer unsolved tickets than their capacity; and the pick among them."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count

from tierdesk.accounts.choices import Role
from tierdesk.accounts.models import User
from tierdesk.routing.choices import AssignmentMode
from tierdesk.routing.models import DEFAULT_MAX_OPEN_TICKETS, Availability, Shift
from tierdesk.tickets.choices import UNSOLVED_STATUSES
from tierdesk.tickets.models import Ticket

# Roles that carry a portfolio; reviewers and administrators are not handed tickets.
ASSIGNABLE_ROLES = (Role.AGENT, Role.MANAGER)


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def on_shift(shifts: Iterable[Shift], time_zone: str, now: datetime) -> bool:
    """True when `now` falls in one of the shifts, read in the person's time zone (so daylight
    saving moves the shift with the person's clock). A shift whose end is at or before its
    start runs past midnight into the next day."""
    local = now.astimezone(_zone(time_zone))
    weekday, clock = local.weekday(), local.time().replace(tzinfo=None)
    for shift in shifts:
        if shift.end > shift.start:
            if shift.weekday == weekday and shift.start <= clock < shift.end:
                return True
        elif (shift.weekday == weekday and clock >= shift.start) or (
            shift.weekday == (weekday - 1) % 7 and clock < shift.end
        ):
            return True
    return False


@dataclass
class Candidate:
    """A member of the group and how much they carry now."""

    person: User
    load: int
    capacity: int
    away: bool
    on_shift: bool

    @property
    def available(self) -> bool:
        return self.on_shift and not self.away and self.load < self.capacity


def group_members(group_ids: Sequence[int], now: datetime) -> dict[int, list[Candidate]]:
    """Every active agent and manager of each group, with load, capacity and whether on shift
    now, by group id. Five queries whatever the number of groups and people."""
    people = list(
        User.objects.filter(skill_groups__in=group_ids, is_active=True, role__in=ASSIGNABLE_ROLES)
        .distinct()
        .only("id", "username", "first_name", "last_name", "time_zone", "role")
        .order_by("id")
        .prefetch_related("shifts")
    )
    # Loads are counted over the desk's unsolved tickets (its open work, read through the index
    # on status), not over each person's tickets: those grow with every ticket they ever held,
    # and on a desk of 100,000 tickets counting them took 70 ms for each ticket routed.
    loads = dict(
        Ticket.objects.filter(status__in=UNSOLVED_STATUSES, assignee__isnull=False)
        .values_list("assignee_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    memberships = User.skill_groups.through.objects.filter(
        skillgroup_id__in=group_ids, user_id__in=[p.pk for p in people]
    ).values_list("skillgroup_id", "user_id")
    availability = {
        a.person_id: a for a in Availability.objects.filter(person__in=[p.pk for p in people])
    }
    by_id: dict[int, Candidate] = {}
    for person in people:
        setting = availability.get(person.pk)
        by_id[person.pk] = Candidate(
            person=person,
            load=loads.get(person.pk, 0),
            capacity=setting.max_open_tickets if setting else DEFAULT_MAX_OPEN_TICKETS,
            away=setting.away if setting else False,
            on_shift=on_shift(person.shifts.all(), person.time_zone, now),
        )
    members: dict[int, list[Candidate]] = {gid: [] for gid in group_ids}
    for group_id, user_id in sorted(memberships, key=lambda m: (m[0], m[1])):
        members[group_id].append(by_id[user_id])
    return members


def pick(
    candidates: Sequence[Candidate], mode: str, last_assigned_id: int | None
) -> Candidate | None:
    """The next engineer for a ticket, or None when nobody is available (it stays in the queue).

    Round-robin takes the first available person after the one given the previous ticket, in
    id order. Least-loaded takes the available person with the fewest unsolved tickets; equal
    loads are broken the round-robin way, so ties do not always fall on the same person.
    """
    available = [c for c in candidates if c.available]
    if not available or mode == AssignmentMode.NONE:
        return None
    ordered = sorted(available, key=lambda c: c.person.pk)
    if last_assigned_id is not None:
        after = [c for c in ordered if c.person.pk > last_assigned_id]
        ordered = after + [c for c in ordered if c.person.pk <= last_assigned_id]
    if mode == AssignmentMode.LEAST_LOADED:
        return min(ordered, key=lambda c: c.load)  # min keeps the first of equal loads
    return ordered[0]
