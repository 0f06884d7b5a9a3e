"""Reads of routing: the rules in order, each group's assignment mode with who is on shift now, and
a person's shifts and capacity. Managers and administrators only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.accounts.models import SkillGroup, User
from tierdesk.core.errors import NotFound
from tierdesk.routing.assignment import Candidate, group_members, on_shift
from tierdesk.routing.choices import AssignmentMode
from tierdesk.routing.models import (
    DEFAULT_MAX_OPEN_TICKETS,
    Availability,
    GroupAssignment,
    RoutingRule,
    Shift,
)
from tierdesk.routing.services import ensure_routing_reader
from tierdesk.tickets.choices import UNSOLVED_STATUSES
from tierdesk.tickets.models import Ticket


def routing_rules(user: User) -> QuerySet[RoutingRule]:
    """Every rule, active or not, in the order they run."""
    ensure_routing_reader(user)
    return RoutingRule.objects.select_related("created_by", "updated_by").order_by("position", "id")


def routing_rule_get(user: User, rule_id: int) -> RoutingRule:
    rule = routing_rules(user).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("No such routing rule."))
    return rule


def skill_group_get(user: User, group_id: int) -> SkillGroup:
    ensure_routing_reader(user)
    group = SkillGroup.objects.filter(pk=group_id).first()
    if group is None:
        raise NotFound(_("No such skill group."))
    return group


@dataclass
class GroupOverview:
    """A skill group, how it assigns, and its members with their load right now."""

    group: SkillGroup
    mode: str
    last_assigned_id: int | None
    members: list[Candidate] = field(default_factory=list)

    @property
    def mode_label(self) -> str:
        return str(AssignmentMode(self.mode).label)

    @property
    def on_shift(self) -> list[Candidate]:
        return [m for m in self.members if m.on_shift]


def group_overviews(
    user: User, group_ids: list[int] | None = None, now: datetime | None = None
) -> list[GroupOverview]:
    """Groups by name with their assignment mode and members; four queries for any number."""
    ensure_routing_reader(user)
    now = now or timezone.now()
    groups = SkillGroup.objects.order_by("name")
    if group_ids is not None:
        groups = groups.filter(pk__in=group_ids)
    groups_list = list(groups)
    settings = {
        s.group_id: s for s in GroupAssignment.objects.filter(group__in=[g.pk for g in groups_list])
    }
    members = group_members([g.pk for g in groups_list], now)
    return [
        GroupOverview(
            group=g,
            mode=settings[g.pk].mode if g.pk in settings else AssignmentMode.NONE,
            last_assigned_id=settings[g.pk].last_assigned_id if g.pk in settings else None,
            members=members.get(g.pk, []),
        )
        for g in groups_list
    ]


@dataclass
class PersonAvailability:
    """A person's capacity, away flag and weekly shifts, and where they stand now."""

    person: User
    max_open_tickets: int
    away: bool
    shifts: list[Shift]
    open_tickets: int
    on_shift_now: bool


def staff_person_get(user: User, person_id: int) -> User:
    ensure_routing_reader(user)
    person = User.objects.filter(pk=person_id, is_active=True).exclude(role="customer").first()
    if person is None:
        raise NotFound(_("No such member of staff."))
    return person


def person_availability(
    user: User, person: User, now: datetime | None = None
) -> PersonAvailability:
    ensure_routing_reader(user)
    setting = Availability.objects.filter(person=person).first()
    shifts = list(Shift.objects.filter(person=person).order_by("weekday", "start"))
    return PersonAvailability(
        person=person,
        max_open_tickets=setting.max_open_tickets if setting else DEFAULT_MAX_OPEN_TICKETS,
        away=setting.away if setting else False,
        shifts=shifts,
        open_tickets=Ticket.objects.filter(assignee=person, status__in=UNSOLVED_STATUSES).count(),
        on_shift_now=on_shift(shifts, person.time_zone, now or timezone.now()),
    )
