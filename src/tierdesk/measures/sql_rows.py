"""The team's KPI rows counted by the database from the raw events, numbered by week as the
rollups' rows are: the raw path's answer for the team, a channel or a region, without reading
every ticket's history into Python. measures.facts stays the reference; the tests hold the two
in agreement.

The queries read status changes, staff actions, replies and stopped clocks from covering
indexes (tickets migration 0006, sla 0003); on SQLite they name them, as its planner would
otherwise read the events table itself, some fifty times slower."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

import numpy as np
from django.db import connection

from tierdesk.accounts.models import Organization, User
from tierdesk.escalations.models import Escalation, EscalationStatus
from tierdesk.measures import facts as f
from tierdesk.measures import spell_counts
from tierdesk.measures.kpis import Row, Scope
from tierdesk.measures.queries import Sql, all_at_once
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
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

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


@dataclass
class Durations:
    """Durations measured in the periods: rows of (period, the period of the ticket's next
    solve (n but for solves), seconds), and the channel or region each is keyed by."""

    table: np.ndarray
    keys: np.ndarray | None = None

    @classmethod
    def joined(cls, parts: list[Durations]) -> Durations:
        if not parts:
            return cls(np.empty((0, 3)))
        keys = [part.keys for part in parts]
        return cls(
            np.concatenate([part.table for part in parts]),
            None if keys[0] is None else np.concatenate(keys),  # type: ignore[arg-type]
        )


@dataclass
class Counted:
    """The rows the team KPIs count, and the durations of each timed kind."""

    rows: list[Row]
    durations: dict[str, Durations]


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
        # Computed once and read twice; SQLite knows the word from 3.35 on.
        known = not self.sqlite or sqlite3.sqlite_version_info >= (3, 35)
        self.materialized = " MATERIALIZED" if known else ""
        self.by_channel, self.by_region = key == "channel", key == "region"
        self.with_org = self.by_region or scope.region is not None
        self.with_ticket = self.with_org or self.by_channel or scope.channel is not None

    @cached_property
    def staff(self) -> str:
        """The staff's ids as an SQL list (their role now, as measures.facts reads it)."""
        ids = User.objects.filter(role__in=STAFF).values_list("id", flat=True)
        return "(" + ", ".join(str(pk) for pk in ids or [-1]) + ")"

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
        `missing` where it is NULL. The bounds are searched by halves: a few comparisons a
        row, not one per bound."""
        params: list[Any] = []

        def search(low: int, high: int) -> str:  # the value is past bounds[:low], before [high:]
            if low == high:
                return str(low - 1)
            middle = (low + high) // 2
            params.append(self._value(self.bounds[middle]))
            before, after = search(low, middle), search(middle + 1, high)
            return f"CASE WHEN {column} < %s THEN {before} ELSE {after} END"

        tree = search(0, self.n + 1)
        return f"CASE WHEN {column} IS NULL THEN {missing} ELSE {tree} END", params

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

    def _quarter(self, column: str) -> str:
        if self.sqlite:
            return f"CAST(strftime('%%s', {column}) AS INTEGER) / {QUARTER}"
        return f"FLOOR(EXTRACT(EPOCH FROM {column}) / {QUARTER})::bigint"

    def _dim_columns(self) -> tuple[str, str]:
        """The channel and region columns the rows are keyed by (NULL where they are not)."""
        channel = "t.channel" if self.by_channel else "NULL"
        region = "COALESCE(o.region, '')" if self.by_region else "NULL"
        return channel, region

    def _dims(self, named: bool = False) -> str:
        channel, region = self._dim_columns()
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

    def _keyed(self, channel: Any, region: Any) -> Any:
        """Of a row's channel and region columns, the one the rows are keyed by."""
        return channel if self.by_channel else region if self.by_region else None

    def _row(self, kind: str, at: int, prev: int, nxt: int, count: int, key: Any, **more: Any):
        """A row under `key` (its channel or region when the rows are keyed by one; the scope's
        channel and region otherwise)."""
        channel = key if self.by_channel else self.scope.channel
        region = key if self.by_region else self.scope.region
        return _row(kind, at, prev, nxt, count, channel, region, **more)

    # -- rows ---------------------------------------------------------------------------------

    def read(self) -> Counted:
        """Everything the team KPIs count, but arrivals by hour, type or area."""
        found = all_at_once(
            # Longest first: two connections share them out as each one finishes.
            {
                "spells": self.spells,
                "solves": self.solves,
                "handled": self.handled,
                "clocks": self.clocks,
                "closes": self.closes,
                "first_responses": self.first_responses,
                "arrivals": lambda: self.arrivals(None),
                "escalations": self.escalations,
            }
        )
        solved, solve_times = found["solves"]
        return Counted(
            [
                *found["arrivals"],
                *found["spells"],
                *solved,
                *found["handled"],
                *found["escalations"],
            ],
            {
                f.SOLVED: solve_times,
                f.CLOSED: found["closes"],
                f.FIRST_RESPONSE: found["first_responses"],
                **found["clocks"],
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
                moment = datetime.fromtimestamp(int(value) * QUARTER, UTC)
                more["slot"] = f.hour_of_week(moment, zone)
            elif key == "type":
                more["kind_of"] = value
            elif key == "product_area":
                more["area"] = value
            keyed = self._keyed(channel, region)
            rows.append(self._row(f.CREATED, week, -1, self.n, count, keyed, **more))
        return rows

    def spells(self) -> list[Row]:
        """OPENED rows of the spells that start in the periods (`prev` the period the ticket's
        previous spell ended in), OPEN_AT rows at each bound up to now by age class.

        The database gives each ticket's state at the first bound (that of its last spell
        change before it) and the spell changes in the periods; measures.spell_counts works
        out the spells. The tickets: those with a spell change in the periods, those created
        in them, and those not settled before them (as sources.touched_tickets has it)."""
        first = self._value(self.bounds[0])
        time_index = self._hint("event_status_time_idx")
        ticket_index = self._hint("event_status_ticket_idx")
        sql = Sql().add(
            f"WITH changed AS (SELECT e.ticket_id, {self._micros('e.created_at')} AS us, e.id, "
            f"{IS_DONE} AS done FROM {EVENTS} e{time_index} WHERE {SPELL_CHANGE} AND "
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
        sql.add(f"seq AS (SELECT t.{KEY} AS id, {self._micros('t.created_at')} AS created_us, ")
        sql.add(f"{self._dims(True)}, ")
        sql.add("CASE WHEN t.created_at < %s THEN COALESCE((SELECT ", first)
        sql.add(f"{IS_DONE} FROM {EVENTS} e{ticket_index} WHERE e.ticket_id = t.{KEY} ")
        sql.add(f"AND {SPELL_CHANGE} AND e.created_at < %s ", first)
        sql.add("ORDER BY e.created_at DESC, e.id DESC LIMIT 1), 0) ELSE 0 END AS init ")
        sql.add(f"FROM candidates c JOIN {TICKETS} t ON t.{KEY} = c.id{self._tickets(None)} ")
        sql.add("WHERE 1 = 1").extend(self._scoped()).add(") ")
        joined = self._joined
        sql.add(
            f"SELECT 'changes', {joined('ticket_id')}, {joined('us')}, {joined('id')}, "
            f"{joined('done')}, NULL FROM changed UNION ALL SELECT 'tickets', {joined('id')}, "
            f"{joined('created_us')}, {joined('init')}, {joined('chan')}, {joined('reg')} "
            "FROM seq"
        )
        found = {row[0]: row[1:] for row in sql.run()}
        ticket_ids, created, init, channels, regions = found["tickets"]
        keyed = self._keyed(channels, regions)
        names = keyed.split(",") if keyed is not None else [None] * _count(ticket_ids)
        keys = list(dict.fromkeys(names))
        index = {key: i for i, key in enumerate(keys)}
        tickets = spell_counts.Tickets(
            _ints(ticket_ids),
            _ints(created),
            _ints(init),
            np.array([index[name] for name in names], dtype=np.int64),
            keys,
        )
        change_ids, at, events, done, _none = found["changes"]
        changes = spell_counts.Changes(_ints(change_ids), _ints(at), _ints(events), _ints(done))
        _aligned(tickets.ids, tickets.created, tickets.done, tickets.key_index)
        _aligned(changes.tickets, changes.at, changes.events, changes.done)
        spells = spell_counts.spells_of(tickets, changes)
        bounds = np.array([_epoch_micros(moment) for moment in self.bounds], dtype=np.int64)
        instants = bounds[[i for i, moment in enumerate(self.bounds) if moment <= self.now]]
        rows: list[Row] = []
        if not keys:
            return rows
        for (p, pp, key), n in spell_counts.opened(spells, bounds, len(keys)).items():
            rows.append(self._row(f.OPENED, p, pp, self.n, n, keys[key]))
        for (k, age, key), n in spell_counts.open_at(spells, instants, len(keys)).items():
            rows.append(self._row(f.OPEN_AT, k, 0, 0, n, keys[key], flags=age))
        return rows

    def solves(self) -> tuple[list[Row], Durations]:
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
        # A reply is a chat line if its message is one (or, without a channel of its own, if
        # the ticket is a chat), read from the index of chat messages.
        chat = (
            f"(EXISTS (SELECT 1 FROM {MESSAGES} c{self._hint('message_chat_idx')} WHERE c.id = "
            f"m.message_id AND c.channel = '{Channel.CHAT}') OR (s.channel = '{Channel.CHAT}' "
            f"AND NOT EXISTS (SELECT 1 FROM {MESSAGES} c WHERE c.id = m.message_id "
            "AND c.channel != '')))"
        )
        sql = Sql().add(
            f"WITH solved AS (SELECT e.ticket_id, e.created_at AS at, e.id FROM {EVENTS} e"
            f"{self._hint('event_status_time_idx')} WHERE {SOLVE} AND "
        )
        sql.extend(self._range("e.created_at")).add("), ")
        sql.add(
            "chained AS (SELECT ticket_id, at, id, LAG(at) OVER w AS prev_at, LEAD(at) OVER w "
            "AS next_at FROM solved WINDOW w AS (PARTITION BY ticket_id ORDER BY at, id)), "
            f"s AS{self.materialized} (SELECT c.ticket_id, c.at, c.id, "
        )
        sql.extend(self._period("c.at")).add(" AS p, ").extend(self._period("c.prev_at"))
        sql.add(" AS pp, ").extend(self._period("c.next_at", self.n)).add(" AS np, ")
        sql.add(f"{self._micros('c.at')} - {self._micros('t.created_at')} AS us, ")
        sql.add(f"t.channel, {self._dims(True)} FROM chained c")
        sql.add(self._tickets("c.ticket_id", needed=True)).add(" WHERE 1 = 1")
        sql.extend(self._scoped()).add("), ")
        # Whether a solve was one touch and reopened after is asked only of the solve that
        # counts for its period: the ticket's last in it.
        sql.add(
            f"counted AS{self.materialized} (SELECT s.*, (SELECT COUNT(*) {replies} {before_solve}) "
            f"AS touches, CASE WHEN {reopened} THEN 1 ELSE 0 END AS reopened FROM s "
            "WHERE s.np > s.p), flagged AS (SELECT p, pp, np, us, chan, reg, 0 AS one_touch, "
            "0 AS reopened FROM s WHERE np = p UNION ALL SELECT s.p, s.pp, s.np, s.us, s.chan, "
            # Replies are touches; the lines of a chat are one touch between them.
            "s.reg, CASE WHEN s.touches = 1 THEN 1 WHEN s.touches > 1 AND NOT EXISTS (SELECT 1 "
            f"{replies} {before_solve} AND NOT {chat}) THEN 1 ELSE 0 END, s.reopened "
            "FROM counted s) SELECT p, pp, np, one_touch, reopened, chan, reg, COUNT(*), "
            # Whole seconds and the microseconds apart: SQLite's sum of integers stops at 2^63.
            f"SUM(us / {MICROS}), SUM(us - us / {MICROS} * {MICROS}), "
            f"{self._joined('CASE WHEN np > p THEN us END')} FROM flagged "
            "GROUP BY 1, 2, 3, 4, 5, 6, 7"
        )
        rows: list[Row] = []
        times: list[Durations] = []
        for p, pp, np_, one_touch, reopen, channel, region, n, whole, part, us in sql.run():
            flags = (f.ONE_TOUCH if one_touch else 0) | (f.REOPENED_AFTER if reopen else 0)
            seconds = (int(whole) * MICROS + int(part)) / MICROS
            key = self._keyed(channel, region)
            rows.append(self._row(f.SOLVED, p, pp, np_, n, key, flags=flags, seconds=seconds))
            if us is not None:
                times.append(self._durations(p, np_, key, us, micros=True))
        return rows, Durations.joined(times)

    def closes(self) -> Durations:
        """The time from creation to each close in the periods."""
        us = f"{self._micros('e.created_at')} - {self._micros('t.created_at')}"
        sql = Sql().add("SELECT ").extend(self._period("e.created_at"))
        sql.add(f", {self._dims()}, {self._joined(us)} ")
        sql.add(f"FROM {EVENTS} e{self._hint('event_status_time_idx')}")
        sql.add(self._tickets("e.ticket_id", needed=True))
        sql.add(
            f" WHERE e.field = 'status' AND e.kind = '{EventKind.CHANGED}' AND e.to_value = "
            f"'{Status.CLOSED}' AND e.from_value != '{Status.CLOSED}' AND "
        )
        sql.extend(self._range("e.created_at")).extend(self._scoped()).add(" GROUP BY 1, 2, 3")
        return self._grouped(sql.run(), micros=True)

    def first_responses(self) -> Durations:
        """The time from creation to each first staff reply in the periods."""
        us = f"{self._micros('t.first_responded_at')} - {self._micros('t.created_at')}"
        sql = Sql().add("SELECT ").extend(self._period("t.first_responded_at"))
        sql.add(f", {self._dims()}, {self._joined(us)} ")
        sql.add(f"FROM {TICKETS} t{self._hint('ticket_first_response_idx')}")
        sql.add(self._tickets(None)).add(" WHERE ").extend(self._range("t.first_responded_at"))
        sql.extend(self._scoped()).add(" GROUP BY 1, 2, 3")
        return self._grouped(sql.run(), micros=True)

    def clocks(self) -> dict[str, Durations]:
        """The business time of each first-response and resolution clock stopped in the
        periods."""
        elapsed = "COALESCE(k.elapsed_seconds, 0)"
        # Every digit of the stored float, so it reads back the same.
        exact = f"printf('%%!.17g', {elapsed})" if self.sqlite else elapsed
        sql = Sql().add("SELECT k.metric, ").extend(self._period("k.stopped_at"))
        sql.add(f", {self._dims()}, {self._joined(exact)} FROM {CLOCKS} k")
        sql.add(self._hint("sla_clock_stopped_idx")).add(self._tickets("k.ticket_id"))
        sql.add(f" WHERE k.state = '{ClockState.STOPPED}' AND ")
        sql.add("k.metric IN ('first_response', 'resolution') AND ")
        sql.extend(self._range("k.stopped_at")).extend(self._scoped())
        sql.add(" GROUP BY 1, 2, 3, 4")
        found = sql.run()
        return {
            kind: self._grouped([row[1:] for row in found if row[0] == metric], micros=False)
            for kind, metric in (
                (f.SLA_FIRST_RESPONSE, "first_response"),
                (f.SLA_RESOLUTION, "resolution"),
            )
        }

    def _joined(self, expr: str) -> str:
        """The values of an expression in a group, as one text (one value from the database
        per group instead of one row per value)."""
        if self.sqlite:
            return f"group_concat({expr}, ',')"
        return f"string_agg(({expr})::text, ',')"

    def _grouped(self, found: list[tuple[Any, ...]], *, micros: bool) -> Durations:
        return Durations.joined(
            [
                self._durations(period, self.n, self._keyed(channel, region), text, micros=micros)
                for period, channel, region, text in found
            ]
        )

    def _durations(self, period: int, nxt: int, key: Any, text: str, *, micros: bool) -> Durations:
        values = _ints(text) / MICROS if micros else np.fromstring(text, dtype=float, sep=",")
        table = np.empty((len(values), 3))
        table[:, 0], table[:, 1], table[:, 2] = period, nxt, values
        keys = np.full(len(values), key, dtype=object) if self.key else None
        return Durations(table, keys)

    def handled(self) -> list[Row]:
        """HANDLED rows: each ticket once per period with a staff reply, a staff status change
        or an escalation in it, `next` the next such period."""
        sql = Sql().add("SELECT e.ticket_id, ")
        sql.extend(self._period("e.created_at")).add(f" AS p FROM {EVENTS} e")
        sql.add(self._hint("event_actor_acted_idx"))
        sql.add(f" WHERE e.actor_id IN {self.staff} AND ").extend(self._range("e.created_at"))
        sql.add(
            f" AND ((e.kind = '{EventKind.MESSAGE}' AND e.field = '') OR "
            f"(e.kind = '{EventKind.CHANGED}' AND e.field = 'status')) "
            "UNION ALL SELECT x.ticket_id, "
        )
        sql.extend(self._period("x.created_at")).add(f" FROM {ESCALATIONS} x WHERE ")
        sql.extend(self._range("x.created_at"))
        return self._chain(sql, f.HANDLED)

    def escalations(self) -> list[Row]:
        """ESCALATED and ENGINEERING rows: each ticket once per period it left tier 1 in (or
        went to engineering in), escalations withdrawn left out."""
        rows: list[Row] = []
        for kind, condition in ((f.ESCALATED, "x.from_tier = 1"), (f.ENGINEERING, "x.to_tier = 3")):
            sql = Sql().add("SELECT x.ticket_id, ")
            sql.extend(self._period("x.created_at")).add(f" AS p FROM {ESCALATIONS} x WHERE ")
            sql.extend(self._range("x.created_at"))
            sql.add(f" AND x.status != '{EscalationStatus.WITHDRAWN}' AND {condition}")
            rows += self._chain(sql, kind)
        return rows

    def _chain(self, moments: Sql, kind: str) -> list[Row]:
        """Rows of the (ticket, period) pairs of the `moments` query, each ticket counted once
        a period and knowing its next period. The pairs come as one number each (ticket and
        period), deduplicated by the database and chained in order here."""
        width = self.n + 2
        channel, region = (self._joined(column) for column in self._dim_columns())
        sql = Sql().add(f"SELECT {self._joined('d.pair')}, {channel}, {region} FROM ")
        sql.add(f"(SELECT DISTINCT m.ticket_id * {width} + m.p AS pair, m.ticket_id FROM (")
        sql.extend(("".join(moments.parts), moments.params))
        sql.add(f") AS m) AS d{self._tickets('d.ticket_id')} WHERE 1 = 1")
        sql.extend(self._scoped())
        ((pairs, channels, regions),) = sql.run()
        keyed = self._keyed(channels, regions)
        pair = _ints(pairs)
        order = np.argsort(pair, kind="stable")
        pair = pair[order]
        names = np.array(keyed.split(","), dtype=object)[order] if keyed is not None else None
        _aligned(pair, *([names] if names is not None else []))
        ticket, period = pair // width, pair % width
        following = np.full(len(pair), self.n, dtype=np.int64)
        same = ticket[1:] == ticket[:-1]
        following[:-1][same] = period[1:][same]
        counts: Counter = Counter(
            zip(
                period.tolist(),
                following.tolist(),
                names.tolist() if names is not None else [None] * len(pair),
                strict=True,
            )
        )
        return [self._row(kind, p, -1, np_, n, name) for (p, np_, name), n in counts.items()]


def _aligned(*columns: np.ndarray) -> None:
    """Joined columns of one query have a value per row each (a NULL would be left out)."""
    if len({len(column) for column in columns}) > 1:
        raise ValueError("A time the database could not read left a KPI query's columns unequal")


def _ints(text: str | None) -> np.ndarray:
    """The integers of a joined text (see PeriodRows._joined)."""
    if not text:
        return np.empty(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")


def _count(text: str | None) -> int:
    return text.count(",") + 1 if text else 0


def _epoch_micros(moment: datetime) -> int:
    """Microseconds since the epoch, exactly (a float timestamp would round them)."""
    return (moment - EPOCH) // timedelta(microseconds=1)


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
