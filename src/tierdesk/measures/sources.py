"""Where KPI rows come from when the rollups cannot answer: the facts of the tickets a period
touches, read from their events, and the tickets unsolved as they stand now."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from tierdesk.escalations.models import Escalation
from tierdesk.measures import facts as f
from tierdesk.measures.kpis import OPEN_NOW, Row, Scope, fact_rows
from tierdesk.tickets.choices import UNSOLVED_STATUSES, Status
from tierdesk.tickets.models import Ticket, TicketEvent

# In the order the partial index of unsolved tickets names them.
UNSOLVED = sorted(UNSOLVED_STATUSES)


def _static_filter(scope: Scope, tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Channel and region are the ticket's own; the group is read per fact."""
    if scope.channel is not None:
        tickets = tickets.filter(channel=scope.channel)
    if scope.region is not None:
        tickets = tickets.filter(organization__region=scope.region)
    return tickets


def touched_tickets(scope: Scope, start: datetime, end: datetime) -> QuerySet[Ticket]:
    """Every ticket with a fact in [start, end) or open at some time in it: created before the
    end and not settled before the start (solved with its last solve before it, or closed before
    it), or acted on by staff or escalated in the period."""
    settled = Q(closed_at__lt=start) | Q(status=Status.SOLVED, solved_at__lt=start)
    acted = TicketEvent.objects.filter(
        field__in=("", "status"), created_at__gte=start, created_at__lt=end
    ).values("ticket_id")
    escalated = Escalation.objects.filter(created_at__gte=start, created_at__lt=end).values(
        "ticket_id"
    )
    if scope.engineer is not None:
        # Every fact of an engineer's in the period is an event of theirs or an escalation
        # they asked for in it: only those tickets need reading.
        tickets = Ticket.objects.filter(
            Q(pk__in=acted.filter(actor_id=scope.engineer))
            | Q(pk__in=escalated.filter(requested_by_id=scope.engineer))
        )
    else:
        tickets = Ticket.objects.filter(created_at__lt=end).filter(
            ~settled | Q(pk__in=acted) | Q(pk__in=escalated)
        )
    return _static_filter(scope, tickets).order_by()


def raw_rows(
    scope: Scope, tickets: QuerySet[Ticket] | Sequence[int], instants: Sequence[datetime]
) -> Iterator[Row]:
    """The rows of these tickets' facts, OPEN_AT at each of the sorted `instants`."""
    ids = tickets if isinstance(tickets, Sequence) else list(tickets.values_list("pk", flat=True))
    for history in f.load_histories(ids):
        yield from fact_rows(history, instants, scope)


def open_now_rows(scope: Scope, now: datetime, stamp: float, key: str | None) -> list[Row]:
    """The tickets unsolved now by age class (and by the key's dimension when it is group,
    channel, tier or region), each row stamped `stamp` (the end of the period whose backlog
    they are). Counted on the index of unsolved tickets alone where no other column is
    needed."""
    tickets = Ticket.objects.filter(status__in=UNSOLVED, created_at__lt=now)
    if scope.group is not None:
        tickets = tickets.filter(group_id=scope.group)
    tickets = _static_filter(scope, tickets).order_by()
    column = {
        "group": "group_id",
        "channel": "channel",
        "tier": "tier",
        "region": "organization__region",
    }.get(key or "")
    ages = {
        f"age{index}": Count("pk", filter=_age_q(now, index)) for index in range(len(f.AGE_BUCKETS))
    }
    grouped: list[dict[str, Any]]
    if column:
        # Grouped on an expression: grouping on the bare column lets SQLite walk that column's
        # index over the whole table instead of the unsolved tickets' index.
        blank = Value("") if column in ("channel", "organization__region") else Value(0)
        by_member = tickets.annotate(member=Coalesce(column, blank)).values("member")
        grouped = list(by_member.annotate(**ages))  # type: ignore[arg-type]
    else:
        grouped = [tickets.aggregate(**ages)]
    rows: list[Row] = []
    for found in grouped:
        member = (found["member"] or None) if column else None
        dims: list[Any] = [None, None, None, None]
        if column:
            dims[("group_id", "channel", "tier", "organization__region").index(column)] = member
        for index in range(len(f.AGE_BUCKETS)):
            if found[f"age{index}"]:
                count = found[f"age{index}"]
                rows.append(
                    (OPEN_NOW, stamp, 0, 0, index, 0.0, count, 0.0, *dims, "", "", None, None)
                )
    return rows


def _age_q(now: datetime, index: int) -> Q:
    """Tickets in age class `index` at `now` (created within its days, before the next's)."""
    q = Q()
    limit = f.AGE_BUCKETS[index][1]
    if limit is not None:
        q &= Q(created_at__gt=now - timedelta(days=limit))
    if index > 0:
        q &= Q(created_at__lte=now - timedelta(days=f.AGE_BUCKETS[index - 1][1] or 0))
    return q
