"""This capability's card on the ticket page: articles that may answer the ticket (with a button
to link one, and to insert one customers may read in the reply) and solved tickets like it, for
staff. The page draws an empty card that fetches
its content (htmx, on load), so the ticket page pays no query or encoding for it."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.http import HttpRequest

from tierdesk.knowledge.choices import ArticleState
from tierdesk.knowledge.models import Article
from tierdesk.suggestions.selectors import (
    similar_solved_tickets,
    suggest_articles,
    ticket_question,
)
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.panels import Panel
from tierdesk.tickets.selectors import tickets_visible_to

if TYPE_CHECKING:
    from tierdesk.accounts.models import User

LIMIT = 5
# The card's ids are kept this long per ticket: the ticket's question rarely changes, and a new
# article appears on the card within minutes without encoding the question on every view.
CACHE_SECONDS = 300


def _cache_key(ticket: Ticket, viewer_id: int) -> str:
    # Per viewer: similar tickets depend on what the viewer may read (restricted tickets); and
    # per subject, so a changed subject asks again.
    subject = hashlib.sha256(ticket.subject.encode()).hexdigest()[:16]
    return f"suggestions:ticket:{ticket.pk}:{viewer_id}:{subject}"


def ticket_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    """Staff see the card (filled by views.ticket_card); customers never do. No query."""
    user = request.user
    if not user.is_authenticated or not user.is_support_staff:
        return None
    return Panel(template="suggestions/_ticket_panel_lazy.html", context={"ticket": ticket})


def card_context(user: User, ticket: Ticket) -> dict[str, Any]:
    """Up to five suggested articles and five similar solved tickets for a staff member. Ids
    are cached per ticket and viewer for a few minutes; with them cached the card reads the
    articles, the tickets and the ticket's links in three queries."""
    key = _cache_key(ticket, user.pk)
    cached = cache.get(key)
    if cached is None:
        question = ticket_question(ticket)
        articles = suggest_articles(question, viewer=user, limit=LIMIT)
        similar = similar_solved_tickets(ticket, user, LIMIT, text=question)
        cached = (
            [(s.article.pk, s.score) for s in articles],
            [(s.ticket.pk, s.score) for s in similar],
        )
        cache.set(key, cached, CACHE_SECONDS)
        article_rows = [(s.article, s.score) for s in articles]
        ticket_rows = [(s.ticket, s.score) for s in similar]
    else:
        article_ids, ticket_ids = cached
        # Read again: an article archived or a ticket restricted since must not show.
        articles_by_id = Article.objects.exclude(state=ArticleState.ARCHIVED).in_bulk(
            [pk for pk, _ in article_ids]
        )
        tickets_by_id = (
            tickets_visible_to(user).in_bulk([pk for pk, _ in ticket_ids]) if ticket_ids else {}
        )
        article_rows = [(articles_by_id[pk], s) for pk, s in article_ids if pk in articles_by_id]
        ticket_rows = [(tickets_by_id[pk], s) for pk, s in ticket_ids if pk in tickets_by_id]
    linked = (
        set(ticket.article_links.values_list("article_id", flat=True)) if article_rows else set()
    )
    return {
        "ticket": ticket,
        # "Insert in reply" (knowledge.js) puts an article's public text in the reply: only for
        # staff who answer customers, and only articles customers may read (the template checks).
        "can_reply": user.can_reply_publicly,
        "articles": [{"article": a, "score": s, "linked": a.pk in linked} for a, s in article_rows],
        "tickets": [{"ticket": t, "score": s} for t, s in ticket_rows],
    }
