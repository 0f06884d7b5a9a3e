"""Searching articles and past tickets for a viewer: ranked hits with highlights, permission
filtered inside the index match, and the lexical candidates suggestions build on."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from django.urls import reverse

from tierdesk.accounts.models import User
from tierdesk.knowledge.models import Article
from tierdesk.search import backend
from tierdesk.search.analysis import AnalyzedQuery, analyze_query
from tierdesk.search.backend import Scope
from tierdesk.search.documents import SOLVED, article_text
from tierdesk.search.highlight import snippet
from tierdesk.search.models import DocKind, doc_parts
from tierdesk.tickets.choices import MessageKind
from tierdesk.tickets.models import Message, Ticket

KINDS = frozenset({DocKind.ARTICLE.value, DocKind.TICKET.value})
# Free text (a ticket's description as suggestions read it) asks for at most this many terms:
# an OR of hundreds of words would touch most of the index and rank no better.
MATCH_CLAUSES_MAX = 24


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "article" | "ticket"
    id: int  # article pk or ticket number
    title: str
    snippet: str  # HTML-safe (escaped), matches wrapped in <mark>
    url: str  # the page for this viewer
    score: float
    language: str
    status: str  # article state or ticket status
    product_area: str
    updated_at: datetime


@dataclass(frozen=True)
class SearchPage:
    query: str
    hits: list[SearchHit]
    total: int  # the matches ranked: at most backend.CANDIDATES
    took_ms: float
    # More matched than were ranked: `total` is a lower bound ("4000+"), and the hits are the
    # best of the newest matches.
    total_is_lower_bound: bool = False


def _scope(viewer: User | None, **filters) -> Scope:
    customer = viewer is None or not viewer.is_support_staff
    return Scope(
        customer=customer,
        organization_id=viewer.organization_id if customer and viewer is not None else None,
        **filters,
    )


def search(
    viewer: User,
    query: str,
    *,
    kinds: Collection[str] | None = None,
    language: str | None = None,
    state: str | None = None,
    product_area: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """Articles and tickets matching `query` that `viewer` may read, best first. Every term must
    match; when that finds fewer than `limit`, any term may (identifiers, codes and quoted
    phrases still must); when that too finds fewer, the identifiers, codes and phrases alone. Customers get public validated articles and their organization's
    tickets, matched on title and public text only; staff get every article but archived ones
    (unless `state` asks for them) and every indexed ticket, internal notes included.
    Restricted tickets are never in the index."""
    started = time.perf_counter()
    analyzed = analyze_query(query)
    scope = _scope(
        viewer,
        kinds=frozenset(kinds or ()) & KINDS,
        language=language or None,
        state=state or None,
        product_area=product_area or None,
        since=since,
        until=until,
    )
    notes = viewer.is_support_staff
    result = backend.search(
        analyzed, scope, any_term=False, notes=notes, limit=limit, offset=offset
    )
    if result.total < limit and len(analyzed.optional) > 1:
        result = backend.search(
            analyzed, scope, any_term=True, notes=notes, limit=limit, offset=offset
        )
    if result.total < limit and analyzed.required and analyzed.optional:
        result = _required_only(analyzed, scope, result, notes=notes, limit=limit, offset=offset)
    hits = _hydrate(viewer, result.docs, analyzed)
    took = (time.perf_counter() - started) * 1000
    return SearchPage(
        query=query,
        hits=hits,
        total=result.total,
        took_ms=round(took, 2),
        total_is_lower_bound=result.more,
    )


def _required_only(
    analyzed: AnalyzedQuery,
    scope: Scope,
    found: backend.Result,
    *,
    notes: bool,
    limit: int,
    offset: int,
) -> backend.Result:
    """The last pass: a pasted code with words around it ("ERR_SAML_SIGNATURE при авторизации")
    finds the documents holding the code (and the quoted phrases) whatever else they say. What
    the earlier passes found (fewer than `limit`: all of them) stays first, as it matched more
    of the query; the documents with the required clauses alone follow, ranked by them."""
    if offset and found.total:
        found = backend.search(analyzed, scope, any_term=True, notes=notes, limit=limit)
    required = backend.search(
        AnalyzedQuery(analyzed.required),
        scope,
        any_term=False,
        notes=notes,
        limit=offset + limit,
    )
    first = {doc for doc, _score in found.docs}
    merged = found.docs + [(doc, score) for doc, score in required.docs if doc not in first]
    return backend.Result(
        merged[offset : offset + limit],
        max(required.total, found.total),
        more=required.more,
    )


def _hydrate(
    viewer: User, docs: list[tuple[int, float]], analyzed: AnalyzedQuery
) -> list[SearchHit]:
    """Hits for one page of documents: the articles in one query, the tickets in one and their
    messages in one. Permissions are checked again on the rows themselves, so a change not yet
    indexed never shows what the viewer may no longer read."""
    staff = viewer.is_support_staff
    terms = analyzed.terms
    wanted = [(*doc_parts(doc), score) for doc, score in docs]
    article_ids = [oid for kind, oid, _s in wanted if kind == DocKind.ARTICLE]
    numbers = [oid for kind, oid, _s in wanted if kind == DocKind.TICKET]
    hits: dict[tuple[str, int], SearchHit] = {}
    scores = {(kind, oid): score for kind, oid, score in wanted}
    if article_ids:
        for article in Article.objects.filter(pk__in=article_ids):
            if not staff and not article.customers_see:
                continue
            url = reverse(
                "knowledge:article" if staff else "knowledge:portal_article", args=[article.pk]
            )
            hits[(DocKind.ARTICLE, article.pk)] = SearchHit(
                kind=DocKind.ARTICLE,
                id=article.pk,
                title=article.title,
                snippet=snippet(article_text(article), terms),
                url=url,
                score=scores[(DocKind.ARTICLE, article.pk)],
                language=article.language,
                status=article.state,
                product_area=article.product_area,
                updated_at=article.updated_at,
            )
    if numbers:
        tickets = Ticket.objects.filter(pk__in=numbers, restricted=False, merged_into=None)
        if not staff:
            tickets = tickets.filter(organization_id=viewer.organization_id or -1)
        rows = list(
            tickets.values_list(
                "number", "subject", "status", "language", "product_area", "updated_at"
            )
        )
        messages = Message.objects.filter(ticket_id__in=[r[0] for r in rows])
        if not staff:
            messages = messages.filter(kind=MessageKind.PUBLIC)
        bodies: dict[int, list[str]] = defaultdict(list)
        for ticket_id, body in messages.order_by("created_at", "id").values_list(
            "ticket_id", "body_text"
        ):
            bodies[ticket_id].append(body)
        for number, subject, status, language, area, updated in rows:
            url = reverse("tickets:detail" if staff else "portal:ticket", args=[number])
            hits[(DocKind.TICKET, number)] = SearchHit(
                kind=DocKind.TICKET,
                id=number,
                title=subject,
                snippet=snippet("\n\n".join(bodies[number]), terms),
                url=url,
                score=scores[(DocKind.TICKET, number)],
                language=language,
                status=status,
                product_area=area,
                updated_at=updated,
            )
    return [hits[(kind, oid)] for kind, oid, _s in wanted if (kind, oid) in hits]


def _free_text(text: str) -> AnalyzedQuery:
    """Free text as a query in which any term may match: nothing is required, and only the first
    MATCH_CLAUSES_MAX clauses count."""
    analyzed = analyze_query(text)
    seen: list = []
    for clause in analyzed.clauses:
        seen.append(type(clause)(clause.terms, required=False))
        if len(seen) >= MATCH_CLAUSES_MAX:
            break
    return AnalyzedQuery(tuple(seen))


def match_articles(
    text: str, *, viewer: User | None, limit: int = 50, language: str | None = None
) -> list[tuple[int, float]]:
    """Lexical candidates for free text: (article id, score), best first, score higher is better;
    any word may match. Viewer None or a customer: public validated articles only; staff: all
    but archived ones."""
    analyzed = _free_text(text)
    scope = _scope(viewer, kinds=frozenset({DocKind.ARTICLE.value}), language=language or None)
    if scope.customer:
        scope = Scope(customer=True, kinds=scope.kinds, language=scope.language)
    result = backend.search(analyzed, scope, any_term=True, notes=False, limit=limit)
    return [(doc_parts(doc)[1], score) for doc, score in result.docs]


def match_solved_tickets(
    text: str, *, viewer: User, limit: int = 5, exclude: int | None = None
) -> list[tuple[int, float]]:
    """Solved or closed tickets like the text that `viewer` may read: (ticket number, score),
    best first; any word may match; `exclude` (the ticket being read) never is one."""
    analyzed = _free_text(text)
    scope = _scope(viewer, kinds=frozenset({DocKind.TICKET.value}), solved_only=True)
    result = backend.search(
        analyzed, scope, any_term=True, notes=viewer.is_support_staff, limit=limit + 1
    )
    found = [(doc_parts(doc)[1], score) for doc, score in result.docs]
    found = [(number, score) for number, score in found if number != exclude][:limit]
    if not viewer.is_support_staff and found:
        # The index may not yet know a ticket's newest organization or restriction.
        allowed = set(
            Ticket.objects.filter(
                pk__in=[n for n, _s in found],
                organization_id=viewer.organization_id or -1,
                restricted=False,
                status__in=SOLVED,
            ).values_list("pk", flat=True)
        )
        found = [(n, s) for n, s in found if n in allowed]
    return found
