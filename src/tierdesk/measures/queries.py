"""Statements put together piece by piece with their parameters, and independent ones run on
two connections at once (the team's KPIs counted by the database, measures.sql_rows)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connection


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


# One helper thread beside the asking one, per process. It keeps its SQLite connection, and with
# it its page cache, from one question to the next.
_helper: tuple[int, ThreadPoolExecutor] | None = None
_helper_made = threading.Lock()
_helping = threading.Lock()  # held while the helper serves a question


def _helper_thread() -> ThreadPoolExecutor:
    global _helper
    with _helper_made:
        if _helper is None or _helper[0] != os.getpid():  # a forked process starts its own
            _helper = (os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="kpi-counting"))
        return _helper[1]


def all_at_once(jobs: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Each job's result. The queries are independent: the asking thread and a helper take
    them in turn, each on a connection of its own (SQLite and PostgreSQL count while Python
    waits). They run one after another inside a transaction (another connection would not see
    its writes) and while the helper serves another question."""
    one_by_one = connection.in_atomic_block or not connection.get_autocommit()
    if one_by_one or not _helping.acquire(blocking=False):
        return {name: job() for name, job in jobs.items()}
    waiting = list(jobs.items())
    taking = threading.Lock()
    results: dict[str, Any] = {}

    def work() -> None:
        try:
            while True:
                with taking:
                    if not waiting:
                        return
                    name, job = waiting.pop(0)
                results[name] = job()
        except BaseException:
            with taking:
                waiting.clear()  # the other thread stops after its current query
            raise

    def helper() -> None:
        connection.close_if_unusable_or_obsolete()
        try:
            work()
        finally:
            if connection.vendor != "sqlite":
                connection.close()  # a server keeps its own cache; the connection goes back
            _helping.release()

    try:
        helped = _helper_thread().submit(helper)
    except BaseException:
        _helping.release()
        raise
    try:
        work()
    except BaseException:
        helped.exception()  # waits for the helper; the asking thread's error is the one raised
        raise
    helped.result()
    return results
