"""API of search: one ranked search over articles and past tickets, filtered to what the caller
may read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from tierdesk.core.api import ErrorOut
from tierdesk.search.filters import parse_search_params
from tierdesk.search.selectors import search

router = Router(tags=["search"])

ERRORS = {401: ErrorOut, 422: ErrorOut}


class SearchQuery(Schema):
    # Plain strings: the search checks them itself, so every refusal names its field the same way.
    q: str = Field("", description="What to search for; quote a phrase, paste codes as they are.")
    type: str = Field("", description="article or ticket (default both).")
    lang: str = Field("", description="en, ja or ru.")
    state: str = Field("", description="An article's KCS state or a ticket's status.")
    product_area: str = ""
    from_: str = Field("", alias="from", description="Updated on or after (YYYY-MM-DD).")
    to: str = Field("", description="Updated on or before (YYYY-MM-DD).")
    limit: str = Field("20", description="1 to 100.")
    offset: str = Field("0", description="0 to 3999: results stop at the 4,000 ranked.")


class SearchResultOut(Schema):
    type: str
    id: int
    title: str
    snippet: str = Field(description="HTML: the text escaped, matched words in <mark>.")
    url: str
    score: float
    language: str
    status: str
    product_area: str
    updated_at: datetime


class SearchOut(Schema):
    query: str
    total: int = Field(description="Matches ranked: at most 4,000 (the newest matches).")
    total_is_lower_bound: bool = Field(
        description="More matched than were ranked: total is a lower bound; add words to narrow."
    )
    took_ms: float
    results: list[SearchResultOut]


@router.get("/search", response={200: SearchOut, **ERRORS}, summary="Search articles and tickets")
def search_index(request: HttpRequest, filters: Query[SearchQuery]) -> Any:
    """Articles and tickets you may read, best first. Every word must match; when that finds
    fewer than `limit`, any word may (error codes, identifiers and quoted phrases still must).
    Customers get public validated articles and their organization's tickets; staff also get
    internal articles and notes. 422 names each refused field."""
    params = parse_search_params({**filters.model_dump(), "from": filters.from_})
    page = search(request.auth, params.q, **params.selector_kwargs())
    return {
        "query": page.query,
        "total": page.total,
        "total_is_lower_bound": page.total_is_lower_bound,
        "took_ms": page.took_ms,
        "results": [
            {
                "type": hit.kind,
                "id": hit.id,
                "title": hit.title,
                "snippet": hit.snippet,
                "url": hit.url,
                "score": hit.score,
                "language": hit.language,
                "status": hit.status,
                "product_area": hit.product_area,
                "updated_at": hit.updated_at,
            }
            for hit in page.hits
        ],
    }
