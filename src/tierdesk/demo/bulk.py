"""Writing generated rows fast: a chunk per transaction, executemany on SQLite and COPY on
PostgreSQL, with the generator in a forked process so it computes while the database writes."""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from queue import Empty

from django.core.management.color import no_style
from django.db import connection, connections, transaction

from tierdesk.demo.history import (
    EVENT_COLUMNS,
    MESSAGE_COLUMNS,
    READER_COLUMNS,
    TICKET_COLUMNS,
    Chunk,
    FirstIds,
)
from tierdesk.tickets.models import Message, Ticket, TicketEvent

Progress = Callable[[int, int, float], None]


@dataclass(frozen=True)
class Written:
    """Rows written by one `chunks_write`."""

    tickets: int = 0
    messages: int = 0
    events: int = 0


def first_free_ids() -> FirstIds:
    """The ticket number, message id and event id after the highest in the database."""
    with connection.cursor() as cursor:
        return FirstIds(
            ticket=_next_id(cursor, Ticket._meta.db_table, "number"),
            message=_next_id(cursor, Message._meta.db_table, "id"),
            event=_next_id(cursor, TicketEvent._meta.db_table, "id"),
        )


def _next_id(cursor, table: str, column: str) -> int:
    cursor.execute(f"SELECT MAX({column}) FROM {table}")
    current = cursor.fetchone()[0]
    return (current or 0) + 1


def chunks_write(
    produce: Callable[[], Iterator[Chunk]],
    *,
    total: int,
    started: float,
    progress: Progress | None = None,
) -> Written:
    """Writes every chunk `produce()` yields, in a forked generator process when possible, and
    calls `progress(tickets written, total, seconds since started)` every few seconds."""
    source = _in_child_process(produce) if _can_fork() else produce()
    written = Written()
    reported = 0.0
    with _bulk_session():
        for chunk in source:
            _write(chunk)
            written = Written(
                tickets=written.tickets + len(chunk[0]),
                messages=written.messages + len(chunk[1]),
                events=written.events + len(chunk[2]),
            )
            elapsed = time.perf_counter() - started
            # A line every few seconds, and the last one: a million tickets are 200 chunks.
            if progress and (elapsed >= reported + 2 or written.tickets == total):
                progress(written.tickets, total, elapsed)
                reported = elapsed
        _finish()
    return written


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    quote = connection.ops.quote_name
    return (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )


def _write(chunk: Chunk) -> None:
    """One chunk in one transaction: each table in one executemany, or one COPY on PostgreSQL."""
    tickets, messages, events, readers = chunk
    tables = [
        (Ticket._meta.db_table, TICKET_COLUMNS, tickets),
        (Message._meta.db_table, MESSAGE_COLUMNS, messages),
        (TicketEvent._meta.db_table, EVENT_COLUMNS, events),
        (Ticket.restricted_to.through._meta.db_table, READER_COLUMNS, readers),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns, rows in tables:
            if not rows:
                continue
            if connection.vendor == "postgresql":
                _copy(cursor, table, columns, rows)
            else:
                cursor.executemany(_insert_sql(table, columns), rows)


def _copy(cursor, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """Rows through psycopg's COPY: a round trip per statement makes executemany several times
    slower there. The values are the ones executemany would send (text timestamps and JSON)."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _finish() -> None:
    with connection.cursor() as cursor:
        # Ids were given explicitly: move PostgreSQL's sequences past them (SQLite's
        # AUTOINCREMENT bookkeeping follows explicit ids by itself).
        for sql in connection.ops.sequence_reset_sql(no_style(), [Ticket, Message, TicketEvent]):
            cursor.execute(sql)
        # Fresh statistics let the planner pick the list indexes on the new volume.
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            for model in (Ticket, Message, TicketEvent):
                cursor.execute(f"ANALYZE {model._meta.db_table}")


# --- the generator process -------------------------------------------------------------------


def _can_fork() -> bool:
    """Whether generation may move to a child process: not inside a transaction (a test's), whose
    rows another connection could not see, and not on an in-memory database."""
    if not hasattr(os, "fork") or connection.in_atomic_block:
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


def _in_child_process(produce: Callable[[], Iterator[Chunk]]) -> Iterator[Chunk]:
    """Runs `produce` in a forked process and yields its chunks here: Python builds the next chunk
    on one core while the database writes the last one on the other. Same output as in-process,
    since the child starts from this process's random state."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=2)
    # The child must not share this process's database connection; both reconnect when needed.
    # This runs now, not at the first chunk, so the writer's load settings (_bulk_session) are
    # made on the connection that writes rather than on one closed here.
    connections.close_all()
    child = context.Process(target=_produce, args=(produce, queue), daemon=True)
    child.start()
    return _chunks_from(child, queue)


def _chunks_from(child, queue) -> Iterator[Chunk]:
    try:
        while True:
            try:
                item = queue.get(timeout=5)
            except Empty:
                if not child.is_alive():
                    raise RuntimeError(
                        f"The demo data generator died (exit status {child.exitcode})."
                    ) from None
                continue
            if item is None:
                return
            if isinstance(item, str):
                raise RuntimeError("The demo data generator failed:\n" + item)
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join()


def _produce(produce: Callable[[], Iterator[Chunk]], queue) -> None:
    try:
        for chunk in produce():
            queue.put(chunk)
        queue.put(None)
    except BaseException:
        queue.put(traceback.format_exc())
    finally:
        queue.close()
        queue.join_thread()


class _bulk_session:
    """SQLite settings for the load, restored afterwards since the connection may live on (tests):
    a larger page cache, so index pages stay in memory between batches, and no foreign-key
    lookups per row — the generator only names rows it wrote or the cast it loaded, which the
    tests check with the constraints on. (SQLite cannot switch them inside a transaction, so
    inside one they stay on.)"""

    def __enter__(self) -> None:
        self.previous_cache = None
        self.constraints_off = False
        if connection.vendor != "sqlite":
            return
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            self.previous_cache = cursor.fetchone()[0]
            cursor.execute("PRAGMA cache_size=-1048576")
        if not connection.in_atomic_block:
            self.constraints_off = connection.disable_constraint_checking()

    def __exit__(self, *exc) -> None:
        if self.constraints_off:
            connection.enable_constraint_checking()
        if self.previous_cache is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size={int(self.previous_cache)}")
