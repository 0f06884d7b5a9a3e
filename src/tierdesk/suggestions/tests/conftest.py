"""Articles for the suggestion tests, written the way the knowledge services write them (so the
vector listener runs), and words-only matching standing in for search where a test says so."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from tierdesk.knowledge.choices import ArticleState, Visibility
from tierdesk.knowledge.events import articles_written
from tierdesk.knowledge.models import Article
from tierdesk.suggestions import vectors


@pytest.fixture(autouse=True)
def _fresh_matrix():
    # A rolled-back test's token and rows must not answer for the next test's.
    vectors.forget_matrix()
    yield
    vectors.forget_matrix()


def make_article(
    title: str,
    *,
    problem: str = "",
    resolution: str = "See the steps.",
    visibility: str = Visibility.PUBLIC,
    state: str = ArticleState.VALIDATED,
    language: str = "en",
) -> Article:
    now = timezone.now()
    article = Article.objects.create(
        title=title,
        problem=problem or title,
        resolution=resolution,
        visibility=visibility,
        state=state,
        language=language,
        created_at=now,
        updated_at=now,
    )
    articles_written([article.pk])
    return article


@pytest.fixture
def write_articles(django_capture_on_commit_callbacks):
    """Calls make_article with the after-commit encoding run, as in production."""

    def write(*args, **kwargs) -> Article:
        with django_capture_on_commit_callbacks(execute=True):
            return make_article(*args, **kwargs)

    return write


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


@pytest.fixture
def words_only(monkeypatch):
    """Stands in for search.match_articles: any shared word matches, scored by how many; with
    the same permission rule (customers: public validated; staff: all but archived)."""
    from tierdesk.suggestions import selectors

    def match(text, viewer, language):
        customers = selectors._customers_only(viewer)
        words = _words(text)
        found = []
        for article in Article.objects.exclude(state=ArticleState.ARCHIVED):
            if customers and not article.customers_see:
                continue
            if language and article.language != language:
                continue
            shared = len(words & _words(f"{article.title} {article.problem}"))
            if shared:
                found.append((article.pk, float(shared)))
        return sorted(found, key=lambda item: -item[1])

    monkeypatch.setattr(selectors, "_lexical_articles", match)
    return match
