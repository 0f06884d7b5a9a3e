"""Reads of escalation, scoped to who asks: a ticket's escalations, one escalation, the counts
per engineer and per group over a period, and the complaints and incidents a manager owns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.accounts.models import SkillGroup, User
from tierdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from tierdesk.escalations.models import OPEN_ESCALATION_STATUSES, Escalation
from tierdesk.tickets.choices import UNSOLVED_STATUSES
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.selectors import tickets_visible_to

# The report's default period, and the longest a request may ask for (its weeks become columns).
DEFAULT_WEEKS = 8
MAX_DAYS = 366


def _ensure_staff(user: User) -> None:
    if not user.is_support_staff:
        raise PermissionDenied(_("Escalations are for the support team."))


def _with_people(escalations: QuerySet[Escalation]) -> QuerySet[Escalation]:
    return escalations.select_related(
        "requested_by", "accepted_by", "group", "from_group"
    ).prefetch_related("attachments")


def escalations_of_ticket(user: User, ticket: Ticket) -> QuerySet[Escalation]:
    """The ticket's escalations, newest first; PermissionDenied for customers. The caller has
    already fetched `ticket` as one `user` may read."""
    _ensure_staff(user)
    return _with_people(ticket.escalations.all()).order_by("-created_at", "-id")


def escalation_open_of_ticket(ticket: Ticket) -> Escalation | None:
    """The ticket's highest open escalation: the one whose answer the ticket waits for."""
    return (
        _with_people(ticket.escalations.filter(status__in=OPEN_ESCALATION_STATUSES))
        .order_by("-to_tier", "-created_at")
        .first()
    )


def escalation_get_for_user(user: User, escalation_id: int) -> Escalation:
    """The escalation with its ticket, or NotFound when it does not exist or is on a ticket
    `user` may not read. Customers get PermissionDenied whatever the id."""
    _ensure_staff(user)
    readable = tickets_visible_to(user).filter(number=OuterRef("ticket_id"))
    escalation = (
        _with_people(Escalation.objects.filter(pk=escalation_id).filter(Exists(readable)))
        .select_related("ticket")
        .first()
    )
    if escalation is None:
        raise NotFound(_("No such escalation."))
    return escalation


# --- counts -----------------------------------------------------------------------------------


@dataclass
class EngineerCounts:
    """One engineer's escalations in the period: sent up and taken on, in total and per week."""

    person: User
    requested: int = 0
    accepted: int = 0
    requested_per_week: list[int] = field(default_factory=list)
    accepted_per_week: list[int] = field(default_factory=list)

    @property
    def accepted_average(self) -> float:
        weeks = len(self.accepted_per_week) or 1
        return self.accepted / weeks


@dataclass
class GroupCounts:
    """One receiving group's escalations in the period (None: escalated to a whole tier)."""

    group: SkillGroup | None
    received: int = 0
    accepted: int = 0
    received_per_week: list[int] = field(default_factory=list)


@dataclass
class EscalationStats:
    since: datetime
    until: datetime
    weeks: list[date]
    engineers: list[EngineerCounts]
    groups: list[GroupCounts]


def default_period(
    now: datetime | None = None, weeks: int = DEFAULT_WEEKS
) -> tuple[datetime, datetime]:
    """The last `weeks` weeks, this one included: from a Monday's midnight (in the current time
    zone) to now."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    since = timezone.make_aware(datetime.combine(monday, datetime.min.time()))
    return since, now


def _week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def escalation_stats(
    user: User, *, since: datetime | None = None, until: datetime | None = None
) -> EscalationStats:
    """Escalations per engineer (requested by them, accepted by them) and per receiving group
    over [since, until), in total and per week (weeks start on Monday, in the current time zone).
    An escalation counts as requested in the week it was made and as accepted in the week it was
    accepted. Staff only; ValidationFailed naming `since`/`until` for a period that is empty or
    longer than a year."""
    _ensure_staff(user)
    default_since, default_until = default_period()
    since = since or default_since
    until = until or default_until
    if since >= until:
        raise ValidationFailed(until=_("Give an end after the start."))
    if until - since > timedelta(days=MAX_DAYS):
        raise ValidationFailed(since=_("Ask for at most a year at a time."))

    first, last = _week_of(timezone.localdate(since)), _week_of(timezone.localdate(until))
    weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    index = {week: i for i, week in enumerate(weeks)}

    def per_day(filter_q: Q, date_field: str, *keys: str) -> list[dict]:
        return list(
            Escalation.objects.filter(filter_q)
            .annotate(day=TruncDate(date_field))
            .values(*keys, "day")
            .annotate(n=Count("id"))
            .order_by()
        )

    requested_q = Q(created_at__gte=since, created_at__lt=until)
    accepted_q = Q(accepted_at__gte=since, accepted_at__lt=until, accepted_by__isnull=False)
    people: dict[int, EngineerCounts] = {}
    groups: dict[int | None, GroupCounts] = {}

    def engineer(pk: int) -> EngineerCounts:
        if pk not in people:
            people[pk] = EngineerCounts(
                person=None,  # type: ignore[arg-type]  # filled below in one query
                requested_per_week=[0] * len(weeks),
                accepted_per_week=[0] * len(weeks),
            )
        return people[pk]

    def group_of(pk: int | None) -> GroupCounts:
        if pk not in groups:
            groups[pk] = GroupCounts(group=None, received_per_week=[0] * len(weeks))
        return groups[pk]

    for row in per_day(requested_q, "created_at", "requested_by", "group"):
        week = index.get(_week_of(row["day"]))
        counts = engineer(row["requested_by"])
        counts.requested += row["n"]
        in_group = group_of(row["group"])
        in_group.received += row["n"]
        if week is not None:
            counts.requested_per_week[week] += row["n"]
            in_group.received_per_week[week] += row["n"]
    for row in per_day(accepted_q, "accepted_at", "accepted_by", "group"):
        week = index.get(_week_of(row["day"]))
        counts = engineer(row["accepted_by"])
        counts.accepted += row["n"]
        group_of(row["group"]).accepted += row["n"]
        if week is not None:
            counts.accepted_per_week[week] += row["n"]

    for person in User.objects.filter(pk__in=people):
        people[person.pk].person = person
    for group in SkillGroup.objects.filter(pk__in=[pk for pk in groups if pk is not None]):
        groups[group.pk].group = group
    engineers = sorted(
        people.values(), key=lambda c: (-c.accepted, -c.requested, c.person.display_name)
    )
    group_rows = sorted(
        groups.values(), key=lambda c: (c.group is None, -c.received, str(c.group or ""))
    )
    return EscalationStats(
        since=since, until=until, weeks=weeks, engineers=engineers, groups=group_rows
    )


# --- complaints and incidents -----------------------------------------------------------------


def flagged_tickets_owned(user: User) -> QuerySet[Ticket]:
    """Complaints and incidents `user` is the escalation manager of and may read, the most
    recently updated first."""
    _ensure_staff(user)
    return (
        tickets_visible_to(user)
        .filter(escalation_manager=user)
        .exclude(escalation_flag="")
        .select_related("requester", "organization", "assignee", "group")
        .order_by("-updated_at", "-number")
    )


def flagged_tickets_unowned(user: User) -> QuerySet[Ticket]:
    """Unsolved complaints and incidents nobody owns yet, oldest first, for a manager to take."""
    _ensure_staff(user)
    return (
        tickets_visible_to(user)
        .filter(escalation_manager__isnull=True, status__in=UNSOLVED_STATUSES)
        .exclude(escalation_flag="")
        .select_related("requester", "organization", "assignee", "group")
        .order_by("created_at", "number")
    )


def escalation_managers() -> QuerySet[User]:
    """Who may be named escalation manager: active managers and administrators, by name."""
    return User.objects.filter(is_active=True, role__in=["manager", "admin"]).order_by(
        "first_name", "last_name", "username"
    )
