"""Fixtures of the search tests: an empty index at the start of each test, and writes whose
after-commit indexing runs."""

from __future__ import annotations

import pytest
from django.db import connection

from tierdesk.search import backend


@pytest.fixture(autouse=True)
def _empty_index(request):
    """A transactional test elsewhere flushes the models' tables but not the FTS5 table, whose
    rowids SQLite then reuses: each search test starts from an empty index."""
    if "db" not in request.fixturenames and "transactional_db" not in request.fixturenames:
        uses_db = request.node.get_closest_marker("django_db") is not None
        if not uses_db:
            yield
            return
    request.getfixturevalue("db")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {backend.ENTRY_TABLE}")
        if not backend.is_postgres():
            cursor.execute(f"DELETE FROM {backend.FTS_TABLE}")
            cursor.execute(f"DELETE FROM {backend.ARTICLE_FTS_TABLE}")
        cursor.execute("DELETE FROM search_searchstale")
    yield


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs a write's after-commit callbacks (the indexing) as a real commit would:
    `with committed(): ticket_open(...)`."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
