"""SQLite's articles-only FTS5 table: in step with every article write, filled by its migration,
and what article-only searches (suggestions' candidates) match on."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection

from tierdesk.knowledge.models import Article
from tierdesk.knowledge.services import article_archive, article_create, article_update
from tierdesk.search import backend, services
from tierdesk.search.models import DocKind, doc_id
from tierdesk.search.selectors import match_articles, search
from tierdesk.tickets.services import ticket_open

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sqlite_only():
    if backend.is_postgres():
        pytest.skip("the articles-only table is SQLite's")


def article_rows() -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid, body FROM {backend.ARTICLE_FTS_TABLE}")
        return dict(cursor.fetchall())


def test_every_article_write_reaches_the_article_table(alice, manager, committed):
    with committed():
        article = article_create(
            actor=manager, title="Exports stall", problem="CSV hangs", resolution="Restart"
        )
        ticket_open(actor=alice, subject="Exports stall", body="CSV hangs")
    doc = doc_id(DocKind.ARTICLE, article.pk)
    assert list(article_rows()) == [doc]  # the ticket is not in it
    with committed():
        article_update(actor=manager, article=article, changes={"resolution": "Reinstall"})
    assert "reinstal" in article_rows()[doc].split()
    assert "restart" not in article_rows()[doc].split()
    with committed():
        article_archive(actor=manager, article=article)
    assert list(article_rows()) == [doc]
    Article.objects.filter(pk=article.pk).delete()
    services.index_docs([doc])
    assert article_rows() == {}


def test_a_reindex_rebuilds_the_article_table(alice, manager):
    article = article_create(
        actor=manager, title="Exports stall", problem="CSV hangs", resolution="Restart"
    )
    ticket_open(actor=alice, subject="Exports stall", body="CSV hangs")
    assert services.reindex_all() == 2
    assert list(article_rows()) == [doc_id(DocKind.ARTICLE, article.pk)]


def test_article_searches_match_on_the_article_table(manager, agent, committed):
    with committed():
        article = article_create(
            actor=manager, title="Exports stall", problem="CSV hangs", resolution="Restart"
        )
    with connection.cursor() as cursor:
        # Only the articles' own table holds it now: what still finds it reads that table.
        cursor.execute(f"DELETE FROM {backend.FTS_TABLE}")
    assert [a for a, _s in match_articles("csv exports", viewer=agent)] == [article.pk]
    assert [h.id for h in search(agent, "csv", kinds=["article"]).hits] == [article.pk]
    assert search(agent, "csv").hits == []


def test_the_migration_fills_the_article_table_from_the_shared_one(alice, manager, committed):
    with committed():
        article = article_create(
            actor=manager, title="Exports stall", problem="CSV hangs", resolution="Restart"
        )
        ticket_open(actor=alice, subject="Exports stall", body="CSV hangs")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {backend.ARTICLE_FTS_TABLE}")
    migration = importlib.import_module("tierdesk.search.migrations.0002_article_fts")
    # SQLite's schema editor cannot open inside the test's transaction; the step needs only this.
    migration.create_article_table(None, SimpleNamespace(connection=connection))
    assert list(article_rows()) == [doc_id(DocKind.ARTICLE, article.pk)]
    assert migration.ARTICLE_DOC_BASE == backend.ARTICLE_DOC_BASE
