"""Who follows changes to articles: the search index and the suggestion vectors register here,
so the knowledge app knows neither."""

from __future__ import annotations

from collections.abc import Callable, Collection

# Each listener is called as listener(article_ids) inside the writing transaction, after any
# article was created or its text, state, visibility, language, kind, tags or product area
# changed. Counters (reuse, feedback, open flags) change without telling: neither the index nor
# the suggestion vectors hold them, and each call makes every process reload its vectors.
ARTICLE_LISTENERS: list[Callable[[Collection[int]], None]] = []


def articles_written(article_ids: Collection[int]) -> None:
    for listener in ARTICLE_LISTENERS:
        listener(article_ids)
