"""The SLA sweep: finds the clocks about to breach and those breached, records each once as a
ticket event, tells whoever holds the ticket and applies the target's breach rules."""

from __future__ import annotations

import operator
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tierdesk.accounts.choices import Role
from tierdesk.accounts.models import SkillGroup, User
from tierdesk.core.bulk import append_rows
from tierdesk.macros.choices import NotificationKind
from tierdesk.macros.models import Notification
from tierdesk.routing.effects import insert_events
from tierdesk.sla.choices import ClockState, Outcome
from tierdesk.sla.models import SlaClock, SlaSetupVersion, SlaStale, SlaTarget
from tierdesk.sla.pending import hold_setup_shared
from tierdesk.sla.services import clocks_refresh, clocks_refresh_stale
from tierdesk.tickets.choices import UNSOLVED_STATUSES, EventKind, Priority
from tierdesk.tickets.events import display_value, stored_value
from tierdesk.tickets.models import Ticket, TicketEvent

# Clocks per transaction: one query per table for each batch, and ticket rows locked for well
# under a second, so people editing those tickets barely wait.
BATCH = 1000
# A clock that stopped or paused past its due time before a sweep saw it running is still
# recorded if it was due this far back (a worker down for a while catches up; a priority raised
# on a pending ticket can breach a paused clock retroactively), a short range of
# sla_clock_unrecorded_idx.
SETTLED_LOOKBACK = timedelta(days=7)
# A clock due this little before a setup change may be one the minute's sweep had yet to reach
# when the change computed it again: its breach is acted on like any other.
SETUP_CHANGE_GRACE = timedelta(minutes=2)
PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}
# Who is told: staff who work tickets; quality reviewers read but do not answer.
NOTIFIED_ROLES = (Role.AGENT, Role.MANAGER, Role.ADMIN)

WARNING = "warning"
BREACHED = "breached"

NOTIFICATION_COLUMNS = (
    "person_id",
    "ticket_id",
    "kind",
    "actor_id",
    "message_id",
    "created_at",
    "read_at",
    "emailed_at",
)
CLOCK_COLUMNS = (
    "pk",
    "ticket_id",
    "metric",
    "cycle",
    "state",
    "due_at",
    "policy_name",
    "target_id",
    "target_seconds",
    "business_hours",
    "computed_at",
)


@dataclass(frozen=True)
class SweepReport:
    """What one sweep did: tickets whose clocks it computed again, clocks it warned about and
    recorded as breached, tickets whose priority it raised, notifications written."""

    stale_recomputed: int
    warned: int
    breached: int
    priority_raised: int
    notified: int
    seconds: float


@dataclass
class _Tally:
    stale: int = 0
    warned: int = 0
    breached: int = 0
    raised: int = 0
    notified: int = 0
    # Of each skill group met so far: its active working members, and its managers (those
    # members who are managers, and the manager the group names).
    members: dict[int, set[int]] = field(default_factory=dict)
    managers: dict[int, set[int]] = field(default_factory=dict)
    targets: dict[int, tuple[bool, str, bool]] = field(default_factory=dict)
    # Tickets whose clocks this sweep computed, for a look at what the new clocks breached.
    recomputed: set[int] = field(default_factory=set)
    # When an administrator last changed the policies or calendars, if ever.
    setup_changed_at: datetime | None = None


def warning_due(now: datetime) -> Q:
    """Running clocks whose warning time has come and that are not yet due (a clock already past
    due gets its breach instead). Served by sla_clock_warn_idx."""
    return Q(
        state=ClockState.RUNNING,
        warned_at__isnull=True,
        warn_at__isnull=False,
        warn_at__lte=now,
        due_at__gt=now,
    )


def breaches_due(now: datetime) -> list[Q]:
    """Running clocks past their due time (served by sla_clock_breach_idx), and clocks that a
    computation found breached after they had paused or stopped (sla_clock_decided_idx: a
    breach is decided at its due time). Two questions, so each keeps its own index."""
    running = Q(state=ClockState.RUNNING, breach_recorded_at__isnull=True, due_at__lt=now)
    settled = Q(
        decided_at__gte=now - SETTLED_LOOKBACK,
        decided_at__lt=now,
        outcome=Outcome.BREACHED,
        breach_recorded_at__isnull=True,
        state__in=[ClockState.PAUSED, ClockState.STOPPED],
    )
    return [running, settled]


def recomputed_breaches(numbers: list[int], now: datetime) -> Q:
    """Breached clocks not yet recorded of tickets just computed again, however long ago due."""
    return Q(
        ticket_id__in=numbers,
        outcome=Outcome.BREACHED,
        breach_recorded_at__isnull=True,
        state__in=[ClockState.RUNNING, ClockState.PAUSED],
        decided_at__lt=now,
    )


def sla_sweep(*, now: datetime | None = None, stale_limit: int = 2000) -> SweepReport:
    """One pass: computes up to `stale_limit` tickets marked stale, then records every warning
    and breach due at `now` exactly once, notifies and raises priorities.

    Safe to run in several workers at once: each batch locks its tickets (skipping those another
    transaction holds, which the next pass takes) and checks its clocks again under the lock."""
    started = time.perf_counter()
    now = now or timezone.now()
    tally = _Tally()
    tally.setup_changed_at = (
        SlaSetupVersion.objects.filter(pk=1).values_list("changed_at", flat=True).first()
    )
    tally.stale = clocks_refresh_stale(now=now, limit=stale_limit)
    _sweep(WARNING, [warning_due(now)], now, tally)
    _sweep(BREACHED, breaches_due(now), now, tally)
    # Tickets this sweep computed again (a raised priority moves them to a stricter policy) may
    # now have clocks to warn about, and clocks breached further back than the look-back, paused
    # ones among them: recorded now rather than a sweep later, or never. A few rounds, as each
    # may raise again.
    for _round in range(3):
        if not tally.recomputed:
            break
        numbers, tally.recomputed = sorted(tally.recomputed), set()
        _sweep(WARNING, [warning_due(now) & Q(ticket_id__in=numbers)], now, tally)
        _sweep(BREACHED, [recomputed_breaches(numbers, now)], now, tally)
    return SweepReport(
        stale_recomputed=tally.stale,
        warned=tally.warned,
        breached=tally.breached,
        priority_raised=tally.raised,
        notified=tally.notified,
        seconds=round(time.perf_counter() - started, 4),
    )


def _sweep(kind: str, questions: list[Q], now: datetime, tally: _Tally) -> None:
    candidates: dict[int, int] = {}
    for question in questions:
        candidates.update(
            SlaClock.objects.filter(question).order_by().values_list("pk", "ticket_id")
        )
    # Each candidate is asked again in its batch under the lock: a clock that moved since
    # (stopped, recomputed, taken by another worker) is left alone.
    condition = reduce(operator.or_, questions)
    found = sorted(candidates.items())
    for start in range(0, len(found), BATCH):
        with transaction.atomic():
            hold_setup_shared()
            _record(kind, condition, found[start : start + BATCH], now, tally)


def _record(
    kind: str, condition: Q, candidates: list[tuple[int, int]], now: datetime, tally: _Tally
) -> None:
    skip = connection.features.has_select_for_update_skip_locked
    # Tickets first, as clocks_refresh locks them: a recomputation of one of them waits for this
    # batch (or this batch skips it) rather than writing back what it read before the sweep. And
    # only then their marks: a ticket write holds the ticket when it inserts the mark.
    tickets = {
        row[0]: row
        for row in Ticket.objects.select_for_update(skip_locked=skip)
        .filter(pk__in=sorted({number for _, number in candidates}))
        .order_by("pk")
        .values_list("pk", "assignee_id", "group_id", "priority", "status", "restricted")
    }
    stale = list(
        SlaStale.objects.filter(ticket_id__in=list(tickets)).values_list("ticket_id", flat=True)
    )
    if stale:
        # Their clocks may answer for a history that has moved on (a reply whose recompute never
        # ran): compute them now, and judge the new ones.
        SlaStale.objects.filter(ticket_id__in=stale).delete()
        tally.stale += clocks_refresh(stale, now=now)
        tally.recomputed.update(stale)
    clocks = list(
        SlaClock.objects.select_for_update(skip_locked=skip)
        .filter(condition, pk__in=[pk for pk, _ in candidates], ticket_id__in=list(tickets))
        .order_by("pk")
        .values(*CLOCK_COLUMNS)
    )
    if not clocks:
        return
    targets = _targets({c["target_id"] for c in clocks if c["target_id"] is not None}, tally)
    breach = kind == BREACHED
    events: list[tuple[Any, ...]] = []
    told: set[int] = set()
    managers_wanted: set[int] = set()
    raises: dict[int, str] = {}
    touched = _changed_since(clocks, tally.setup_changed_at) if breach else set()
    for clock in clocks:
        number = clock["ticket_id"]
        retroactive = (
            breach and number not in touched and _retroactive(clock, tally.setup_changed_at)
        )
        events.append(_event_row(clock, kind, now, retroactive=retroactive))
        if clock["state"] == ClockState.STOPPED or retroactive:
            # The moment has passed (answered or solved, late), or it passed before a setup
            # change made it due (a target added or tightened breaches thousands of clocks at
            # once, none of them anyone's lateness): the history and the attainment say so,
            # nobody is told and no priority is raised.
            continue
        notify, breach_priority, tell_managers = targets.get(clock["target_id"], (True, "", False))
        if notify:
            told.add(number)
        if breach and tell_managers:
            managers_wanted.add(number)
        ticket = tickets[number]
        if (
            breach
            and breach_priority
            and ticket[4] in UNSOLVED_STATUSES
            and PRIORITY_RANK.get(ticket[3], 0) < PRIORITY_RANK[breach_priority]
            and PRIORITY_RANK[breach_priority] > PRIORITY_RANK.get(raises.get(number, ""), -1)
        ):
            raises[number] = breach_priority

    recipients = _recipients(told, managers_wanted, tickets, tally)
    notification_kind = NotificationKind.SLA_BREACH if breach else NotificationKind.SLA_WARNING
    # One notification a person for a ticket in this batch: a notification names the ticket, so
    # two of its clocks breaching together would say the same thing twice.
    notifications = [
        (person, number, notification_kind, None, None, now, None, None)
        for number, people in sorted(recipients.items())
        for person in sorted(people)
    ]
    insert_events(events)
    append_rows(Notification, NOTIFICATION_COLUMNS, notifications)
    ids = [clock["pk"] for clock in clocks]
    if breach:
        # Breached also settles the warning: a clock past due never warns afterwards, and
        # leaves the warning index.
        SlaClock.objects.filter(pk__in=ids).update(
            breach_recorded_at=now,
            outcome=Outcome.BREACHED,
            decided_at=Coalesce(F("decided_at"), F("due_at")),
            warned_at=Coalesce(F("warned_at"), Value(now)),
        )
        tally.breached += len(ids)
    else:
        SlaClock.objects.filter(pk__in=ids).update(warned_at=now)
        tally.warned += len(ids)
    tally.notified += len(notifications)
    if raises:
        raised = _raise_priorities(raises, tickets, now)
        if raised:
            # Computed now rather than after the commit, with the new priority's policy; the
            # clocks keep what this batch recorded, so none breaches twice.
            SlaStale.objects.filter(ticket_id__in=raised).delete()
            tally.stale += clocks_refresh(raised, now=now)
            tally.raised += len(raised)
            tally.recomputed.update(raised)


def _changed_since(clocks: list[dict[str, Any]], setup_changed_at: datetime | None) -> set[int]:
    """Tickets among these whose history moved since the last setup change: a breach of theirs
    may be anyone's doing (a priority raised, a tag added), so it is not put down to the setup."""
    if setup_changed_at is None:
        return set()
    return set(
        TicketEvent.objects.filter(
            ticket_id__in={c["ticket_id"] for c in clocks},
            created_at__gte=setup_changed_at,
            kind__in=[
                EventKind.CREATED,
                EventKind.MESSAGE,
                EventKind.CHANGED,
                EventKind.ROUTED,
                EventKind.MERGED,
            ],
        ).values_list("ticket_id", flat=True)
    )


def _retroactive(clock: dict[str, Any], setup_changed_at: datetime | None) -> bool:
    """Whether a breach comes of a setup change alone: the clock, computed since the change,
    fell due before it, longer before than the sweep takes to see a breach. (A clock recorded
    already never comes back here, and one no computation rewrote since keeps the time it was
    computed before.) A worker stopped for longer than that, with a setup change meanwhile,
    has its breaches from before the change recorded without telling anyone."""
    due, computed = clock["due_at"], clock["computed_at"]
    return (
        setup_changed_at is not None
        and due is not None
        and due < setup_changed_at - SETUP_CHANGE_GRACE
        and computed is not None
        and computed >= setup_changed_at
    )


def _event_row(
    clock: dict[str, Any], kind: str, now: datetime, *, retroactive: bool = False
) -> tuple[Any, ...]:
    due = clock["due_at"]
    data: dict[str, Any] = {
        "cycle": clock["cycle"],
        "due_at": due.isoformat() if due else None,
        "policy": clock["policy_name"],
        "target_seconds": clock["target_seconds"],
        "business_hours": clock["business_hours"],
    }
    if retroactive:
        data["after_setup_change"] = True
    return (clock["ticket_id"], None, EventKind.SLA, clock["metric"], "", kind, None, data, now)


def _targets(ids: set[int], tally: _Tally) -> dict[int, tuple[bool, str, bool]]:
    """(notify, breach priority, notify managers) of these targets; a clock whose target was
    deleted since has none, and then notifies without further actions."""
    missing = ids - tally.targets.keys()
    if missing:
        for pk, notify, priority, managers in SlaTarget.objects.filter(pk__in=missing).values_list(
            "pk", "notify", "breach_priority", "breach_notify_managers"
        ):
            tally.targets[pk] = (notify, priority, managers)
    return tally.targets


def _recipients(
    told: set[int], managers_wanted: set[int], tickets: dict[int, tuple[Any, ...]], tally: _Tally
) -> dict[int, set[int]]:
    """Who is told about each ticket: for those in `told`, its assignee while an active member
    of staff holds it, otherwise its group's working members; for those in `managers_wanted`,
    also the group's managers (its members who are managers, and the manager it names). A restricted ticket is told only to the people named on it."""
    assignees = {tickets[n][1] for n in told if tickets[n][1] is not None}
    active = set(
        User.objects.filter(pk__in=assignees, is_active=True, role__in=NOTIFIED_ROLES).values_list(
            "pk", flat=True
        )
    )
    held = {n for n in told if tickets[n][1] in active}
    groups = {tickets[n][2] for n in (told - held) | managers_wanted if tickets[n][2] is not None}
    _load_groups(groups, tally)
    recipients: dict[int, set[int]] = defaultdict(set)
    for number in told | managers_wanted:
        _pk, assignee, group, *_rest = tickets[number]
        people = recipients[number]
        if number in held:
            people.add(assignee)
        elif number in told and group is not None:
            people.update(tally.members[group])
        if number in managers_wanted and group is not None:
            people.update(tally.managers[group])
    restricted = [n for n, people in recipients.items() if people and tickets[n][5]]
    if restricted:
        readers: dict[int, set[int]] = defaultdict(set)
        for number, person in Ticket.restricted_to.through.objects.filter(
            ticket_id__in=restricted
        ).values_list("ticket_id", "user_id"):
            readers[number].add(person)
        for number in restricted:
            recipients[number] &= readers[number]
    return recipients


def _load_groups(groups: Iterable[int], tally: _Tally) -> None:
    missing = set(groups) - tally.members.keys()
    if not missing:
        return
    for group in missing:
        tally.members[group], tally.managers[group] = set(), set()
    rows = User.skill_groups.through.objects.filter(
        skillgroup_id__in=missing, user__is_active=True, user__role__in=NOTIFIED_ROLES
    ).values_list("skillgroup_id", "user_id", "user__role")
    for group, person, role in rows:
        tally.members[group].add(person)
        if role == Role.MANAGER:
            tally.managers[group].add(person)
    named = SkillGroup.objects.filter(
        pk__in=missing, manager__is_active=True, manager__role__in=NOTIFIED_ROLES
    ).values_list("pk", "manager_id")
    for group, person in named:
        tally.managers[group].add(person)


def _raise_priorities(
    raises: dict[int, str], tickets: dict[int, tuple[Any, ...]], now: datetime
) -> list[int]:
    """Raises each ticket's priority to the breached target's, recorded as a change by nobody
    (the desk's rule) just as tickets.events.change_field records it; returns the tickets raised.

    The caller's batch holds the tickets' locks, so the priorities read with them are current.
    Written in bulk, one UPDATE a priority, as routing writes its changes: a catch-up raises
    hundreds of tickets, and one listener call marks them all stale."""
    by_priority: dict[str, list[int]] = defaultdict(list)
    rows = []
    for number, wanted in sorted(raises.items()):
        current = tickets[number][3]
        if PRIORITY_RANK.get(current, 0) >= PRIORITY_RANK[wanted]:
            continue
        by_priority[wanted].append(number)
        labels = {"from_label": display_value(current), "to_label": display_value(wanted)}
        rows.append(
            (
                number,
                None,
                EventKind.CHANGED,
                "priority",
                stored_value(current),
                stored_value(wanted),
                None,
                labels,
                now,
            )
        )
    for wanted, numbers in by_priority.items():
        Ticket.objects.filter(pk__in=numbers).update(priority=wanted, updated_at=now)
    insert_events(rows)
    return [row[0] for row in rows]
