"""The two index backends behind one contract: SQLite's FTS5 table ranked by bm25() with column
weights, and PostgreSQL's tsvector columns with GIN indexes ranked by ts_rank. Both take the
analyzer's terms verbatim, so a document matches the same queries on either."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from tierdesk.search import analysis
from tierdesk.search.analysis import AnalyzedQuery, Clause
from tierdesk.search.models import ARTICLE_DOC_BASE
from tierdesk.tickets.models import Ticket

FTS_TABLE = "search_fts"
# The articles again, alone: a word common in tickets has a posting list of a million tickets in
# the shared table, which an articles-only search (suggestions' candidates) would read only to
# drop by scope (measured over 1,000,000 tickets: 33 ms of a 36 ms match, 2.6 ms here).
ARTICLE_FTS_TABLE = "search_fts_article"
ENTRY_TABLE = "search_searchentry"
# The column weights: a title word says more about the document than a word in a long thread
# (measured on the FAQ set: title ~2x body lifted MRR). Scope tokens never count.
TITLE_WEIGHT, BODY_WEIGHT, NOTES_WEIGHT = 2.0, 1.0, 1.0
# Matches ranked per search, in descending document order (articles, then the newest tickets):
# ranking every match of a common word would read a hundred thousand documents. A search's total
# is at most this many, flagged as a lower bound when more match.
CANDIDATES = 4_000
ARTICLE_CANDIDATES = 20_000
# PostgreSQL's weights in ts_rank order D, C (notes), B (body), A (title).
PG_WEIGHTS = "{0.1, 0.4, 0.5, 1.0}"
# PostgreSQL keeps positions up to 16,383 and 256 per lexeme; beyond, phrases stop matching.
PG_POSITION_MAX = 16_383
PG_POSITIONS_PER_TERM = 255

SQLITE_DDL = tuple(
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5("
    "title, body, notes, scope, tokenize = 'unicode61 remove_diacritics 0')"
    for table in (FTS_TABLE, ARTICLE_FTS_TABLE)
)
POSTGRES_DDL = (
    f"ALTER TABLE {ENTRY_TABLE} ADD COLUMN IF NOT EXISTS vec tsvector NOT NULL DEFAULT ''",
    f"ALTER TABLE {ENTRY_TABLE} ADD COLUMN IF NOT EXISTS notes_vec tsvector NOT NULL DEFAULT ''",
    f"CREATE INDEX IF NOT EXISTS search_entry_vec_idx ON {ENTRY_TABLE} USING gin (vec)",
    # Staff match notes too: one index over the text and the notes together.
    f"CREATE INDEX IF NOT EXISTS search_entry_all_vec_idx ON {ENTRY_TABLE} "
    "USING gin ((vec || notes_vec))",
)


@dataclass(frozen=True)
class Document:
    """What the index keeps of one article or ticket: its text by field and its filter facts."""

    doc: int
    kind: str
    object_id: int
    organization_id: int | None
    requester_id: int | None
    language: str
    status: str
    visibility: str
    product_area: str
    updated_at: datetime | str
    solved: bool
    customers_see: bool  # articles: public and validated
    title: str
    body: str
    notes: str = ""

    def scope(self) -> str:
        """The filter tokens of the FTS5 scope column."""
        tokens = ["art" if self.kind == "article" else "tik", "st" + token(self.status)]
        if self.language:
            tokens.append("l" + token(self.language))
        if self.product_area:
            tokens.append("pa" + token(self.product_area))
        if self.status != "archived":
            tokens.append("live")
        if self.customers_see:
            tokens.append("cust")
        if self.organization_id is not None:
            tokens.append(f"org{self.organization_id}")
        if self.solved:
            tokens.append("solved")
        return " ".join(tokens)


def token(value: str) -> str:
    return re.sub(r"[^0-9a-z]", "", value.lower())


@dataclass(frozen=True)
class Scope:
    """Which documents a search may return: the viewer's permission and the filters asked."""

    customer: bool
    organization_id: int | None = None
    kinds: frozenset[str] = frozenset()
    language: str | None = None
    state: str | None = None
    product_area: str | None = None
    solved_only: bool = False
    since: date | None = None
    until: date | None = None


@dataclass
class Result:
    docs: list[tuple[int, float]] = field(default_factory=list)
    # The matches ranked: at most the candidates; `more` when further matches were not ranked.
    total: int = 0
    more: bool = False


def candidates_for(scope: Scope) -> int:
    return ARTICLE_CANDIDATES if scope.kinds == {"article"} else CANDIDATES


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def create_objects() -> None:
    with connection.cursor() as cursor:
        for statement in POSTGRES_DDL if is_postgres() else SQLITE_DDL:
            cursor.execute(statement)


def reset() -> None:
    """Empties the index. On SQLite the FTS table is dropped and made again: deleting a million
    rows one by one from it would take minutes."""
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(f"TRUNCATE {ENTRY_TABLE}")
        else:
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
            cursor.execute(f"DROP TABLE IF EXISTS {ARTICLE_FTS_TABLE}")
            cursor.execute(f"DELETE FROM {ENTRY_TABLE}")
    create_objects()


# --- writing ----------------------------------------------------------------------------------


def _entry_row(d: Document) -> tuple:
    return (
        d.doc,
        d.kind,
        d.object_id,
        d.organization_id,
        d.requester_id,
        d.language,
        d.status,
        d.visibility,
        d.product_area,
        d.updated_at,
        d.solved,
    )


_ENTRY_COLUMNS = (
    "doc, kind, object_id, organization_id, requester_id, language, status, visibility, "
    "product_area, updated_at, solved"
)


_PG_UPDATE = ", ".join(
    f"{c} = excluded.{c}"
    for c in [*_ENTRY_COLUMNS.replace(" ", "").split(",")[1:], "vec", "notes_vec"]
)


def delete(docs: Iterable[int]) -> None:
    ids = [(d,) for d in sorted(set(docs))]
    if not ids:
        return
    # One statement per row: FTS5 answers `rowid = ?` from its index but scans for `rowid IN`.
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {ENTRY_TABLE} WHERE doc = %s", ids)
        if not is_postgres():
            cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", ids)
            articles = [row for row in ids if row[0] >= ARTICLE_DOC_BASE]
            if articles:
                cursor.executemany(f"DELETE FROM {ARTICLE_FTS_TABLE} WHERE rowid = %s", articles)


def write(documents: Sequence[Document], *, fresh: bool = False) -> None:
    """Writes the documents in place of what the index held for them. `fresh`: the index holds
    none of them (a reindex into emptied tables), so nothing is deleted first."""
    if not documents:
        return
    if not fresh:
        delete(d.doc for d in documents)
    if is_postgres():
        _write_postgres(documents)
    else:
        _write_sqlite(documents)


def _write_sqlite(documents: Sequence[Document]) -> None:
    terms = analysis.terms_text
    fts_rows = [
        (d.doc, terms(d.title), terms(d.body), terms(d.notes), d.scope()) for d in documents
    ]
    article_rows = [row for row in fts_rows if row[0] >= ARTICLE_DOC_BASE]

    def stored(value: datetime | str) -> str | None:
        # A reindex passes the stored text through as it read it.
        return value if isinstance(value, str) else connection.ops.adapt_datetimefield_value(value)

    entry_rows = [(*_entry_row(d)[:9], stored(d.updated_at), d.solved) for d in documents]
    with connection.cursor() as cursor:
        for table, rows in ((FTS_TABLE, fts_rows), (ARTICLE_FTS_TABLE, article_rows)):
            if rows:
                cursor.executemany(
                    f"INSERT INTO {table} (rowid, title, body, notes, scope) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    rows,
                )
        cursor.executemany(
            f"INSERT INTO {ENTRY_TABLE} ({_ENTRY_COLUMNS}) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            entry_rows,
        )


def tsvector(fields: Sequence[tuple[str, str]]) -> str:
    """A tsvector literal of the fields' terms, each field with its weight letter; positions
    continue across fields with a gap, so no phrase spans two fields."""
    positions: dict[str, list[str]] = {}
    offset = 1
    for text, weight in fields:
        terms = analysis.tokens(text)
        for index, term in enumerate(terms):
            kept = positions.setdefault(term, [])
            if len(kept) < PG_POSITIONS_PER_TERM:
                kept.append(f"{min(offset + index, PG_POSITION_MAX)}{weight}")
        offset += len(terms) + 100
    return " ".join(f"'{term}':{','.join(p)}" for term, p in positions.items())


def _write_postgres(documents: Sequence[Document]) -> None:
    rows = [
        (
            *_entry_row(d),
            tsvector(((d.title, "A"), (d.body, "B"))),
            tsvector(((d.notes, "C"),)),
        )
        for d in documents
    ]
    with connection.cursor() as cursor:
        # An upsert: an indexing of a marked document and a reindex batch may write the same
        # document side by side (both read it as it is now); the later one waits, then replaces.
        cursor.executemany(
            f"INSERT INTO {ENTRY_TABLE} ({_ENTRY_COLUMNS}, vec, notes_vec) VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::tsvector, %s::tsvector) "
            f"ON CONFLICT (doc) DO UPDATE SET {_PG_UPDATE}",
            rows,
        )


# --- searching --------------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def search(
    query: AnalyzedQuery, scope: Scope, *, any_term: bool, notes: bool, limit: int, offset: int = 0
) -> Result:
    """The documents matching `query` within `scope`, best first, with how many match in all.
    `any_term`: optional clauses are ORed (required ones still must match); otherwise every
    clause must match. `notes`: staff notes count as text."""
    if not query.clauses:
        return Result()
    if is_postgres():
        return _search_postgres(
            query, scope, any_term=any_term, notes=notes, limit=limit, offset=offset
        )
    return _search_sqlite(query, scope, any_term=any_term, notes=notes, limit=limit, offset=offset)


def _fts_clause(clause: Clause) -> str:
    return '"' + " ".join(clause.terms) + '"'


def _combine(query: AnalyzedQuery, any_term: bool, phrase, and_, or_) -> str:
    if not any_term:
        return and_([phrase(c) for c in query.clauses])
    required = [phrase(c) for c in query.required]
    optional = [phrase(c) for c in query.optional]
    if optional:
        required.append(or_(optional))
    return and_(required)


def _fts_and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"


def _fts_or(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def _scope_match(scope: Scope, *, articles_table: bool = False) -> tuple[str, str]:
    """(the scope tokens every hit must have, "" or those it must not have). `articles_table`:
    the match runs on the articles-only table, where every row is an article."""
    parts: list[str] = []
    exclude = ""
    if scope.customer:
        parts.append(f"(cust OR org{scope.organization_id})" if scope.organization_id else "cust")
    if scope.state:
        parts.append("st" + token(scope.state))
    else:
        # Archived articles only when asked for by state. Excluded rather than `live` required:
        # a NOT over the few archived articles costs less than an AND over every document.
        exclude = "scope : starchived"
    if len(scope.kinds) == 1 and not articles_table:
        parts.append("art" if "article" in scope.kinds else "tik")
    if scope.language:
        parts.append("l" + token(scope.language))
    if scope.product_area:
        parts.append("pa" + token(scope.product_area))
    if scope.solved_only:
        parts.append("solved")
    return ("scope : (" + " AND ".join(parts) + ")" if parts else ""), exclude


def _date_condition(scope: Scope, doc: str, params: list, adapt) -> str:
    """The date filters on the document `doc` names: a ticket's own updated_at (every change of
    a ticket moves it, not only those that index it again), an article's as indexed (every
    change of an article indexes it again). "" without date filters."""
    bounds = []
    values: list = []
    if scope.since:
        bounds.append("updated_at >= %s")
        values.append(adapt(_day_start(scope.since)))
    if scope.until:
        bounds.append("updated_at < %s")
        values.append(adapt(_day_start(scope.until + timedelta(days=1))))
    if not bounds:
        return ""
    within = " AND ".join(bounds)
    tickets, number = Ticket._meta.db_table, Ticket._meta.pk.column
    params += [*values, *values]
    return (
        f"(CASE WHEN {doc} >= {ARTICLE_DOC_BASE} "
        f"THEN EXISTS (SELECT 1 FROM {ENTRY_TABLE} de WHERE de.doc = {doc} AND {within}) "
        f"ELSE EXISTS (SELECT 1 FROM {tickets} dt WHERE dt.{number} = {doc} AND {within}) END)"
    )


def _search_sqlite(query, scope: Scope, *, any_term, notes, limit, offset) -> Result:
    text = _combine(query, any_term, _fts_clause, _fts_and, _fts_or)
    columns = "{title body notes}" if notes else "{title body}"
    # Articles alone are matched in their own table (see ARTICLE_FTS_TABLE).
    articles_only = scope.kinds == {"article"}
    table = ARTICLE_FTS_TABLE if articles_only else FTS_TABLE
    required, exclude = _scope_match(scope, articles_table=articles_only)
    match = f"({columns} : ({text}))"
    if required:
        match += f" AND {required}"
    if exclude:
        match += f" NOT {exclude}"
    weights = f"{TITLE_WEIGHT}, {BODY_WEIGHT}, {NOTES_WEIGHT if notes else 0.0}, 0.0"
    params: list = [match]
    dates = _date_condition(
        scope, f"{table}.rowid", params, connection.ops.adapt_datetimefield_value
    )
    where = f" AND {dates}" if dates else ""
    candidates = candidates_for(scope)
    # bm25() costs microseconds a row, so only the candidates are ranked; it cannot sit beside a
    # window function, so it is computed inside and the candidates are counted outside.
    sql = (
        f"SELECT doc, score, count(*) OVER () FROM (SELECT {table}.rowid AS doc, "
        f"bm25({table}, {weights}) AS score FROM {table} "
        f"WHERE {table} MATCH %s{where} ORDER BY {table}.rowid DESC LIMIT %s) "
        "ORDER BY score, doc DESC LIMIT %s OFFSET %s"
    )
    count_sql = (
        f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {table} MATCH %s{where} LIMIT %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, candidates, limit, offset])
        rows = cursor.fetchall()
        result = Result([(row[0], -row[1]) for row in rows], rows[0][2] if rows else 0)
        if result.total >= candidates or (not rows and offset):
            # As many matches as were ranked (or a page past the end): one more says whether
            # there were more.
            cursor.execute(count_sql, [*params, candidates + 1])
            count = cursor.fetchone()[0]
            result.total, result.more = min(count, candidates), count > candidates
    return result


def _pg_clause(clause: Clause) -> str:
    terms = [f"'{t}'" for t in clause.terms]
    return terms[0] if len(terms) == 1 else "(" + " <-> ".join(terms) + ")"


def _pg_and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "(" + " & ".join(parts) + ")"


def _pg_or(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"


def _search_postgres(query, scope: Scope, *, any_term, notes, limit, offset) -> Result:
    tsquery = _combine(query, any_term, _pg_clause, _pg_and, _pg_or)
    vec = "(vec || notes_vec)" if notes else "vec"
    where = [f"{vec} @@ %s::tsquery"]
    params: list = [tsquery]
    if scope.customer:
        if scope.organization_id:
            where.append(
                "((kind = 'article' AND visibility = 'public' AND status = 'validated')"
                " OR (kind = 'ticket' AND organization_id = %s))"
            )
            params.append(scope.organization_id)
        else:
            where.append("kind = 'article' AND visibility = 'public' AND status = 'validated'")
    if scope.state:
        where.append("status = %s")
        params.append(scope.state)
    else:
        where.append("status <> 'archived'")
    if len(scope.kinds) == 1:
        where.append("kind = %s")
        params.append(next(iter(scope.kinds)))
    if scope.language:
        where.append("language = %s")
        params.append(scope.language)
    if scope.product_area:
        where.append("product_area = %s")
        params.append(scope.product_area)
    if scope.solved_only:
        where.append("solved")
    dates = _date_condition(scope, f"{ENTRY_TABLE}.doc", params, lambda value: value)
    if dates:
        where.append(dates)
    candidates = candidates_for(scope)
    # As on SQLite: the newest `candidates` matches (the GIN index finds them), then ranked.
    matches = (
        f"SELECT doc, {vec} AS v FROM {ENTRY_TABLE} WHERE {' AND '.join(where)} "
        "ORDER BY doc DESC LIMIT %s"
    )
    sql = (
        f"SELECT doc, ts_rank('{PG_WEIGHTS}', v, %s::tsquery, 1) AS score, count(*) OVER () "
        f"FROM ({matches}) c ORDER BY score DESC, doc DESC LIMIT %s OFFSET %s"
    )
    count_sql = (
        f"SELECT count(*) FROM (SELECT 1 FROM {ENTRY_TABLE} WHERE {' AND '.join(where)} LIMIT %s) c"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [tsquery, *params, candidates, limit, offset])
        rows = cursor.fetchall()
        result = Result([(row[0], float(row[1])) for row in rows], rows[0][2] if rows else 0)
        if result.total >= candidates or (not rows and offset):
            cursor.execute(count_sql, [*params, candidates + 1])
            count = cursor.fetchone()[0]
            result.total, result.more = min(count, candidates), count > candidates
    return result
