"""Writing tickets' SLA clocks: computing them again from the ticket's history whenever it
changed, keeping what the sweep recorded and never rewriting a clock that already stopped."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime

from django.db import connections, router, transaction
from django.utils import timezone

from tierdesk.core.bulk import update_rows
from tierdesk.sla.book import PolicyBook, current_book
from tierdesk.sla.choices import ClockState, Outcome
from tierdesk.sla.clocks import ClockResult, replay
from tierdesk.sla.history import histories
from tierdesk.sla.models import SlaClock, SlaStale
from tierdesk.sla.pending import hold_setup_shared
from tierdesk.tickets.models import Ticket

BATCH = 500

# What a new computation replaces on a stored clock; the sweep's warned_at and
# breach_recorded_at stay as they were, so each clock warns once and breaches once.
COMPUTED_FIELDS = [
    "policy_id",
    "policy_name",
    "target_id",
    "target_seconds",
    "business_hours",
    "calendar_id",
    "goal_percent",
    "started_at",
    "stopped_at",
    "due_at",
    "warn_at",
    "state",
    "outcome",
    "decided_at",
    "elapsed_seconds",
    "remaining_seconds",
    "channel",
    "priority",
    "group_id",
    "history",
    "computed_at",
]


# Fields that change with the time of computing alone.
VOLATILE_FIELDS = frozenset({"computed_at", "elapsed_seconds", "remaining_seconds"})


def _values(ticket: Ticket, result: ClockResult, now: datetime) -> dict[str, object]:
    spec = result.spec
    return {
        "policy_id": spec.policy_id,
        "policy_name": spec.policy_name,
        "target_id": spec.target_id,
        "target_seconds": spec.seconds,
        "business_hours": spec.business_hours,
        "calendar_id": spec.calendar_id,
        "goal_percent": spec.goal_percent,
        "started_at": result.started_at,
        "stopped_at": result.stopped_at,
        "due_at": result.due_at,
        "warn_at": result.warn_at,
        "state": result.state,
        "outcome": result.outcome,
        "decided_at": result.decided_at,
        "elapsed_seconds": result.elapsed_seconds,
        "remaining_seconds": result.remaining_seconds,
        # Where the clock is counted: as things stood when it was decided (at its stop; now
        # for a clock still running or paused).
        "channel": result.channel or ticket.channel,
        "priority": result.priority or ticket.priority,
        "group_id": ticket.group_id,
        "history": result.history,
        "computed_at": now,
    }


def _sync(
    ticket: Ticket,
    results: list[ClockResult],
    stored: dict[tuple[str, int], SlaClock],
    now: datetime,
) -> tuple[list[SlaClock], list[SlaClock], list[int]]:
    """What to create, update and delete so the stored clocks match the results."""
    create, update = [], []
    seen = set()
    for result in results:
        key = (result.metric, result.cycle)
        seen.add(key)
        values = _values(ticket, result, now)
        clock = stored.get(key)
        if clock is None:
            create.append(
                SlaClock(ticket_id=ticket.pk, metric=result.metric, cycle=result.cycle, **values)
            )
            continue
        if clock.state == ClockState.STOPPED and clock.stopped_at == result.stopped_at:
            # Decided: a later change of policy or calendar does not rewrite it.
            continue
        if clock.breach_recorded_at is not None:
            _keep_recorded_breach(clock, values)
        if all(
            getattr(clock, name) == value
            for name, value in values.items()
            if name not in VOLATILE_FIELDS
        ):
            # Nothing a reader uses changed: a running clock's elapsed and remaining time are
            # worked out from its due time when read (a paused clock's stay as they were).
            continue
        for name, value in values.items():
            setattr(clock, name, value)
        update.append(clock)
    delete = []
    for key, clock in stored.items():
        if key in seen or clock.state == ClockState.STOPPED:
            continue
        if clock.breach_recorded_at is None:
            delete.append(clock.pk)
        else:
            # Its target is gone, but the breach was seen and counted: it stops where it stands.
            clock.state, clock.stopped_at, clock.warn_at = ClockState.STOPPED, now, None
            clock.computed_at = now
            update.append(clock)
    return create, update, delete


def _keep_recorded_breach(clock: SlaClock, values: dict[str, object]) -> None:
    """A breach the sweep recorded stays a breach, counted where it happened: lowering the
    priority or removing a tag afterwards neither turns it into a met target nor moves it to
    another priority, channel or group in the attainment."""
    values["outcome"] = Outcome.BREACHED
    values["decided_at"] = clock.decided_at or clock.due_at
    # Overdue since the time it was due when breached, however the target moved since.
    values["due_at"] = clock.due_at or values["due_at"]
    values["warn_at"] = None
    for name in ("channel", "priority", "group_id"):
        values[name] = getattr(clock, name)


# Capabilities that keep figures derived from stopped clocks (the KPI rollups) listen here;
# each is called with the numbers of tickets whose stopped clocks changed, in the transaction.
CLOCK_LISTENERS: list[Callable[[Collection[int]], None]] = []


def clocks_refresh(
    ticket_numbers: Iterable[int], *, now: datetime | None = None, book: PolicyBook | None = None
) -> int:
    """Computes the clocks of these tickets again and stores them; returns how many tickets.

    Call inside a transaction; the tickets are locked so two recomputations of one ticket queue
    up rather than both write its clocks."""
    now = now or timezone.now()
    book = book or current_book()
    numbers = sorted(set(ticket_numbers))
    done = 0
    for start in range(0, len(numbers), BATCH):
        chunk = numbers[start : start + BATCH]
        tickets = list(
            Ticket.objects.select_for_update(of=("self",))
            .select_related("organization", "requester")
            .filter(pk__in=chunk)
            .order_by("pk")
        )
        found = histories(tickets)
        stored: dict[int, dict[tuple[str, int], SlaClock]] = {t.pk: {} for t in tickets}
        for clock in SlaClock.objects.filter(ticket_id__in=chunk):
            stored[clock.ticket_id][(clock.metric, clock.cycle)] = clock
        create: list[SlaClock] = []
        update: list[SlaClock] = []
        delete: list[int] = []
        stopped_changed: set[int] = set()
        for ticket in tickets:
            results = replay(found[ticket.pk], book, now)
            c, u, d = _sync(ticket, results, stored[ticket.pk], now)
            create += c
            update += u
            delete += d
            if d or any(clock.state == ClockState.STOPPED for clock in c + u):
                stopped_changed.add(ticket.pk)
        if delete:
            SlaClock.objects.filter(pk__in=delete).delete()
        if update:
            update_rows(update, COMPUTED_FIELDS)
        if create:
            SlaClock.objects.bulk_create(create, batch_size=500)
        for listener in CLOCK_LISTENERS:
            if stopped_changed:
                listener(stopped_changed)
        done += len(tickets)
    return done


def clocks_refresh_stale(
    ticket_numbers: Collection[int] | None = None,
    *,
    now: datetime | None = None,
    limit: int | None = None,
) -> int:
    """Computes the clocks of tickets marked stale (of these tickets, or all of them; at most
    about `limit`, a batch at a time, each batch its own transaction) and clears their marks;
    returns how many.

    Each batch locks its tickets before it touches their marks, in the order every ticket write
    takes them: a writer locks the ticket, then inserts its mark, so a batch that deleted the
    mark first and then waited for the ticket would wait on the writer while the writer waits on
    it. Tickets another transaction holds are skipped where the database can, and keep their
    marks: their writer computes them after it commits, or the next sweep does. One pass over
    the marks, so two passes at once share the work rather than queue behind each other."""
    done = 0
    wanted = sorted(set(ticket_numbers)) if ticket_numbers is not None else None
    if wanted is not None and not wanted:
        return 0
    skip = connections[router.db_for_write(Ticket)].features.has_select_for_update_skip_locked
    after = 0
    while limit is None or done < limit:
        with transaction.atomic():
            hold_setup_shared()
            marked = SlaStale.objects.filter(ticket_id__gt=after).order_by("ticket_id")
            if wanted is not None:
                marked = marked.filter(ticket_id__in=wanted)
            numbers = list(marked.values_list("ticket_id", flat=True)[:BATCH])
            if not numbers:
                break
            after = numbers[-1]
            locked = list(
                Ticket.objects.select_for_update(skip_locked=skip)
                .filter(pk__in=numbers)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if locked:
                SlaStale.objects.filter(ticket_id__in=locked).delete()
                done += clocks_refresh(locked, now=now)
        if len(numbers) < BATCH:
            break
    return done
