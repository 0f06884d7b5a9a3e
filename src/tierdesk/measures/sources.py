"""Where KPI rows come from when the rollups cannot answer: the facts of the tickets a period
touches, read from their events, and the tickets unsolved as they stand now."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from tierdesk.escalations.models import Escalation
from tierdesk.measures import facts as f
from tierdesk.measures.kpis import OPEN_NOW, Row, Scope, fact_rows
from tierdesk.tickets.choices import UNSOLVED_STATUSES, Status
from tierdesk.tickets.models import Ticket, TicketEvent


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
        yield from fact_rows(history, instants, scope.zone)


def open_now_rows(scope: Scope, now: datetime, stamp: float) -> list[Row]:
    """The tickets unsolved now, by group, channel, tier, region and age class, each row
    stamped `stamp` (the end of the period whose backlog they are)."""
    age = Case(
        *[
            When(created_at__gt=now - timedelta(days=days), then=Value(index))
            for index, (_label, days) in enumerate(f.AGE_BUCKETS)
            if days is not None
        ],
        default=Value(len(f.AGE_BUCKETS) - 1),
        output_field=IntegerField(),
    )
    tickets = Ticket.objects.filter(status__in=sorted(UNSOLVED_STATUSES), created_at__lt=now)
    if scope.group is not None:
        tickets = tickets.filter(group_id=scope.group)
    grouped = (
        _static_filter(scope, tickets)
        .order_by()
        .annotate(age=age)
        .values("group_id", "channel", "tier", "organization__region", "age")
        .annotate(n=Count("pk"))
    )
    return [
        (
            OPEN_NOW,
            stamp,
            0,
            0,
            row["age"],
            0.0,
            row["n"],
            0.0,
            row["group_id"],
            row["channel"],
            row["tier"],
            row["organization__region"] or "",
            "",
            "",
            None,
            None,
        )
        for row in grouped
    ]
