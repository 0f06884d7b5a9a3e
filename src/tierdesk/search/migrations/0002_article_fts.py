"""The articles-only FTS5 table on SQLite (see backend.ARTICLE_FTS_TABLE), filled from the
articles' rows of the shared table, so a deploy needs no reindex. PostgreSQL: nothing; its
planner reads an article-only search's rows by the (kind, object_id) index and never the tickets'
GIN postings (EXPLAIN over 100,000 tickets and 10,000 articles: a 4 ms scan of the articles)."""

from django.db import migrations

# Articles' documents sit above 2**52 (models.ARTICLE_DOC_BASE as this migration was written).
ARTICLE_DOC_BASE = 1 << 52
CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts_article USING fts5("
    "title, body, notes, scope, tokenize = 'unicode61 remove_diacritics 0')"
)
# A rowid range of an FTS5 table is read from its index: ten thousand articles take a moment,
# whatever the number of tickets beside them.
FILL = (
    "INSERT INTO search_fts_article (rowid, title, body, notes, scope) "
    "SELECT rowid, title, body, notes, scope FROM search_fts WHERE rowid >= %s"
)


def create_article_table(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(CREATE)
        cursor.execute("DELETE FROM search_fts_article")
        cursor.execute(FILL, [ARTICLE_DOC_BASE])


def drop_article_table(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts_article")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_index")]

    operations = [migrations.RunPython(create_article_table, drop_article_table)]
