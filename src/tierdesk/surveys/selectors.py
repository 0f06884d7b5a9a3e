"""Reading surveys: scores over a period (CSAT, NPS, CES) by week, group or channel, the
responses staff may list, follow-up tasks, and the portal's unanswered CSAT of a ticket."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tierdesk.accounts.models import User
from tierdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from tierdesk.surveys.choices import FollowUpStatus, InvitationKind, ResponseKind
from tierdesk.surveys.models import FollowUpTask, SurveyInvitation, SurveyResponse
from tierdesk.surveys.services import MANAGING_ROLES
from tierdesk.tickets.choices import Status
from tierdesk.tickets.models import Ticket

GROUP_BYS = frozenset({"week", "group", "channel"})
# Filters on the answered ticket: the dashboard's selections.
FILTERS = {
    "group": "group_id",
    "channel": "ticket__channel",
    "region": "ticket__organization__region",
    "tier": "tier",
    "product_area": "ticket__product_area",
}


def _week_start(moment: datetime, tz: tzinfo) -> date:
    day = moment.astimezone(tz).date()
    return day - timedelta(days=day.weekday())


def _score_row(key: Any, kind: str, scores: list[int]) -> dict[str, Any]:
    """One row of scores. CSAT: value = % of 4-5 (numerator the 4s and 5s); NPS: value = %
    promoters (9-10) minus % detractors (0-6), numerator promoters minus detractors; CES: value =
    the average, numerator the sum. The denominator is the number of responses; no responses,
    no value."""
    n = len(scores)
    average = sum(scores) / n if n else None
    row: dict[str, Any] = {"key": key, "value": None, "responses": n, "denominator": n}
    if kind == ResponseKind.CSAT:
        positive = sum(1 for s in scores if s >= 4)
        row["numerator"] = positive
        row["value"] = 100.0 * positive / n if n else None
    elif kind == ResponseKind.NPS:
        promoters = sum(1 for s in scores if s >= 9)
        detractors = sum(1 for s in scores if s <= 6)
        row.update(promoters=promoters, passives=n - promoters - detractors, detractors=detractors)
        row["numerator"] = promoters - detractors
        row["value"] = 100.0 * (promoters - detractors) / n if n else None
    else:
        row["numerator"] = sum(scores)
        row["value"] = average
    row["average"] = average
    return row


def survey_scores(
    kind: str,
    start: datetime,
    end: datetime,
    tz: tzinfo,
    group_by: str | None = None,
    filters: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Scores of the responses of `kind` (csat, nps, ces) answered in [start, end).

    Rows read {"key", "value", "responses", "numerator", "denominator", "average"} (NPS rows
    also count promoters, passives and detractors); see _score_row for each value. With no
    group_by, one row keyed None. By "week": a row for every week (Monday in `tz`, key its ISO
    date) the period touches, empty weeks with value None. By "group": key the group the ticket
    was in when the answer came (None: no group); by "channel": the ticket's channel; only keys with responses appear.
    `filters` may hold group, channel, region, tier, product_area of the answered ticket.
    """
    if kind not in ResponseKind.values:
        raise ValidationFailed(kind=_("Unknown survey kind."))
    if group_by is not None and group_by not in GROUP_BYS:
        raise ValidationFailed(group_by=_("Group by week, group or channel."))
    responses = SurveyResponse.objects.filter(kind=kind, created_at__gte=start, created_at__lt=end)
    for name, value in (filters or {}).items():
        if name not in FILTERS:
            raise ValidationFailed({name: _("Unknown filter.")})
        if value not in (None, ""):
            responses = responses.filter(**{FILTERS[name]: value})
    rows = responses.values_list("score", "created_at", "group_id", "ticket__channel")
    if group_by is None:
        return [_score_row(None, kind, [score for score, *_rest in rows])]
    buckets: dict[Any, list[int]] = defaultdict(list)
    for score, created_at, group_id, channel in rows:
        if group_by == "week":
            buckets[_week_start(created_at, tz).isoformat()].append(score)
        elif group_by == "group":
            buckets[group_id].append(score)
        else:
            buckets[channel].append(score)
    if group_by == "week":
        weeks = []
        week = _week_start(start, tz)
        last = _week_start(end - timedelta(microseconds=1), tz)
        while week <= last:
            weeks.append(week.isoformat())
            week += timedelta(days=7)
        return [_score_row(key, kind, buckets.get(key, [])) for key in weeks]
    return [
        _score_row(key, kind, buckets[key])
        for key in sorted(buckets, key=lambda k: (k is None, str(k)))
    ]


def responses_for(
    user: User,
    *,
    kind: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[SurveyResponse]:
    """Survey responses for staff, newest first, on tickets the person may see."""
    if not user.is_support_staff:
        raise PermissionDenied(_("Only staff read survey responses."))
    from tierdesk.tickets.selectors import tickets_visible_to

    qs = SurveyResponse.objects.filter(ticket__in=tickets_visible_to(user).values("pk"))
    if kind:
        qs = qs.filter(kind=kind)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lt=end)
    return qs.select_related("person").order_by("-created_at", "-id")


def follow_ups_for(user: User, *, status: str | None = None) -> QuerySet[FollowUpTask]:
    """Follow-up tasks for managers and administrators on tickets they may read (a restricted
    ticket's task only for the staff named on it): open ones first, the soonest due first."""
    if user.role not in MANAGING_ROLES:
        raise PermissionDenied(_("Only managers see follow-ups."))
    from tierdesk.tickets.selectors import tickets_visible_to

    qs = FollowUpTask.objects.filter(
        ticket__in=tickets_visible_to(user).values("pk")
    ).select_related("response__person__organization", "ticket", "assignee", "done_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "due_at", "id")


def follow_up_get_for_user(user: User, task_id: int) -> FollowUpTask:
    try:
        return follow_ups_for(user).get(pk=task_id)
    except FollowUpTask.DoesNotExist:
        raise NotFound(_("No such follow-up.")) from None


def open_follow_up_count(user: User) -> int:
    return FollowUpTask.objects.filter(assignee=user, status=FollowUpStatus.OPEN).count()


def portal_invitation(user: User, ticket: Ticket) -> SurveyInvitation | None:
    """The unanswered CSAT invitation of a solved ticket the person requested, or None."""
    if not getattr(user, "is_authenticated", False) or ticket.requester_id != user.pk:
        return None
    if ticket.status != Status.SOLVED:
        return None
    return SurveyInvitation.objects.filter(
        ticket=ticket, kind=InvitationKind.CSAT, person=user, answered_at__isnull=True
    ).first()
