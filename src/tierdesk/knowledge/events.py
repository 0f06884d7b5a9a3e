"""Who follows changes to articles: the search index and the suggestion vectors register here,
so the knowledge app knows neither."""

from __future__ import annotations

from collections.abc import Callable, Collection

# Each listener is called as listener(article_ids) inside the writing transaction, after any
# article was created, changed (text, state, visibility, language) or deleted.
ARTICLE_LISTENERS: list[Callable[[Collection[int]], None]] = []


def articles_written(article_ids: Collection[int]) -> None:
    for listener in ARTICLE_LISTENERS:
        listener(article_ids)
