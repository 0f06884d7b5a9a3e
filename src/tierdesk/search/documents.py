"""What the index holds of articles and tickets: their search documents, built in batches with a
few queries each, so a reindex streams a million tickets without loading them all."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator

from django.db import connection

from tierdesk.knowledge.choices import ArticleState, Visibility
from tierdesk.knowledge.models import Article
from tierdesk.search.backend import Document
from tierdesk.search.models import DocKind, doc_id
from tierdesk.tickets.choices import MessageKind, Status
from tierdesk.tickets.models import Message, Ticket

SOLVED = frozenset({Status.SOLVED, Status.CLOSED})
_TICKET_FIELDS = (
    "number",
    "subject",
    "organization_id",
    "requester_id",
    "language",
    "status",
    "product_area",
    "updated_at",
    "restricted",
    "merged_into_id",
)


def article_text(article: Article) -> str:
    """The article's body as searched and highlighted: the KCS fields in reading order."""
    parts = [article.problem, article.environment, article.cause, article.resolution]
    if article.tags:
        parts.append(" ".join(article.tags))
    return "\n\n".join(p for p in parts if p)


def article_documents(ids: Collection[int]) -> tuple[list[Document], set[int]]:
    """(documents of the articles that exist, ids that no longer do)."""
    articles = list(Article.objects.filter(pk__in=ids))
    missing = set(ids) - {a.pk for a in articles}
    return [article_document(a) for a in articles], missing


def article_document(article: Article) -> Document:
    return Document(
        doc=doc_id(DocKind.ARTICLE, article.pk),
        kind=DocKind.ARTICLE,
        object_id=article.pk,
        organization_id=None,
        requester_id=None,
        language=article.language,
        status=article.state,
        visibility=article.visibility,
        product_area=article.product_area,
        updated_at=article.updated_at,
        solved=False,
        customers_see=(
            article.visibility == Visibility.PUBLIC and article.state == ArticleState.VALIDATED
        ),
        title=article.title,
        body=article_text(article),
    )


def article_batch(after: int, size: int) -> tuple[list[Document], int | None]:
    """(the documents of the next `size` articles with ids above `after`, the last id or None
    when there are no more). In the caller's transaction; on PostgreSQL the articles stay locked
    until it ends, so none changes between this read and the index write (see reindex_all)."""
    articles = Article.objects.filter(pk__gt=after).order_by("pk")
    if connection.vendor == "postgresql":
        articles = articles.select_for_update(no_key=True)
    found = list(articles[:size])
    if not found:
        return [], None
    return [article_document(a) for a in found], found[-1].pk


def _ticket_documents(
    rows: list[tuple], messages: dict[int, list[tuple[str, str]]]
) -> Iterator[Document]:
    for (
        number,
        subject,
        org,
        requester,
        language,
        status,
        area,
        updated,
        restricted,
        merged,
    ) in rows:
        # Restricted tickets keep their text from everyone but the named staff: never indexed.
        # A merged ticket's conversation moved to the ticket it was merged into, which is
        # indexed with it; the closed husk would only be a duplicate hit.
        if restricted or merged is not None:
            continue
        public: list[str] = []
        notes: list[str] = []
        for kind, body in messages.get(number, ()):
            (notes if kind == MessageKind.INTERNAL else public).append(body)
        yield Document(
            doc=doc_id(DocKind.TICKET, number),
            kind=DocKind.TICKET,
            object_id=number,
            organization_id=org,
            requester_id=requester,
            language=language,
            status=status,
            visibility="",
            product_area=area,
            updated_at=updated,
            solved=status in SOLVED,
            customers_see=False,
            title=subject,
            body="\n\n".join(public),
            notes="\n\n".join(notes),
        )


def ticket_documents(numbers: Collection[int]) -> tuple[list[Document], set[int]]:
    """(documents of the tickets that may be indexed, numbers that must leave the index:
    gone, restricted or merged)."""
    rows = list(Ticket.objects.filter(pk__in=numbers).values_list(*_TICKET_FIELDS))
    messages: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for ticket_id, kind, body in (
        Message.objects.filter(ticket_id__in=[r[0] for r in rows])
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "kind", "body_text")
    ):
        messages[ticket_id].append((kind, body))
    documents = list(_ticket_documents(rows, messages))
    return documents, set(numbers) - {d.object_id for d in documents}


def ticket_batch(after: int, size: int) -> tuple[list[Document], int | None]:
    """(the documents of the next `size` tickets with numbers above `after` that may be indexed,
    the last number read or None when there are no more): one query for the tickets and one for
    their messages (a range of the message index), read with the driver's cursor: the ORM's row
    objects and date parsing would double the time a reindex of a million tickets takes
    (updated_at stays as the database gave it). In the caller's transaction; on PostgreSQL the
    tickets are held FOR SHARE until it ends: a ticket change, which locks its ticket, waits for
    the index write rather than commit between the read and it (see reindex_all)."""
    ticket_table, message_table = Ticket._meta.db_table, Message._meta.db_table
    columns = ", ".join(_TICKET_FIELDS)
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {ticket_table} WHERE number > %s ORDER BY number LIMIT %s"
            + lock,
            [after, size],
        )
        rows = cursor.fetchall()
        if not rows:
            return [], None
        first, last = rows[0][0], rows[-1][0]
        cursor.execute(
            f"SELECT ticket_id, kind, body_text FROM {message_table} "
            "WHERE ticket_id >= %s AND ticket_id <= %s ORDER BY ticket_id, created_at, id",
            [first, last],
        )
        messages: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for ticket_id, kind, body in cursor.fetchall():
            messages[ticket_id].append((kind, body))
    return list(_ticket_documents(rows, messages)), last
