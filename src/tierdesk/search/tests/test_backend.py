"""The backends' own objects: the FTS5 table on SQLite, tsvector columns and GIN indexes on
PostgreSQL, both fed the analyzer's terms verbatim."""

from __future__ import annotations

import pytest
from django.db import connection

from tierdesk.search import backend

pytestmark = pytest.mark.django_db


def test_tsvector_literals_keep_fields_apart_with_weights():
    literal = backend.tsvector((("Reset passwords", "A"), ("reset it", "B")))
    assert literal == "'reset':1A,103B 'password':2A"


def test_the_text_objects_exist_for_the_backend_in_use():
    with connection.cursor() as cursor:
        if backend.is_postgres():
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s", [backend.ENTRY_TABLE]
            )
            names = {row[0] for row in cursor.fetchall()}
            assert {"search_entry_vec_idx", "search_entry_all_vec_idx"} <= names
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [backend.FTS_TABLE])
            assert "fts5" in cursor.fetchone()[0]


@pytest.mark.postgres
def test_postgres_takes_every_script_verbatim():
    if not backend.is_postgres():
        pytest.skip("needs PostgreSQL (TIERDESK_TEST_POSTGRES)")
    literal = backend.tsvector((("パスワードのリセット пароля ERR_QUERY_TIMEOUT", "A"),))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::tsvector @@ %s::tsquery, %s::tsvector @@ %s::tsquery",
            [literal, "'パス' <-> 'スワ' & 'парол'", literal, "'errquerytimeout' & 'http'"],
        )
        assert cursor.fetchone() == (True, False)
