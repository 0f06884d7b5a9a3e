"""The team KPIs computed from raw ticket events with SQL aggregates: one window [start, end) at a
time, split by at most one ticket key. The fallback the daily rollups will be checked against."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractHour, ExtractIsoWeekDay
from django.utils import timezone

from tierdesk.accounts.choices import Role
from tierdesk.escalations.models import Escalation
from tierdesk.sla.attainment import percentile
from tierdesk.sla.choices import ClockState
from tierdesk.sla.models import SlaClock
from tierdesk.tickets.choices import UNSOLVED_STATUSES, EventKind, Status
from tierdesk.tickets.models import Ticket, TicketEvent

STAFF_ROLES = [role for role in Role.values if role != Role.CUSTOMER]
UNSOLVED = sorted(UNSOLVED_STATUSES)
DONE = [Status.SOLVED, Status.CLOSED]
# Ticket column behind each key a row can be split by (the ticket's current values).
TICKET_KEYS = {
    "group": "group_id",
    "channel": "channel",
    "tier": "tier",
    "type": "type",
    "product_area": "product_area",
}
AGE_BUCKETS = (("<1d", 1), ("1-3d", 3), ("3-7d", 7), ("7-30d", 30), (">30d", None))


@dataclass
class Scope:
    """Which tickets count: None filters are not applied. `zone` buckets hours of the week."""

    zone: tzinfo
    group: int | None = None
    channel: str | None = None
    region: str | None = None

    def q(self, prefix: str = "") -> Q:
        q = Q()
        if self.group is not None:
            q &= Q(**{f"{prefix}group_id": self.group})
        if self.channel is not None:
            q &= Q(**{f"{prefix}channel": self.channel})
        if self.region is not None:
            q &= Q(**{f"{prefix}organization__region": self.region})
        return q


@dataclass
class Cell:
    """One figure: `value` in the KPI's unit, None when there was nothing to measure."""

    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    details: dict[str, Any] = field(default_factory=dict)


Cells = dict[Any, Cell]
Computation = Callable[[Scope, datetime, datetime, "str | None"], Cells]


def _tickets(scope: Scope) -> QuerySet[Ticket]:
    return Ticket.objects.filter(scope.q()).order_by()


def _status_events(scope: Scope | None = None) -> QuerySet[TicketEvent]:
    events = TicketEvent.objects.filter(kind=EventKind.CHANGED, field="status").order_by()
    return events.filter(scope.q("ticket__")) if scope else events


def _col(key: str | None, prefix: str = "") -> list[str]:
    return [f"{prefix}{TICKET_KEYS[key]}"] if key else []


def _tally(
    rows: QuerySet[Any], key: str | None, prefix: str = "", of: str = "pk"
) -> dict[Any, int]:
    """Distinct `of` per value of the key's column (one total under None without a key)."""
    count = Count(of, distinct=of != "pk")
    if key is None:
        return {None: rows.aggregate(n=count)["n"]}
    column = f"{prefix}{TICKET_KEYS[key]}"
    return {row[column]: row["n"] for row in rows.values(column).annotate(n=count)}


def _rate(numerators: dict[Any, int], denominators: dict[Any, int]) -> Cells:
    cells: Cells = {}
    for key in denominators.keys() | numerators.keys():
        num, den = numerators.get(key, 0), denominators.get(key, 0)
        value = round(num * 100 / den, 2) if den else None
        cells[key] = Cell(value, num, den)
    return cells


def _solved_in(scope: Scope, start: datetime, end: datetime) -> QuerySet[TicketEvent]:
    return _status_events(scope).filter(
        to_value=Status.SOLVED, created_at__gte=start, created_at__lt=end
    )


def _settled_before(tickets: QuerySet[Ticket], moment: datetime) -> QuerySet[Ticket]:
    """Leaves out, without a subquery, the tickets whose last status change is a solve or a
    close before `moment`: still solved with solved_at (the time of the last solve) before it,
    or closed before it (closed is final). Their status at `moment` and after is settled, so
    the event subqueries only run for the rest: the unsolved and the recently changed. Exact
    as long as solved_at and closed_at are written with the status change, as apply_status
    does; a later reopen takes the ticket out of this shortcut, not out of the count."""
    return tickets.exclude(closed_at__lt=moment).exclude(status=Status.SOLVED, solved_at__lt=moment)


def _status_at(moment: datetime) -> Subquery:
    """The ticket's status just before `moment` by its events; NULL when it never changed
    (a ticket is created new)."""
    return Subquery(
        _status_events()
        .filter(ticket=OuterRef("pk"), created_at__lt=moment)
        .order_by("-created_at", "-id")
        .values("to_value")[:1]
    )


# --- rates -------------------------------------------------------------------------------------


def resolution_rate(scope: Scope, start: datetime, end: datetime, key: str | None) -> Cells:
    """Solved in [start, end) / open at some time in [start, end) (see definitions._OPEN)."""
    solved = _tally(_solved_in(scope, start, end), key, "ticket__", "ticket")
    reopened = _status_events().filter(
        ticket=OuterRef("pk"), created_at__gte=start, created_at__lt=end, to_value__in=UNSOLVED
    )
    open_tickets = (
        _settled_before(_tickets(scope).filter(created_at__lt=end), start)
        .annotate(state=_status_at(start), back=Exists(reopened))
        .filter(Q(state__isnull=True) | Q(state__in=UNSOLVED) | Q(back=True))
    )
    return _rate(solved, _tally(open_tickets, key))


def _handled(scope: Scope, start: datetime, end: datetime) -> QuerySet[Ticket]:
    # IN (...) over the events of the window rather than EXISTS per ticket: the events index
    # (field, created_at) finds a window's replies (field "") and status changes directly.
    window = {"created_at__gte": start, "created_at__lt": end}
    staff = {"actor__role__in": STAFF_ROLES}
    replies = TicketEvent.objects.filter(kind=EventKind.MESSAGE, field="", **window, **staff)
    changes = _status_events().filter(**window, **staff)
    escalated = Escalation.objects.filter(**window)
    return _tickets(scope).filter(
        Q(pk__in=replies.values("ticket"))
        | Q(pk__in=changes.values("ticket"))
        | Q(pk__in=escalated.values("ticket"))
    )


def _escalation_rate(tier: int) -> Computation:
    def compute(scope: Scope, start: datetime, end: datetime, key: str | None) -> Cells:
        """Tickets escalated to `tier` in [start, end) / tickets handled in [start, end)."""
        escalated = (
            Escalation.objects.filter(scope.q("ticket__"))
            .filter(to_tier=tier, created_at__gte=start, created_at__lt=end)
            .order_by()
        )
        return _rate(
            _tally(escalated, key, "ticket__", "ticket"), _tally(_handled(scope, start, end), key)
        )

    return compute


def _solved_tickets(scope: Scope, start: datetime, end: datetime) -> QuerySet[Ticket]:
    solves = _status_events().filter(
        to_value=Status.SOLVED, created_at__gte=start, created_at__lt=end
    )
    return _tickets(scope).filter(pk__in=solves.values("ticket"))


def one_touch_rate(scope: Scope, start: datetime, end: datetime, key: str | None) -> Cells:
    """Solved in [start, end) with exactly one public staff reply before `end` / solved."""
    replies = (
        TicketEvent.objects.filter(
            ticket=OuterRef("pk"),
            kind=EventKind.MESSAGE,
            actor__role__in=STAFF_ROLES,
            created_at__lt=end,
        )
        .order_by()
        .values("ticket")
        .annotate(c=Count("pk"))
        .values("c")
    )
    solved = _solved_tickets(scope, start, end).annotate(
        replies=Coalesce(Subquery(replies, output_field=IntegerField()), 0)
    )
    return _rate(_tally(solved.filter(replies=1), key), _tally(solved, key))


def reopen_rate(scope: Scope, start: datetime, end: datetime, key: str | None) -> Cells:
    """Solved in [start, end) and reopened after the first solve in it / solved."""
    first_solve = Subquery(
        _status_events()
        .filter(
            ticket=OuterRef("pk"),
            to_value=Status.SOLVED,
            created_at__gte=start,
            created_at__lt=end,
        )
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )
    reopen = _status_events().filter(
        ticket=OuterRef("pk"),
        from_value=Status.SOLVED,
        to_value__in=UNSOLVED,
        created_at__gt=OuterRef("first_solve"),
    )
    solved = _solved_tickets(scope, start, end).annotate(
        first_solve=first_solve, reopened=Exists(reopen)
    )
    return _rate(_tally(solved.filter(reopened=True), key), _tally(solved, key))


# --- times -------------------------------------------------------------------------------------


def _spread(pairs: Iterable[tuple[Any, float]]) -> dict[Any, list[float]]:
    grouped: dict[Any, list[float]] = defaultdict(list)
    for key, seconds in pairs:
        grouped[key].append(seconds)
    for values in grouped.values():
        values.sort()
    return grouped


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _time_cells(
    calendar: dict[Any, list[float]], business: dict[Any, list[float]] | None = None
) -> Cells:
    cells: Cells = {}
    for key in calendar.keys() | (business or {}).keys():
        values = calendar.get(key, [])
        measured = (business or {}).get(key, [])
        details: dict[str, Any] = {
            "p50_seconds": _round(percentile(values, 0.5)),
            "p90_seconds": _round(percentile(values, 0.9)),
        }
        if business is not None:
            details |= {
                "business_p50_seconds": _round(percentile(measured, 0.5)),
                "business_p90_seconds": _round(percentile(measured, 0.9)),
                "business_count": len(measured),
            }
        cells[key] = Cell(details["p50_seconds"], None, len(values), details)
    return cells


def _business(
    scope: Scope, start: datetime, end: datetime, key: str | None, metric: str
) -> dict[Any, list[float]]:
    clocks = (
        SlaClock.objects.filter(scope.q("ticket__"))
        .filter(metric=metric, state=ClockState.STOPPED, stopped_at__gte=start, stopped_at__lt=end)
        .order_by()
    )
    if key:
        return _spread(clocks.values_list(f"ticket__{TICKET_KEYS[key]}", "elapsed_seconds"))
    return _spread((None, seconds) for seconds in clocks.values_list("elapsed_seconds", flat=True))


def first_response_time(scope: Scope, start: datetime, end: datetime, key: str | None) -> Cells:
    """first_responded_at - created_at of tickets first answered in [start, end)."""
    rows = (
        _tickets(scope)
        .filter(first_responded_at__gte=start, first_responded_at__lt=end)
        .values_list(*_col(key), "created_at", "first_responded_at")
    )
    calendar = _spread(
        ((row[0] if key else None), (row[-1] - row[-2]).total_seconds()) for row in rows
    )
    return _time_cells(calendar, _business(scope, start, end, key, "first_response"))


def _to_status(
    scope: Scope, start: datetime, end: datetime, key: str | None, status: str
) -> dict[Any, list[float]]:
    """Per key, the seconds from created to the last change to `status` in [start, end), one
    per ticket."""
    rows = (
        _status_events(scope)
        .filter(to_value=status, created_at__gte=start, created_at__lt=end)
        .values("ticket", "ticket__created_at", *_col(key, "ticket__"))
        .annotate(last=Max("created_at"))
    )
    column = f"ticket__{TICKET_KEYS[key]}" if key else None
    return _spread(
        (
            (row[column] if column else None),
            (row["last"] - row["ticket__created_at"]).total_seconds(),
        )
        for row in rows
    )


def resolution_time(scope: Scope, start: datetime, end: datetime, key: str | None) -> Cells:
    calendar = _to_status(scope, start, end, key, Status.SOLVED)
    return _time_cells(calendar, _business(scope, start, end, key, "resolution"))


def time_to_close(scope: Scope, start: datetime, end: datetime, key: str | None) -> Cells:
    return _time_cells(_to_status(scope, start, end, key, Status.CLOSED))


def mttr(scope: Scope, start: datetime, end: datetime, key: str | None) -> Cells:
    cells: Cells = {}
    for key_value, values in _to_status(scope, start, end, key, Status.SOLVED).items():
        total = sum(values)
        cells[key_value] = Cell(_round(total / len(values)), _round(total), len(values))
    return cells


# --- counts ------------------------------------------------------------------------------------


def backlog(scope: Scope, start: datetime, end: datetime, key: str | None) -> Cells:
    """Tickets unsolved at `end`, with counts per age (end - created); a period that ends in
    the future (this week) measures the backlog as it stands now."""
    end = min(end, timezone.now())
    age_edges: list[tuple[str, Q]] = []
    newer_than = None
    for label, days in AGE_BUCKETS:
        q = Q() if days is None else Q(created_at__gt=end - timedelta(days=days))
        if newer_than is not None:
            q &= ~newer_than
        age_edges.append((label, q))
        newer_than = q if newer_than is None else newer_than | q
    unsolved = (
        _settled_before(_tickets(scope).filter(created_at__lt=end), end)
        .annotate(state=_status_at(end))
        .filter(Q(state__isnull=True) | Q(state__in=UNSOLVED))
    )
    if key == "age":
        bucket = Case(
            *[When(q, then=Value(label)) for label, q in age_edges[:-1]],
            default=Value(AGE_BUCKETS[-1][0]),
        )
        counts = dict(
            unsolved.annotate(age=bucket)
            .values("age")
            .annotate(n=Count("pk"))
            .values_list("age", "n")
        )
        return {label: Cell(counts.get(label, 0), None, None) for label, _days in AGE_BUCKETS}
    aggregates = {label: Count("pk", filter=q) for label, q in age_edges}
    rows = (
        unsolved.values(*_col(key)).annotate(n=Count("pk"), **aggregates)
        if key
        else [unsolved.aggregate(n=Count("pk"), **aggregates)]
    )
    return {
        (row[TICKET_KEYS[key]] if key else None): Cell(
            row["n"], None, None, {"ages": {label: row[label] for label, _days in AGE_BUCKETS}}
        )
        for row in rows
    }


def volume(scope: Scope, start: datetime, end: datetime, key: str | None) -> Cells:
    """Tickets created in [start, end)."""
    created = _tickets(scope).filter(created_at__gte=start, created_at__lt=end)
    if key == "hour_of_week":
        rows = (
            created.annotate(
                day=ExtractIsoWeekDay("created_at", tzinfo=scope.zone),
                hour=ExtractHour("created_at", tzinfo=scope.zone),
            )
            .values("day", "hour")
            .annotate(n=Count("pk"))
        )
        return {(row["day"] - 1) * 24 + row["hour"]: Cell(row["n"]) for row in rows}
    return {k: Cell(n) for k, n in _tally(created, key).items()}


COMPUTATIONS: dict[str, Computation] = {
    "weekly_resolution_rate": resolution_rate,
    "escalation_rate": _escalation_rate(2),
    "escalation_rate_engineering": _escalation_rate(3),
    "first_response_time": first_response_time,
    "resolution_time": resolution_time,
    "mttr": mttr,
    "time_to_close": time_to_close,
    "one_touch_rate": one_touch_rate,
    "reopen_rate": reopen_rate,
    "backlog": backlog,
    "volume": volume,
}
