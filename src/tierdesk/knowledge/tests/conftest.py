"""Fixtures of the knowledge tests: an article to work on, and a record of what the search
index and the suggestions would be told."""

from __future__ import annotations

import pytest

from tierdesk.knowledge import events
from tierdesk.knowledge.services import article_create


@pytest.fixture
def written(monkeypatch) -> list[list[int]]:
    """Every articles_written call, as the listeners would receive them."""
    calls: list[list[int]] = []
    monkeypatch.setattr(events, "ARTICLE_LISTENERS", [lambda ids: calls.append(list(ids))])
    return calls


def make_article(actor, **fields):
    values = {
        "title": "Dashboards time out with ERR_QUERY_TIMEOUT",
        "problem": "Every dashboard fails with `ERR_QUERY_TIMEOUT` since 4.2.",
        "resolution": "Raise `query.timeout` to 120 s in the workspace settings.",
        **fields,
    }
    return article_create(actor=actor, **values)


@pytest.fixture
def article(agent):
    return make_article(agent)


@pytest.fixture
def public_article(manager):
    """A public validated article: what customers read."""
    return make_article(
        manager,
        title="Reset a forgotten password",
        visibility="public",
        state="validated",
        resolution="Open **Sign in** and choose *Forgot password*.",
    )
