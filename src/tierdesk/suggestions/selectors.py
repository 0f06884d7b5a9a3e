"""Reads of suggestions: the articles that may answer a text, the solved tickets like a ticket,
and the deflection figures per week."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tierdesk.knowledge.choices import ArticleState, Visibility
from tierdesk.knowledge.models import Article
from tierdesk.suggestions import semantic, vectors
from tierdesk.tickets.choices import MessageKind
from tierdesk.tickets.models import Message, Ticket
from tierdesk.tickets.selectors import tickets_visible_to

if TYPE_CHECKING:
    from tierdesk.accounts.models import User

TEXT_MAX = 5_000
LIMIT_MAX = 10
# Nearest articles by cosine taken as candidates, beside the lexical ones.
SEMANTIC_CANDIDATES = 50
LEXICAL_CANDIDATES = 50
# Weight of the lexical score (normalised by the query's best) added to the cosine. Measured
# through this function on stackfaq (MRR for 0 / 0.1 / 0.15 / 0.2 / 0.3): 0.969 / 0.977 /
# 0.975 / 0.973 / 0.969, recall@5 0.997 from 0.1 to 0.2. The middle of the flat top, not the
# last decimal: 0.1 and 0.15 differ by three questions of 1,249.
LEXICAL_WEIGHT = 0.15
# Below this no article is suggested: on stackfaq 99% of real questions have a best cosine
# above 0.43 while junk ("asdf qwerty", "the weather is nice today") stays under 0.22; the
# threshold costs nothing there (same MRR and recall with and without it).
MIN_SCORE = 0.35
# With words alone (Japanese, Russian, or no model) the best match scores 1; others must reach
# this share of it.
MIN_LEXICAL_SHARE = 0.2
# The encoder reads this much of a long text: the subject and first lines carry the question,
# and each further token costs time (attention grows with the square of the length).
ENCODE_CHARS = 600
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")


@dataclass(frozen=True)
class ArticleSuggestion:
    article: Article
    score: float


@dataclass(frozen=True)
class SimilarTicket:
    ticket: Ticket
    score: float


def _customers_only(viewer: User | None) -> bool:
    return viewer is None or not viewer.is_authenticated or viewer.is_customer


def mostly_latin(text: str) -> bool:
    """Whether at least half the letters of the text are Latin: the sentence model is
    English-trained, so Japanese or Russian text, even with a product name or an error code in
    Latin letters ("失敗したWebhookを再送する方法"), is matched on its words alone. On the
    hand-made Japanese set, sending such mixed questions through the encoder ranked their
    article 7th where words alone ranked it first."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    latin = sum(1 for c in letters if _LATIN.match(c))
    return 2 * latin >= len(letters)


def _lexical_articles(
    text: str, viewer: User | None, language: str | None
) -> list[tuple[int, float]]:
    from tierdesk.search.selectors import match_articles

    return match_articles(
        text,
        viewer=None if _customers_only(viewer) else viewer,
        limit=LEXICAL_CANDIDATES,
        language=language,
    )


def suggest_articles(
    text: str, *, viewer: User | None, limit: int = 5, language: str | None = None
) -> list[ArticleSuggestion]:
    """Up to `limit` articles that may answer `text`, best first. A customer, an anonymous
    person or None only ever gets public validated articles (filtered before ranking, and again
    when the articles are read); staff get any article not archived. Empty when nothing scores
    MIN_SCORE (junk text suggests nothing)."""
    text = (text or "").strip()[:TEXT_MAX]
    limit = max(1, min(limit, LIMIT_MAX))
    if not text:
        return []
    customers_only = _customers_only(viewer)
    lexical = _lexical_articles(text, viewer, language)
    best_lexical = max((score for _, score in lexical), default=0.0)
    shares = {pk: score / best_lexical for pk, score in lexical if best_lexical > 0}

    scores: dict[int, float] = {}
    if mostly_latin(text) and semantic.available():
        matrix = vectors.current_matrix()
        allowed = matrix.allowed(customers_only=customers_only, language=language)
        if allowed.any():
            query = semantic.encode([text[:ENCODE_CHARS]])[0]
            with semantic.one_blas_thread():
                cosine = matrix.vectors @ query
            cosine[~allowed] = -np.inf
            count = min(SEMANTIC_CANDIDATES, int(allowed.sum()))
            nearest = np.argpartition(-cosine, count - 1)[:count]
            candidates = {int(i) for i in nearest}
            candidates.update(matrix.positions[pk] for pk in shares if pk in matrix.positions)
            for i in candidates:
                if not allowed[i]:
                    continue
                pk = int(matrix.ids[i])
                score = float(cosine[i]) + LEXICAL_WEIGHT * shares.get(pk, 0.0)
                if score >= MIN_SCORE:
                    scores[pk] = score
    else:
        scores = {pk: share for pk, share in shares.items() if share >= MIN_LEXICAL_SHARE}
    if not scores:
        return []
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[: limit * 3]
    # The long bodies stay behind: a suggestion shows the title (an article read in full is
    # read on its own page).
    articles = (
        Article.objects.exclude(state=ArticleState.ARCHIVED)
        .filter(pk__in=[pk for pk, _ in ranked])
        .defer("environment", "cause", "resolution")
    )
    if customers_only:
        articles = articles.filter(visibility=Visibility.PUBLIC, state=ArticleState.VALIDATED)
    if language:
        articles = articles.filter(language=language)
    found = articles.in_bulk()
    return _one_per_translation(ranked, found, text_language(text))[:limit]


_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_JAPANESE = re.compile(r"[\u3040-\u30FF\u4E00-\u9FFF\uFF66-\uFF9F]")


def text_language(text: str) -> str:
    """The language a question is written in, by its letters: Japanese and Russian questions
    carry product names and error codes in Latin letters, so a third of the letters in kana,
    kanji or Cyrillic is enough."""
    letters = [c for c in text if c.isalpha()]
    russian = sum(1 for c in letters if _CYRILLIC.match(c))
    japanese = sum(1 for c in letters if _JAPANESE.match(c))
    if 3 * max(russian, japanese) < len(letters) or not letters:
        return "en"
    return "ru" if russian > japanese else "ja"


def _one_per_translation(
    ranked: list[tuple[int, float]], found: dict[int, Article], language: str
) -> list[ArticleSuggestion]:
    """One suggestion per article and its translations, in the language of the question when
    that translation is among the candidates: five slots are not spent on one answer thrice,
    and a customer who writes in Japanese reads the Japanese version."""
    best: dict[int, tuple[float, Article]] = {}
    order: list[int] = []
    for pk, score in ranked:
        article = found.get(pk)
        if article is None:
            continue
        family = article.translation_of_id or article.pk
        if family not in best:
            best[family] = (score, article)
            order.append(family)
        elif article.language == language and best[family][1].language != language:
            best[family] = (best[family][0], article)
    return [
        ArticleSuggestion(article=best[family][1], score=round(best[family][0], 4))
        for family in order
    ]


def ticket_question(ticket: Ticket) -> str:
    """What a ticket asks: its subject and first public message."""
    first = (
        Message.objects.filter(ticket=ticket, kind=MessageKind.PUBLIC)
        .order_by("created_at", "id")
        .values_list("body_text", flat=True)
        .first()
    )
    return f"{ticket.subject}\n{first or ''}".strip()


def similar_solved_tickets(
    ticket: Ticket, viewer: User, limit: int = 5, *, text: str | None = None
) -> list[SimilarTicket]:
    """Up to `limit` solved or closed tickets like this one that `viewer` may read, best first,
    never the ticket itself."""
    from tierdesk.search.selectors import match_solved_tickets

    question = text if text is not None else ticket_question(ticket)
    matches = match_solved_tickets(
        question[:TEXT_MAX], viewer=viewer, limit=limit, exclude=ticket.number
    )
    if not matches:
        return []
    found = tickets_visible_to(viewer).in_bulk([number for number, _ in matches])
    return [
        SimilarTicket(ticket=found[number], score=round(score, 4))
        for number, score in matches
        if number in found and number != ticket.number
    ]


def suggestion_rows(suggestions: list[ArticleSuggestion], url_of: Any) -> list[dict[str, Any]]:
    """The API's rows; `url_of(article)` gives the page for the viewer."""
    return [
        {
            "id": s.article.pk,
            "title": s.article.title,
            "url": url_of(s.article),
            "score": s.score,
            "language": s.article.language,
            "state": s.article.state,
            "visibility": s.article.visibility,
        }
        for s in suggestions
    ]


@dataclass(frozen=True)
class SuggestionsQuery:
    text: str
    limit: int
    language: str | None


def suggestions_query(
    *, text: str | None, limit: str | int | None, language: str | None
) -> SuggestionsQuery:
    """The API's parameters checked: `text` required and at most TEXT_MAX characters, `limit`
    1..LIMIT_MAX (default 5), `lang` a language articles are written in. Raises
    ValidationFailed naming each refused parameter."""
    from django.utils.translation import gettext as _

    from tierdesk.accounts.choices import Language

    errors: dict[str, str] = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = _("Give the text to find articles for.")
    elif len(text) > TEXT_MAX:
        errors["text"] = _("At most %(max)d characters.") % {"max": TEXT_MAX}
    count = 5
    if limit not in (None, ""):
        try:
            count = int(str(limit))
        except ValueError:
            count = 0
        if not 1 <= count <= LIMIT_MAX:
            errors["limit"] = _("A whole number from 1 to %(max)d.") % {"max": LIMIT_MAX}
    language = (language or "").strip() or None
    if language is not None and language not in Language.values:
        errors["lang"] = _("One of: %(choices)s.") % {"choices": ", ".join(Language.values)}
    if errors:
        from tierdesk.core.errors import ValidationFailed

        raise ValidationFailed(errors)
    return SuggestionsQuery(text=text, limit=count, language=language)
