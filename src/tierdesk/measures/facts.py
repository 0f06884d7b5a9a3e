"""A ticket's history read as the facts the team KPIs count: each open spell, solve, close,
staff action, escalation, first response and stopped SLA clock, under the group and tier in
force when it happened. The raw path and the daily rollups both count these facts."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Q, QuerySet

from tierdesk.accounts.choices import Role
from tierdesk.escalations.models import Escalation, EscalationStatus
from tierdesk.sla.choices import ClockState
from tierdesk.sla.models import SlaClock
from tierdesk.tickets.choices import UNSOLVED_STATUSES, Channel, EventKind, Status
from tierdesk.tickets.models import Ticket, TicketEvent

# Fact kinds. A spell is a stretch of time a ticket is unsolved: from its creation or a reopen
# to the next solve or close.
CREATED = "created"
OPENED = "opened"  # a spell starts; `prev` is the end of the ticket's previous spell
# The same per group and per tier: a stretch of a spell in one group (tier) starts, by the
# spell's start or a move into it; `prev` is the end of the previous stretch in that group.
OPENED_IN_GROUP = "opened_g"
OPENED_IN_TIER = "opened_t"
OPEN_AT = "open_at"  # open at an instant (backlog); `flags` is the age class
SOLVED = "solved"  # `prev`/`next`: the ticket's previous/next solve; seconds since created
CLOSED = "closed"  # seconds since created
FIRST_RESPONSE = "first_response"  # seconds since created
HANDLED = "handled"  # a staff reply, a staff status change or an escalation; `next` the next one
HANDLED_BY = "handled_by"  # the same for each engineer: `next` that engineer's next one
HANDLED_IN_GROUP = "handled_g"  # the same per group: `next` the next one in the same group
HANDLED_IN_TIER = "handled_t"  # the same per tier
ESCALATED = "escalated"  # left tier 1 (to tier 2, or straight to engineering)
ENGINEERING = "engineering"  # escalated to tier 3
SLA_FIRST_RESPONSE = "sla_first_response"  # business seconds of a stopped clock
SLA_RESOLUTION = "sla_resolution"

# Flags of a solve.
ONE_TOUCH = 1  # exactly one touch by staff before it
REOPENED_AFTER = 2  # a reopen followed it

STAFF_ROLES = frozenset(role for role in Role.values if role != Role.CUSTOMER)
UNSOLVED = frozenset(UNSOLVED_STATUSES)
DONE = frozenset({Status.SOLVED, Status.CLOSED})
AGE_BUCKETS = (("<1d", 1), ("1-3d", 3), ("3-7d", 7), ("7-30d", 30), (">30d", None))
CHUNK = 2000
# The event fields facts are read from ("" is a reply).
FACT_FIELDS = ("", "status", "group", "tier")


def hour_of_week(moment: datetime, zone: tzinfo) -> int:
    """The hour of the week of a moment in a zone: 0 is Monday 00:00-01:00, 167 Sunday 23:00."""
    local = moment.astimezone(zone)
    return local.weekday() * 24 + local.hour


def age_class(seconds: float) -> int:
    """Index into AGE_BUCKETS of an age in seconds."""
    days = seconds / 86400
    for index, (_label, limit) in enumerate(AGE_BUCKETS):
        if limit is not None and days < limit:
            return index
    return len(AGE_BUCKETS) - 1


class Fact(NamedTuple):
    """One fact (a tuple: the raw path makes millions of them)."""

    kind: str
    at: datetime
    group: int | None
    tier: int | None
    prev: datetime | None = None
    next: datetime | None = None
    flags: int = 0
    seconds: float | None = None
    engineer: int | None = None  # who did it: the solver, first responder, escalating engineer


@dataclass
class TicketHistory:
    """What the facts are read from: the ticket's fixed traits and its time-ordered history."""

    pk: int
    created_at: datetime
    channel: str
    type: str
    product_area: str
    region: str
    group: int | None  # current
    tier: int | None  # current
    first_responded_at: datetime | None
    # (at, field, old, new, staff id or None, message_channel) of status/group/tier changes and
    # staff public replies (field "" for a reply), in time order.
    events: list[tuple[datetime, str, str, str, int | None, str | None]] = field(
        default_factory=list
    )
    # (at, from tier, to tier, status, requested by)
    escalations: list[tuple[datetime, int, int, str, int | None]] = field(default_factory=list)
    clocks: list[tuple[str, datetime | None, float]] = field(default_factory=list)


class Timeline:
    """The value of group or tier at any moment: the first change's old value before it."""

    def __init__(self, history: TicketHistory, name: str, current: int | None) -> None:
        changes = [(at, new, old) for at, fld, old, new, _s, _c in history.events if fld == name]
        self.times = [at for at, _new, _old in changes]
        self.values = [_int(new) for _at, new, _old in changes]
        self.first = _int(changes[0][2]) if changes else current

    def at(self, moment: datetime, inclusive: bool = True) -> int | None:
        index = (bisect_right if inclusive else bisect_left)(self.times, moment)
        return self.values[index - 1] if index else self.first


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def spells(history: TicketHistory) -> list[tuple[datetime, datetime | None]]:
    """[start, end) of each unsolved stretch; end None while it lasts."""
    spells: list[tuple[datetime, datetime | None]] = []
    start: datetime | None = history.created_at
    for at, fld, old, new, _staff, _channel in history.events:
        if fld != "status":
            continue
        if start is not None and new in DONE:
            spells.append((start, at))
            start = None
        elif start is None and new in UNSOLVED and old == Status.SOLVED:
            start = at
    if start is not None:
        spells.append((start, None))
    return spells


def ticket_facts(
    history: TicketHistory, instants: Sequence[datetime] = (), *, per_engineer: bool = True
) -> list[Fact]:
    """Every fact of one ticket; OPEN_AT facts for each of the sorted `instants` it was open at
    (created before it, its status then unsolved: a solve exactly at the instant is after).
    `per_engineer` False leaves out the HANDLED_BY chains only an engineer's figures read."""
    group = Timeline(history, "group", history.group)
    tier = Timeline(history, "tier", history.tier)
    created = history.created_at
    facts = [Fact(CREATED, created, group.at(created), tier.at(created))]
    open_spells = spells(history)
    previous_end: datetime | None = None
    for start, end in open_spells:
        facts.append(Fact(OPENED, start, group.at(start), tier.at(start), prev=previous_end))
        previous_end = end
        facts.extend(_open_at(history, start, end, instants, group, tier))
    facts.extend(_stretches(OPENED_IN_GROUP, open_spells, group, group, tier))
    facts.extend(_stretches(OPENED_IN_TIER, open_spells, tier, group, tier))
    facts.extend(_solves_and_closes(history, group, tier))
    facts.extend(_handled(history, group, tier, per_engineer))
    facts.extend(_escalations(history, group, tier))
    responder = _first_responder(history)
    if history.first_responded_at is not None:
        at = history.first_responded_at
        seconds = (at - created).total_seconds()
        facts.append(
            Fact(FIRST_RESPONSE, at, group.at(at), tier.at(at), seconds=seconds, engineer=responder)
        )
    for metric, stopped_at, elapsed in history.clocks:
        if stopped_at is None:
            continue
        kind, by = SLA_FIRST_RESPONSE, responder
        if metric != "first_response":
            kind, by = SLA_RESOLUTION, _solver_until(history, stopped_at)
        facts.append(
            Fact(
                kind,
                stopped_at,
                group.at(stopped_at),
                tier.at(stopped_at),
                seconds=elapsed,
                engineer=by,
            )
        )
    return facts


def _stretches(
    kind: str,
    open_spells: list[tuple[datetime, datetime | None]],
    by: Timeline,
    group: Timeline,
    tier: Timeline,
) -> list[Fact]:
    """A fact at the start of each stretch of the open spells spent under one value of `by`
    (a group or a tier), knowing when the previous stretch under the same value ended."""
    facts: list[Fact] = []
    ended: dict[int | None, datetime | None] = {}
    for start, end in open_spells:
        moves = [at for at in by.times if start < at and (end is None or at < end)]
        for begins, finishes in zip([start, *moves], [*moves, end], strict=True):
            value = by.at(begins)
            facts.append(
                Fact(kind, begins, group.at(begins), tier.at(begins), prev=ended.get(value))
            )
            ended[value] = finishes
    return facts


def _first_responder(history: TicketHistory) -> int | None:
    return next(
        (staff for _at, fld, _o, _n, staff, _c in history.events if fld == "" and staff), None
    )


def _solver_until(history: TicketHistory, moment: datetime) -> int | None:
    """Who made the last change to solved up to `moment`."""
    solver = None
    for at, fld, _old, new, staff, _channel in history.events:
        if at > moment:
            break
        if fld == "status" and new == Status.SOLVED:
            solver = staff
    return solver


def _open_at(
    history: TicketHistory,
    start: datetime,
    end: datetime | None,
    instants: Sequence[datetime],
    group: Timeline,
    tier: Timeline,
) -> Iterator[Fact]:
    first = bisect_right(instants, start)  # instants strictly after the spell's start
    for instant in instants[first:]:
        if end is not None and instant > end:
            break
        age = age_class((instant - history.created_at).total_seconds())
        # The state just before the instant: changes at the instant itself come after.
        yield Fact(OPEN_AT, instant, group.at(instant, False), tier.at(instant, False), flags=age)


def _touches_until(history: TicketHistory, moment: datetime) -> int:
    """Staff public replies up to `moment`; the lines of a chat conversation are one touch."""
    replies = chat = 0
    for at, fld, _old, _new, staff, channel in history.events:
        if at > moment:
            break
        if fld == "" and staff:
            if (channel or history.channel) == Channel.CHAT:
                chat = 1
            else:
                replies += 1
    return replies + chat


def _solves_and_closes(history: TicketHistory, group: Timeline, tier: Timeline) -> list[Fact]:
    solves: list[datetime] = []
    solvers: list[int | None] = []
    reopened_after: set[int] = set()
    facts: list[Fact] = []
    for at, fld, old, new, staff, _channel in history.events:
        if fld != "status":
            continue
        if new == Status.SOLVED and old != Status.SOLVED:
            solves.append(at)
            solvers.append(staff)
        elif old == Status.SOLVED and new in UNSOLVED and solves:
            reopened_after.add(len(solves) - 1)
        elif new == Status.CLOSED and old != Status.CLOSED:
            seconds = (at - history.created_at).total_seconds()
            facts.append(Fact(CLOSED, at, group.at(at), tier.at(at), seconds=seconds))
    for index, at in enumerate(solves):
        flags = (ONE_TOUCH if _touches_until(history, at) == 1 else 0) | (
            REOPENED_AFTER if index in reopened_after else 0
        )
        facts.append(
            Fact(
                SOLVED,
                at,
                group.at(at),
                tier.at(at),
                prev=solves[index - 1] if index else None,
                next=solves[index + 1] if index + 1 < len(solves) else None,
                flags=flags,
                seconds=(at - history.created_at).total_seconds(),
                engineer=solvers[index],
            )
        )
    return facts


def _chained(
    kind: str,
    moments: list[tuple[datetime, int | None]],
    group: Timeline,
    tier: Timeline,
    *,
    engineer: bool = True,
) -> list[Fact]:
    """Facts of one kind at (time, engineer) moments, each knowing the next one's time (to
    count a ticket once a period); `engineer` False leaves them unattributed. An action counts
    under the group and tier in force just before it: an escalation written with its own tier
    change belongs to the tier it left."""
    moments.sort(key=lambda moment: moment[0])
    return [
        Fact(
            kind,
            at,
            group.at(at, False),
            tier.at(at, False),
            next=moments[index + 1][0] if index + 1 < len(moments) else None,
            engineer=by if engineer else None,
        )
        for index, (at, by) in enumerate(moments)
    ]


def _handled(
    history: TicketHistory, group: Timeline, tier: Timeline, per_engineer: bool
) -> list[Fact]:
    """HANDLED once a period per ticket for the team; the same chains per engineer, per group
    and per tier, so a ticket handled in two groups in a period counts once in each."""
    moments: list[tuple[datetime, int | None]] = [
        (at, staff)
        for at, fld, _o, _n, staff, _c in history.events
        if staff and fld in ("", "status")
    ]
    moments += [(at, by) for at, _from, _to, _status, by in history.escalations]
    facts = _chained(HANDLED, list(moments), group, tier, engineer=False)
    for engineer in sorted({by for _at, by in moments if by is not None and per_engineer}):
        mine = [moment for moment in moments if moment[1] == engineer]
        facts += _chained(HANDLED_BY, mine, group, tier)
    for kind, timeline in ((HANDLED_IN_GROUP, group), (HANDLED_IN_TIER, tier)):
        by_value: dict[int | None, list[tuple[datetime, int | None]]] = {}
        for at, by in moments:
            by_value.setdefault(timeline.at(at, False), []).append((at, by))
        for same in by_value.values():
            facts += _chained(kind, same, group, tier, engineer=False)
    return facts


def _escalations(history: TicketHistory, group: Timeline, tier: Timeline) -> list[Fact]:
    kept = [row for row in history.escalations if row[3] != EscalationStatus.WITHDRAWN]
    left_tier_1 = [(at, by) for at, from_tier, _to, _s, by in kept if from_tier == 1]
    engineering = [(at, by) for at, _from, to_tier, _s, by in kept if to_tier == 3]
    return _chained(ESCALATED, left_tier_1, group, tier) + _chained(
        ENGINEERING, engineering, group, tier
    )


# --- reading histories ---------------------------------------------------------------------------


def load_histories(ticket_ids: Iterable[int]) -> Iterator[TicketHistory]:
    """The histories of these tickets, read in chunks (a few queries per chunk)."""
    ids = sorted(set(ticket_ids))
    for offset in range(0, len(ids), CHUNK):
        yield from _load_chunk(ids[offset : offset + CHUNK])


def _load_chunk(ids: list[int]) -> Iterator[TicketHistory]:
    histories: dict[int, TicketHistory] = {}
    tickets = (
        Ticket.objects.filter(pk__in=ids)
        .order_by()
        .values_list(
            "pk",
            "created_at",
            "channel",
            "type",
            "product_area",
            "organization__region",
            "group_id",
            "tier",
            "first_responded_at",
        )
    )
    for pk, created, channel, kind, area, region, group, tier, first in _fetch(tickets, 1, 8):
        histories[pk] = TicketHistory(
            pk, created, channel, kind or "", area or "", region or "", group, tier, first
        )
    events = (
        TicketEvent.objects.filter(ticket_id__in=ids)
        .filter(
            Q(kind=EventKind.CHANGED, field__in=("status", "group", "tier"))
            # Routing rules move tickets between groups (and tiers) with events of their own.
            | Q(kind=EventKind.ROUTED, field__in=("group", "tier"))
            | Q(kind=EventKind.MESSAGE, field="", actor__role__in=STAFF_ROLES)
        )
        # In time order; the order also has SQLite probe the ticket index ticket by ticket
        # (unordered, it walks the field index over every ticket's events).
        .order_by("ticket_id", "created_at", "id")
        .values_list(
            "ticket_id",
            "created_at",
            "field",
            "from_value",
            "to_value",
            "actor_id",
            "actor__role",
            "message__channel",
        )
    )
    for ticket_id, at, fld, old, new, actor, role, channel in _fetch(events, 1):
        staff = actor if role in STAFF_ROLES else None
        histories[ticket_id].events.append((at, fld, old, new, staff, channel))
    escalations = (
        Escalation.objects.filter(ticket_id__in=ids)
        .order_by()
        .values_list(
            "ticket_id", "created_at", "id", "from_tier", "to_tier", "status", "requested_by_id"
        )
    )
    # Sorted here, not by the database: an ORDER BY on time could lead SQLite onto the time
    # index. In a fixed order, a ticket's share reads the same each time.
    for ticket_id, at, _pk, from_tier, to_tier, status, by in sorted(_fetch(escalations, 1)):
        histories[ticket_id].escalations.append((at, from_tier, to_tier, status, by))
    clocks = (
        SlaClock.objects.filter(
            ticket_id__in=ids,
            state=ClockState.STOPPED,
            metric__in=("first_response", "resolution"),
            stopped_at__isnull=False,
        )
        .order_by()
        .values_list("ticket_id", "metric", "stopped_at", "elapsed_seconds")
    )
    for ticket_id, metric, stopped_at, elapsed in sorted(_fetch(clocks, 2)):
        histories[ticket_id].clocks.append((metric, stopped_at, elapsed))
    yield from histories.values()


def _fetch(rows: QuerySet[Any, Any], *datetimes: int) -> list[tuple[Any, ...]]:
    """The query's rows as the database driver returns them, the columns at `datetimes` made
    aware: the ORM's converters cost more per value than reading the facts."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    if connection.vendor != "sqlite":
        return found  # drivers that know time zones return aware datetimes already
    out = []
    for row in found:
        row = list(row)
        for index in datetimes:
            value = row[index]
            if value is not None:
                if isinstance(value, str):
                    value = datetime.fromisoformat(value)
                row[index] = value.replace(tzinfo=UTC)
        out.append(tuple(row))
    return out
