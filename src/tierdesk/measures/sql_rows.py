"""The team's KPI rows counted by the database from the raw events, numbered by week as the
rollups' rows are: the raw path's answer for the team, a channel or a region, without reading
every ticket's history into Python. measures.facts stays the reference; the tests hold the two
in agreement.

The queries read status changes, staff actions, replies and stopped clocks from covering
indexes (tickets migration 0006, sla 0003); on SQLite they name them, as its planner would
otherwise read the events table itself, some fifty times slower."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection

from tierdesk.accounts.models import Organization, User
from tierdesk.escalations.models import Escalation, EscalationStatus
from tierdesk.measures import facts as f
from tierdesk.measures.kpis import Row, Scope
from tierdesk.sla.choices import ClockState
from tierdesk.sla.models import SlaClock
from tierdesk.tickets.choices import UNSOLVED_STATUSES, Channel, EventKind, Status
from tierdesk.tickets.models import Message, Ticket, TicketEvent

# The keys these rows answer by: what a ticket carries itself. Group and tier are read per
# fact from the ticket's moves (measures.facts).
KEYS = (None, "channel", "region", "type", "product_area", "hour_of_week")
ARRIVAL_KEYS = ("type", "product_area", "hour_of_week")
QUARTER = 900  # arrivals are counted per quarter hour, whole in every time zone in use
MICROS = 1_000_000
DAY_MICROS = 86_400 * MICROS

EVENTS = TicketEvent._meta.db_table
TICKETS = Ticket._meta.db_table
KEY = Ticket._meta.pk.column
ORGS = Organization._meta.db_table
USERS = User._meta.db_table
MESSAGES = Message._meta.db_table
ESCALATIONS = Escalation._meta.db_table
CLOCKS = SlaClock._meta.db_table

UNSOLVED = sorted(UNSOLVED_STATUSES)
DONE = sorted(f.DONE)
STAFF = sorted(f.STAFF_ROLES)


def answers(scope: Scope, key: str | None) -> bool:
    """Whether these rows hold the question: the team's figures, or a channel's or a region's
    (group and engineer figures need each fact's group, or the engineer's own chains)."""
    return scope.engineer is None and scope.group is None and key in KEYS


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


# The status changes a spell turns on: into solved or closed (ends one), out of solved into an
# unsolved status (starts one). The ticket's state is the last one's: done or not.
SPELL_CHANGE = (
    f"e.field = 'status' AND e.kind = '{EventKind.CHANGED}' AND (e.to_value IN {_in(DONE)} "
    f"OR (e.from_value = '{Status.SOLVED}' AND e.to_value IN {_in(UNSOLVED)}))"
)
IS_DONE = f"CASE WHEN e.to_value IN {_in(DONE)} THEN 1 ELSE 0 END"
SOLVE = (
    f"e.field = 'status' AND e.kind = '{EventKind.CHANGED}' "
    f"AND e.to_value = '{Status.SOLVED}' AND e.from_value != '{Status.SOLVED}'"
)
REOPEN = (
    f"x.field = 'status' AND x.kind = '{EventKind.CHANGED}' "
    f"AND x.from_value = '{Status.SOLVED}' AND x.to_value IN {_in(UNSOLVED)}"
)
REPLY = f"m.kind = '{EventKind.MESSAGE}' AND m.field = ''"


# A duration measured in a period: (period, period of the ticket's next solve, seconds, channel,
# region); the next solve's period matters to solves alone (n for the others).
Duration = tuple[int, int, float, Any, Any]


@dataclass
class Counted:
    """The rows the team KPIs count, and the durations of each timed kind."""

    rows: list[Row]
    durations: dict[str, list[Duration]]


class Sql:
    """A statement put together piece by piece with its parameters in order."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, text: str, *params: Any) -> Sql:
        self.parts.append(text)
        self.params.extend(params)
        return self

    def extend(self, other: tuple[str, list[Any]]) -> Sql:
        return self.add(other[0], *other[1])

    def run(self) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute("".join(self.parts), self.params)
            return cursor.fetchall()


class PeriodRows:
    """The rows of the periods between `bounds` (period i is [bounds[i], bounds[i + 1])), their
    times period numbers (-1 before the first, n after the last), open-at rows at each bound up
    to `now` numbered by bound. Rows carry the ticket's channel or region when `key` asks for
    it, the scope's otherwise."""

    def __init__(
        self, scope: Scope, bounds: Sequence[datetime], now: datetime, key: str | None = None
    ) -> None:
        self.scope, self.bounds, self.now, self.key = scope, list(bounds), now, key
        self.n = len(bounds) - 1
        self.sqlite = connection.vendor == "sqlite"
        self.by_channel, self.by_region = key == "channel", key == "region"
        self.with_org = self.by_region or scope.region is not None
        self.with_ticket = self.with_org or self.by_channel or scope.channel is not None
        self.staff = "(" + ", ".join(str(pk) for pk in _staff_ids()) + ")"

    # -- SQL pieces ---------------------------------------------------------------------------

    def _value(self, moment: datetime) -> Any:
        return connection.ops.adapt_datetimefield_value(moment)

    def _hint(self, index: str) -> str:
        return f" INDEXED BY {index}" if self.sqlite else ""

    def _range(self, column: str) -> tuple[str, list[Any]]:
        first, last = self.bounds[0], self.bounds[-1]
        return f"{column} >= %s AND {column} < %s", [self._value(first), self._value(last)]

    def _period(self, column: str, missing: int = -1) -> tuple[str, list[Any]]:
        """The period number of a time column: -1 before the first bound, n after the last,
        `missing` where it is NULL."""
        whens = " ".join(f"WHEN {column} < %s THEN {i - 1}" for i in range(self.n + 1))
        sql = f"CASE WHEN {column} IS NULL THEN {missing} {whens} ELSE {self.n} END"
        return sql, [self._value(bound) for bound in self.bounds]

    def _micros(self, column: str) -> str:
        """Microseconds since the epoch of a time column, exact."""
        if not self.sqlite:
            return f"(EXTRACT(EPOCH FROM {column}) * {MICROS})::bigint"
        # Django keeps SQLite times as "YYYY-MM-DD HH:MM:SS[.ffffff]"; strftime drops the
        # fraction, julianday would round it.
        return (
            f"(CAST(strftime('%%s', {column}) AS INTEGER) * {MICROS} + CASE WHEN "
            f"substr({column}, 20, 1) = '.' THEN CAST(substr({column}, 21, 6) AS INTEGER) "
            "ELSE 0 END)"
        )

    def _seconds(self, later: str, earlier: str) -> str:
        """Seconds between two time columns, as timedelta.total_seconds() has them."""
        return f"({self._micros(later)} - {self._micros(earlier)}) / {MICROS}.0"

    def _quarter(self, column: str) -> str:
        if self.sqlite:
            return f"CAST(strftime('%%s', {column}) AS INTEGER) / {QUARTER}"
        return f"FLOOR(EXTRACT(EPOCH FROM {column}) / {QUARTER})::bigint"

    def _dims(self, named: bool = False) -> str:
        """The channel and region columns the rows are keyed by (NULL where they are not)."""
        channel = "t.channel" if self.by_channel else "NULL"
        region = "COALESCE(o.region, '')" if self.by_region else "NULL"
        if named:
            return f"{channel} AS chan, {region} AS reg"
        return f"{channel}, {region}"

    def _tickets(self, column: str | None, *, needed: bool = False) -> str:
        """The join of ticket `t` (on `column`; None where `t` is in the FROM already) and its
        organization `o`, where the rows need them."""
        sql = ""
        if column is not None and (needed or self.with_ticket):
            sql += f" JOIN {TICKETS} t ON t.{KEY} = {column}"
        if self.with_org:
            sql += f" LEFT JOIN {ORGS} o ON o.id = t.organization_id"
        return sql

    def _scoped(self) -> tuple[str, list[Any]]:
        """The scope's conditions on ticket `t` and its organization `o`."""
        sql, params = "", []
        if self.scope.channel is not None:
            sql += " AND t.channel = %s"
            params.append(self.scope.channel)
        if self.scope.region is not None:
            sql += " AND COALESCE(o.region, '') = %s"
            params.append(self.scope.region)
        return sql, params

    def _row(self, kind: str, at: int, prev: int, nxt: int, count: int, *dims: Any, **more: Any):
        channel, region = dims
        if not self.by_channel:
            channel = self.scope.channel
        if not self.by_region:
            region = self.scope.region
        return _row(kind, at, prev, nxt, count, channel, region, **more)

    # -- rows ---------------------------------------------------------------------------------

    def read(self) -> Counted:
        """Everything the team KPIs count, but arrivals by hour, type or area."""
        solved, solve_times = self.solves()
        return Counted(
            [
                *self.arrivals(None),
                *self.spells(),
                *solved,
                *self.handled(),
                *self.escalations(),
            ],
            {
                f.SOLVED: solve_times,
                f.CLOSED: self.closes(),
                f.FIRST_RESPONSE: self.first_responses(),
                **self.clocks(),
            },
        )

    def arrivals(self, key: str | None) -> list[Row]:
        """CREATED rows, per channel or region, or per hour of the week, type or area."""
        detail = {
            "hour_of_week": self._quarter("t.created_at"),
            "type": "COALESCE(t.type, '')",
            "product_area": "COALESCE(t.product_area, '')",
        }.get(key or "", "''")
        sql = Sql().add("SELECT ").extend(self._period("t.created_at"))
        sql.add(f", {self._dims()}, {detail}, COUNT(*) FROM {TICKETS} t{self._tickets(None)} ")
        sql.add("WHERE ").extend(self._range("t.created_at")).extend(self._scoped())
        sql.add(" GROUP BY 1, 2, 3, 4")
        rows: list[Row] = []
        zone = self.scope.zone
        for week, channel, region, value, count in sql.run():
            more: dict[str, Any] = {}
            if key == "hour_of_week":
                local = datetime.fromtimestamp(int(value) * QUARTER, zone)
                more["slot"] = local.weekday() * 24 + local.hour
            elif key == "type":
                more["kind_of"] = value
            elif key == "product_area":
                more["area"] = value
            rows.append(self._row(f.CREATED, week, -1, self.n, count, channel, region, **more))
        return rows

    def spells(self) -> list[Row]:
        """OPENED rows of the spells that start in the periods (`prev` the period the ticket's
        previous spell ended in), OPEN_AT rows at each bound up to now by age class.

        A ticket's state at the first bound is that of its last spell change before it; from
        there the spell changes in the periods that flip the state end and start its spells.
        The tickets: those with a spell change in the periods, those created in them, and
        those not settled before them (as measures.sources.touched_tickets has it)."""
        first = self._value(self.bounds[0])
        time_index = self._hint("event_status_time_idx")
        ticket_index = self._hint("event_status_ticket_idx")
        sql = Sql().add(
            f"WITH changed AS (SELECT e.ticket_id, e.created_at AS at, e.id, {IS_DONE} AS done "
            f"FROM {EVENTS} e{time_index} WHERE {SPELL_CHANGE} AND "
        )
        sql.extend(self._range("e.created_at")).add("), ")
        sql.add(f"candidates AS (SELECT ticket_id AS id FROM changed UNION SELECT {KEY} ")
        sql.add(f"FROM {TICKETS} WHERE ").extend(self._range("created_at"))
        sql.add(f" UNION SELECT {KEY} FROM {TICKETS} WHERE status IN {_in(UNSOLVED)} ")
        sql.add("AND created_at < %s AND (closed_at IS NULL OR closed_at >= %s)", first, first)
        sql.add(f" UNION SELECT {KEY} FROM {TICKETS} WHERE status = '{Status.SOLVED}' ")
        sql.add("AND solved_at >= %s AND created_at < %s ", first, first)
        sql.add("AND (closed_at IS NULL OR closed_at >= %s)", first)
        sql.add(f" UNION SELECT {KEY} FROM {TICKETS} WHERE closed_at >= %s ", first)
        sql.add(f"AND created_at < %s AND NOT (status = '{Status.SOLVED}' ", first)
        sql.add("AND solved_at < %s)), ", first)
        sql.add(f"seq AS MATERIALIZED (SELECT t.{KEY} AS id, t.created_at AS created, {self._dims(True)}, ")
        sql.add("CASE WHEN t.created_at < %s THEN COALESCE((SELECT ", first)
        sql.add(f"{IS_DONE} FROM {EVENTS} e{ticket_index} WHERE e.ticket_id = t.{KEY} ")
        sql.add(f"AND {SPELL_CHANGE} AND e.created_at < %s ", first)
        sql.add("ORDER BY e.created_at DESC, e.id DESC LIMIT 1), 0) ELSE 0 END AS init ")
        sql.add(f"FROM candidates c JOIN {TICKETS} t ON t.{KEY} = c.id{self._tickets(None)} ")
        sql.add("WHERE 1 = 1").extend(self._scoped()).add("), ")
        sql.add(
            # Most tickets have one spell in the periods at most (no reopen in them): from
            # their creation, if they were open at the first bound or created since, to their
            # first spell change in the periods.
            "turns AS MATERIALIZED (SELECT ticket_id, MIN(at) AS first_at, MAX(1 - done) "
            "AS reopens FROM changed GROUP BY ticket_id), "
            "plain AS (SELECT seq.id AS ticket, seq.created AS start, 0 AS done, seq.created, "
            "seq.chan, seq.reg, NULL AS prev_at, turns.first_at AS finish FROM seq "
            "LEFT JOIN turns ON turns.ticket_id = seq.id WHERE (seq.init = 0 OR seq.created >= %s) "
            "AND COALESCE(turns.reopens, 0) = 0), "
            "reopened AS (SELECT ticket_id FROM turns WHERE reopens = 1), ",
            first,
        )
        sql.add(
            # The others' spells are read off the changes that flip their state, each
            # ticket's first mark its creation in its state at the first bound (the spells'
            # times and keys are read from it).
            "marks AS (SELECT id AS ticket, created AS at, 0 AS eid, init AS done, created, "
            "chan, reg FROM seq WHERE id IN reopened UNION ALL SELECT ticket_id, at, id, done, "
            "NULL, NULL, NULL FROM changed WHERE ticket_id IN reopened), "
            "flips AS (SELECT * FROM (SELECT ticket, at, eid, done, LAG(done, 1, 1) OVER w "
            "AS before, FIRST_VALUE(created) OVER w AS created, FIRST_VALUE(chan) OVER w "
            "AS chan, FIRST_VALUE(reg) OVER w AS reg FROM marks "
            "WINDOW w AS (PARTITION BY ticket ORDER BY at, eid)) AS m "
            "WHERE done != before AND created IS NOT NULL), "
            "spells AS MATERIALIZED (SELECT * FROM plain UNION ALL SELECT ticket, at, done, "
            "created, chan, reg, LAG(at) OVER w, LEAD(at) OVER w FROM flips "
            "WINDOW w AS (PARTITION BY ticket ORDER BY at, eid)) "
        )
        sql.add("SELECT 'opened', ").extend(self._period("start")).add(", ")
        sql.extend(self._period("prev_at")).add(", NULL, chan, reg, COUNT(*) FROM spells ")
        sql.add("WHERE done = 0 AND start >= %s GROUP BY 1, 2, 3, 4, 5, 6", first)
        instants = [moment for moment in self.bounds if moment <= self.now]
        if instants:
            sql.add(" UNION ALL SELECT 'open_at', lo, hi, young, chan, reg, COUNT(*) FROM ")
            sql.add("(SELECT ").extend(self._instant("start", instants)).add(" AS lo, ")
            sql.extend(self._instant("finish", instants, finish=True)).add(" AS hi, CASE WHEN ")
            # Older than the oldest age class's bound at every instant: no age to work out.
            old = self._value(self.bounds[0] - timedelta(days=f.AGE_BUCKETS[-2][1] or 0))
            sql.add(f"created <= %s THEN NULL ELSE {self._micros('created')} END ", old)
            sql.add("AS young, chan, reg FROM spells WHERE done = 0) AS s WHERE lo <= hi ")
            sql.add("GROUP BY 1, 2, 3, 4, 5, 6")
        rows: list[Row] = []
        open_at: dict[tuple[int, int, Any, Any], int] = defaultdict(int)
        for what, at, other, young, channel, region, count in sql.run():
            if what == "opened":
                rows.append(self._row(f.OPENED, at, other, self.n, count, channel, region))
                continue
            for k in range(at, other + 1):
                age = len(f.AGE_BUCKETS) - 1
                if young is not None:
                    age = _age_class(_epoch_micros(instants[k]) - young)
                open_at[k, age, channel, region] += count
        for (k, age, channel, region), count in open_at.items():
            rows.append(self._row(f.OPEN_AT, k, 0, 0, count, channel, region, flags=age))
        return rows

    def _instant(
        self, column: str, instants: list[datetime], *, finish: bool = False
    ) -> tuple[str, list[Any]]:
        """The index of the first instant after a spell's start; of the last instant at or
        before its finish (the last of all while it lasts)."""
        offset = -1 if finish else 0
        whens = " ".join(f"WHEN {column} < %s THEN {i + offset}" for i in range(len(instants)))
        missing = f"WHEN {column} IS NULL THEN {len(instants) - 1} " if finish else ""
        sql = f"CASE {missing}{whens} ELSE {len(instants) + offset} END"
        return sql, [self._value(moment) for moment in instants]

    def solves(self) -> tuple[list[Row], list[Duration]]:
        """SOLVED rows (counts and summed seconds) of the solves in the periods by the periods
        of the ticket's previous and next solve, and whether a ticket's last solve in its
        period was one touch (one staff reply before it, the lines of a chat one) and had a
        reopen follow it before the next solve; the durations of those last solves."""
        replies = f"FROM {EVENTS} m{self._hint('event_reply_ticket_idx')}"
        before_solve = (
            f"WHERE m.ticket_id = s.ticket_id AND {REPLY} AND m.created_at <= s.at "
            f"AND m.actor_id IN {self.staff}"
        )
        after = "{0}.created_at >= s.at AND ({0}.created_at > s.at OR {0}.id > s.id)"
        reopened = (
            f"EXISTS (SELECT 1 FROM {EVENTS} x{self._hint('event_status_ticket_idx')} "
            f"WHERE x.ticket_id = s.ticket_id AND {REOPEN} AND {after.format('x')} "
            f"AND NOT EXISTS (SELECT 1 FROM {EVENTS} e{self._hint('event_status_ticket_idx')} "
            f"WHERE e.ticket_id = s.ticket_id AND {SOLVE} AND {after.format('e')} "
            "AND e.created_at <= x.created_at AND (e.created_at < x.created_at OR e.id < x.id)))"
        )
        chat = f"COALESCE(NULLIF(msg.channel, ''), s.channel) = '{Channel.CHAT}'"
        sql = Sql().add(
            f"WITH solved AS (SELECT e.ticket_id, e.created_at AS at, e.id FROM {EVENTS} e"
            f"{self._hint('event_status_time_idx')} WHERE {SOLVE} AND "
        )
        sql.extend(self._range("e.created_at")).add("), ")
        sql.add(
            "chained AS (SELECT ticket_id, at, id, LAG(at) OVER w AS prev_at, LEAD(at) OVER w "
            "AS next_at FROM solved WINDOW w AS (PARTITION BY ticket_id ORDER BY at, id)), "
            "s AS MATERIALIZED (SELECT c.ticket_id, c.at, c.id, "
        )
        sql.extend(self._period("c.at")).add(" AS p, ").extend(self._period("c.prev_at"))
        sql.add(" AS pp, ").extend(self._period("c.next_at", self.n)).add(" AS np, ")
        sql.add(f"t.created_at AS created, t.channel, {self._dims(True)} FROM chained c")
        sql.add(self._tickets("c.ticket_id", needed=True)).add(" WHERE 1 = 1")
        sql.extend(self._scoped()).add("), ")
        # Whether a solve was one touch and reopened after is asked only of the solve that
        # counts for its period: the ticket's last in it.
        seconds = self._seconds("s.at", "s.created")
        sql.add(
            f"counted AS MATERIALIZED (SELECT s.*, (SELECT COUNT(*) {replies} {before_solve}) "
            f"AS touches, CASE WHEN {reopened} THEN 1 ELSE 0 END AS reopened FROM s "
            f"WHERE s.np > s.p) SELECT s.p, s.pp, s.np, {seconds}, s.chan, s.reg, 0, 0 FROM s "
            f"WHERE s.np = s.p UNION ALL SELECT s.p, s.pp, s.np, {seconds}, s.chan, s.reg, "
            # Replies are touches; the lines of a chat are one touch between them.
            "CASE WHEN s.touches = 1 THEN 1 WHEN s.touches > 1 AND NOT EXISTS (SELECT 1 "
            f"{replies} LEFT JOIN {MESSAGES} msg ON msg.id = m.message_id {before_solve} "
            f"AND NOT ({chat})) THEN 1 ELSE 0 END, s.reopened FROM counted s"
        )
        counts: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, 0.0])
        times: list[Duration] = []
        for p, pp, np_, seconds, channel, region, one_touch, reopen in sql.run():
            flags = (f.ONE_TOUCH if one_touch else 0) | (f.REOPENED_AFTER if reopen else 0)
            summed = counts[p, pp, np_, flags, channel, region]
            summed[0] += 1
            summed[1] += seconds
            if np_ > p:
                times.append((p, np_, seconds, channel, region))
        rows = [
            self._row(f.SOLVED, p, pp, np_, n, channel, region, flags=flags, seconds=total)
            for (p, pp, np_, flags, channel, region), (n, total) in counts.items()
        ]
        return rows, times

    def closes(self) -> list[Duration]:
        """The time from creation to each close in the periods."""
        sql = Sql().add("SELECT ").extend(self._period("e.created_at"))
        sql.add(f", {self._seconds('e.created_at', 't.created_at')}, {self._dims()}, 1 ")
        sql.add(f"FROM {EVENTS} e{self._hint('event_status_time_idx')}")
        sql.add(self._tickets("e.ticket_id", needed=True))
        sql.add(
            f" WHERE e.field = 'status' AND e.kind = '{EventKind.CHANGED}' AND e.to_value = "
            f"'{Status.CLOSED}' AND e.from_value != '{Status.CLOSED}' AND "
        )
        sql.extend(self._range("e.created_at")).extend(self._scoped())
        return [self._timed(row) for row in sql.run()]

    def first_responses(self) -> list[Duration]:
        """The time from creation to each first staff reply in the periods."""
        sql = Sql().add("SELECT ").extend(self._period("t.first_responded_at"))
        sql.add(f", {self._seconds('t.first_responded_at', 't.created_at')}, {self._dims()}, ")
        sql.add(f"1 FROM {TICKETS} t{self._hint('ticket_first_response_idx')}")
        sql.add(self._tickets(None)).add(" WHERE ").extend(self._range("t.first_responded_at"))
        sql.extend(self._scoped())
        return [self._timed(row) for row in sql.run()]

    def clocks(self) -> dict[str, list[Duration]]:
        """The business time of each first-response and resolution clock stopped in
        the periods."""
        sql = Sql().add("SELECT k.metric, ").extend(self._period("k.stopped_at"))
        sql.add(f", k.elapsed_seconds, {self._dims()}, 1 FROM {CLOCKS} k")
        sql.add(self._hint("sla_clock_stopped_idx")).add(self._tickets("k.ticket_id"))
        sql.add(f" WHERE k.state = '{ClockState.STOPPED}' AND ")
        sql.add("k.metric IN ('first_response', 'resolution') AND ")
        sql.extend(self._range("k.stopped_at")).extend(self._scoped())
        out: dict[str, list[Duration]] = {f.SLA_FIRST_RESPONSE: [], f.SLA_RESOLUTION: []}
        for metric, *rest in sql.run():
            kind = f.SLA_FIRST_RESPONSE if metric == "first_response" else f.SLA_RESOLUTION
            out[kind].append(self._timed(tuple(rest)))
        return out

    def handled(self) -> list[Row]:
        """HANDLED rows: each ticket once per period with a staff reply, a staff status change
        or an escalation in it, `next` the next such period."""
        sql = Sql().add("WITH moments AS (SELECT e.ticket_id, ")
        sql.extend(self._period("e.created_at")).add(f" AS p FROM {EVENTS} e")
        sql.add(self._hint("event_actor_acted_idx"))
        sql.add(f" WHERE e.actor_id IN {self.staff} AND ").extend(self._range("e.created_at"))
        sql.add(
            f" AND ((e.kind = '{EventKind.MESSAGE}' AND e.field = '') OR "
            f"(e.kind = '{EventKind.CHANGED}' AND e.field = 'status')) "
            "UNION SELECT x.ticket_id, "
        )
        sql.extend(self._period("x.created_at")).add(f" FROM {ESCALATIONS} x WHERE ")
        sql.extend(self._range("x.created_at")).add(")")
        return self._chain(sql, f.HANDLED)

    def escalations(self) -> list[Row]:
        """ESCALATED and ENGINEERING rows: each ticket once per period it left tier 1 in (or
        went to engineering in), escalations withdrawn left out."""
        rows: list[Row] = []
        for kind, condition in ((f.ESCALATED, "x.from_tier = 1"), (f.ENGINEERING, "x.to_tier = 3")):
            sql = Sql().add("WITH moments AS (SELECT DISTINCT x.ticket_id, ")
            sql.extend(self._period("x.created_at")).add(f" AS p FROM {ESCALATIONS} x WHERE ")
            sql.extend(self._range("x.created_at"))
            sql.add(f" AND x.status != '{EscalationStatus.WITHDRAWN}' AND {condition})")
            rows += self._chain(sql, kind)
        return rows

    def _chain(self, sql: Sql, kind: str) -> list[Row]:
        """Rows of the (ticket, period) `moments`, each knowing the ticket's next period."""
        sql.add(
            ", chained AS (SELECT ticket_id, p, LEAD(p) OVER (PARTITION BY ticket_id ORDER BY p) "
            f"AS np FROM moments) SELECT c.p, COALESCE(c.np, {self.n}), {self._dims()}, COUNT(*) "
            f"FROM chained c{self._tickets('c.ticket_id')} WHERE 1 = 1"
        )
        sql.extend(self._scoped()).add(" GROUP BY 1, 2, 3, 4")
        return [
            self._row(kind, p, -1, np_, count, channel, region)
            for p, np_, channel, region, count in sql.run()
        ]

    def _timed(self, found: tuple[Any, ...]) -> Duration:
        period, seconds, channel, region, _count = found
        if not self.by_channel:
            channel = self.scope.channel
        if not self.by_region:
            region = self.scope.region
        return (period, self.n, float(seconds or 0.0), channel, region)


def _staff_ids() -> list[int]:
    return list(User.objects.filter(role__in=STAFF).values_list("id", flat=True)) or [-1]


def _epoch_micros(moment: datetime) -> int:
    return int(moment.timestamp()) * MICROS + moment.microsecond


def _age_class(age_micros: int) -> int:
    """measures.facts.age_class of an age in microseconds, exactly."""
    for index, (_label, limit) in enumerate(f.AGE_BUCKETS):
        if limit is not None and age_micros < limit * DAY_MICROS:
            return index
    return len(f.AGE_BUCKETS) - 1


def _row(
    kind: str,
    at: int,
    prev: int,
    nxt: int,
    count: int,
    channel: str | None,
    region: str | None,
    *,
    kind_of: str = "",
    area: str = "",
    slot: int | None = None,
    flags: int = 0,
    value: float | None = None,
    seconds: float | None = None,
) -> Row:
    if seconds is not None:
        value = seconds
    return (
        kind,
        at,
        prev,
        nxt,
        flags,
        value,
        count,
        seconds or 0.0,
        None,
        channel,
        None,
        region,
        kind_of,
        area,
        slot,
        None,
    )
