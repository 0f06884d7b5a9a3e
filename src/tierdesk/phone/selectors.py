"""Reads of phone, scoped to who asks: calls are the support team's; a call on a restricted
ticket is seen only by the staff named on it. The stats count every call."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.accounts.models import User
from tierdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from tierdesk.core.pagination import (
    ID_MAX,
    cursor_decode,
    cursor_encode,
    cursor_refused,
    page_limit,
)
from tierdesk.phone.choices import ANSWER_TARGET_SECONDS, ANSWER_TARGET_SHARE, Direction, Outcome
from tierdesk.phone.models import Call
from tierdesk.tickets.models import Ticket

DEFAULT_PERIOD = timedelta(days=7)
# The stats read one row per queue and direction; a year of calls is still one grouped scan.
PERIOD_MAX = timedelta(days=366)


def ensure_staff(user: User) -> None:
    """Calls are the support team's: PermissionDenied for a customer."""
    if not user.is_support_staff:
        raise PermissionDenied(_("Calls are for the support team."))


def calls_visible_to(user: User) -> QuerySet[Call]:
    """Every call `user` may read, unordered: none for a customer; for staff, calls on no ticket
    or on a ticket they may read (tickets.selectors.tickets_visible_to, as a join: restricted
    tickets only for the staff named on them)."""
    if not user.is_support_staff:
        return Call.objects.none()
    named = Ticket.restricted_to.through.objects.filter(user_id=user.pk).values("ticket_id")
    return Call.objects.filter(
        Q(ticket__isnull=True) | Q(ticket__restricted=False) | Q(ticket_id__in=named)
    )


def _with_relations(calls: QuerySet[Call]) -> QuerySet[Call]:
    return calls.select_related("agent", "contact", "ticket")


def call_get_for_user(user: User, call_id: int) -> Call:
    """The call, or NotFound when it does not exist or `user` may not read it."""
    ensure_staff(user)
    call = _with_relations(calls_visible_to(user)).filter(pk=call_id).first()
    if call is None:
        raise NotFound(_("No such call."))
    return call


def call_of_report(user: User, call_id: int) -> Call:
    """The call a report by `user` just wrote, with what its answer shows: for the person who
    reported it (who may not be named on a ticket restricted since) and for those who may read
    it; NotFound for anyone else."""
    call = _with_relations(Call.objects.all()).filter(pk=call_id).first()
    if call is None or (
        call.reported_by_id != user.pk and not calls_visible_to(user).filter(pk=call_id).exists()
    ):
        raise NotFound(_("No such call."))
    return call


def calls_of_ticket(user: User, ticket: Ticket) -> list[Call]:
    """The calls of a ticket `user` reads, and of the tickets merged into it, oldest first."""
    if not user.is_support_staff:
        return []
    return list(
        _with_relations(
            Call.objects.filter(Q(ticket=ticket) | Q(ticket__merged_into=ticket))
        ).order_by("offered_at", "id")
    )


# --- the list ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallFilters:
    """The filters the call list offers, in the API and on the console page."""

    since: datetime | None = None
    until: datetime | None = None
    queue: str | None = None
    direction: str | None = None
    outcome: str | None = None
    agent: int | str | None = None  # a person's id, or "me"
    caller_number: str | None = None
    ticket: int | None = None
    source: str | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class CallPage:
    calls: list[Call]
    next_cursor: str | None


OUTCOME_FILTERS = {
    Outcome.ANSWERED: Q(answered_at__isnull=False),
    Outcome.ABANDONED: Q(answered_at__isnull=True, ended_at__isnull=False),
    Outcome.RINGING: Q(answered_at__isnull=True, ended_at__isnull=True),
}


def _filtered(calls: QuerySet[Call], user: User, filters: CallFilters) -> QuerySet[Call]:
    if filters.since is not None:
        calls = calls.filter(offered_at__gte=filters.since)
    if filters.until is not None:
        calls = calls.filter(offered_at__lt=filters.until)
    if filters.queue is not None:
        calls = calls.filter(queue=filters.queue)
    if filters.direction:
        calls = calls.filter(direction=filters.direction)
    if filters.outcome:
        calls = calls.filter(OUTCOME_FILTERS[Outcome(filters.outcome)])
    if filters.agent == "me":
        calls = calls.filter(agent_id=user.pk)
    elif filters.agent is not None:
        calls = calls.filter(agent_id=int(filters.agent))
    if filters.caller_number is not None:
        calls = calls.filter(caller_number=filters.caller_number)
    if filters.ticket is not None:
        calls = calls.filter(ticket_id=filters.ticket)
    if filters.source:
        calls = calls.filter(source=filters.source)
    if filters.external_id:
        calls = calls.filter(external_id=filters.external_id)
    return calls


def _encode_cursor(call: Call) -> str:
    return cursor_encode(f"{call.offered_at.isoformat()}|{call.pk}")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    value = cursor_decode(cursor)
    try:
        offered, pk_text = value.split("|")
        offered_at, pk = datetime.fromisoformat(offered), int(pk_text)
    except ValueError:
        raise cursor_refused(cursor) from None
    if offered_at.tzinfo is None or not 0 < pk <= ID_MAX:
        raise cursor_refused(cursor)
    return offered_at, pk


def call_list(
    user: User, filters: CallFilters, *, cursor: str | None = None, limit: int = 50
) -> CallPage:
    """A page of the calls `user` may read, most recently offered first, and the cursor of the
    next page (None on the last). PermissionDenied for a customer; ValidationFailed naming
    `cursor` for a cursor this list never gave out."""
    ensure_staff(user)
    limit = page_limit(limit)
    calls = _filtered(_with_relations(calls_visible_to(user)), user, filters)
    if cursor:
        offered_at, pk = _decode_cursor(cursor)
        calls = calls.filter(Q(offered_at__lt=offered_at) | Q(offered_at=offered_at, id__lt=pk))
    rows = list(calls.order_by("-offered_at", "-id")[: limit + 1])
    next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return CallPage(rows[:limit], next_cursor)


# --- the stats ---------------------------------------------------------------------------------


@dataclass
class QueueStats:
    """The phone SLA of one queue (or of all, when `queue` is None) over a period. Inbound calls
    only, except `outbound`, which counts the calls the desk made."""

    queue: str | None
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    ringing: int = 0
    answered_within_target: int = 0
    outbound: int = 0
    wait_total: int = 0
    talk_total: int = 0
    talked: int = 0
    longest_wait_seconds: int | None = None

    @property
    def service_level(self) -> float | None:
        """Share of offered calls answered within the target (None when none were offered).
        A call still ringing counts as not answered within it."""
        return self.answered_within_target / self.offered if self.offered else None

    @property
    def target_met(self) -> bool | None:
        level = self.service_level
        return None if level is None else level >= ANSWER_TARGET_SHARE

    @property
    def abandon_rate(self) -> float | None:
        return self.abandoned / self.offered if self.offered else None

    @property
    def average_wait_seconds(self) -> float | None:
        """Average time to answer of the answered calls."""
        return self.wait_total / self.answered if self.answered else None

    @property
    def average_talk_seconds(self) -> float | None:
        """Average talk of the answered calls that have ended."""
        return self.talk_total / self.talked if self.talked else None

    def add(self, other: QueueStats) -> None:
        for name in (
            "offered",
            "answered",
            "abandoned",
            "ringing",
            "answered_within_target",
            "outbound",
            "wait_total",
            "talk_total",
            "talked",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        waits = [
            w for w in (self.longest_wait_seconds, other.longest_wait_seconds) if w is not None
        ]
        self.longest_wait_seconds = max(waits) if waits else None


@dataclass
class CallStats:
    since: datetime
    until: datetime
    total: QueueStats
    queues: list[QueueStats] = field(default_factory=list)
    target_seconds: int = ANSWER_TARGET_SECONDS
    target_share: float = ANSWER_TARGET_SHARE


def stats_period(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    """[since, until): by default the seven days up to now. ValidationFailed naming `until`
    when it is not after `since`, or the period is longer than a year."""
    until = until or timezone.now()
    since = since or until - DEFAULT_PERIOD
    if until <= since:
        raise ValidationFailed(until=_("Give an end after the start."))
    if until - since > PERIOD_MAX:
        raise ValidationFailed(
            until=_("Give a period of at most %(days)d days.") % {"days": PERIOD_MAX.days}
        )
    return since, until


def call_stats(
    user: User,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    queue: str | None = None,
) -> CallStats:
    """Calls offered in [since, until) per queue and in total: offered, answered, abandoned,
    the share answered within the target, average wait and talk. One grouped query.
    PermissionDenied for a customer."""
    ensure_staff(user)
    since, until = stats_period(since, until)
    calls = Call.objects.filter(offered_at__gte=since, offered_at__lt=until)
    if queue is not None:
        calls = calls.filter(queue=queue)
    answered = Q(answered_at__isnull=False)
    rows = (
        calls.values("queue", "direction")
        .annotate(
            calls=Count("id"),
            answered=Count("id", filter=answered),
            abandoned=Count("id", filter=Q(answered_at__isnull=True, ended_at__isnull=False)),
            within=Count("id", filter=answered & Q(wait_seconds__lte=ANSWER_TARGET_SECONDS)),
            wait_total=Sum("wait_seconds", filter=answered),
            talk_total=Sum("talk_seconds", filter=answered),
            talked=Count("id", filter=answered & Q(talk_seconds__isnull=False)),
            longest_wait=Max("wait_seconds"),
        )
        .order_by("queue", "direction")
    )
    per_queue: dict[str, QueueStats] = {}
    for row in rows:
        stats = per_queue.setdefault(row["queue"], QueueStats(queue=row["queue"]))
        if row["direction"] == Direction.OUTBOUND:
            stats.outbound += row["calls"]
            continue
        stats.offered += row["calls"]
        stats.answered += row["answered"]
        stats.abandoned += row["abandoned"]
        stats.ringing += row["calls"] - row["answered"] - row["abandoned"]
        stats.answered_within_target += row["within"]
        stats.wait_total += row["wait_total"] or 0
        stats.talk_total += row["talk_total"] or 0
        stats.talked += row["talked"]
        stats.longest_wait_seconds = row["longest_wait"]
    total = QueueStats(queue=None)
    for stats in per_queue.values():
        total.add(stats)
    return CallStats(since=since, until=until, total=total, queues=list(per_queue.values()))
