"""Search pages: the console's search over articles and tickets for staff, and the portal's over
public articles and the organization's requests for customers. One view each; an htmx request
gets the results alone."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tierdesk.accounts.choices import Language
from tierdesk.core.errors import ValidationFailed
from tierdesk.knowledge.choices import ArticleState
from tierdesk.search import backend
from tierdesk.search.filters import SearchParams, parse_search_params
from tierdesk.search.selectors import SearchPage, search
from tierdesk.tickets.choices import ProductArea, Status
from tierdesk.web.decorators import customer_required, staff_required

PAGE_SIZE = 20


def _results(request: HttpRequest) -> dict[str, Any]:
    data = request.GET.dict()
    data["limit"] = str(PAGE_SIZE)
    errors: list[dict[str, str]] = []
    page: SearchPage | None = None
    params: SearchParams | None = None
    try:
        params = parse_search_params(data, require_query=False)
    except ValidationFailed as refusal:
        errors = refusal.as_list()
    if params is not None and params.q:
        page = search(request.user, params.q, **params.selector_kwargs())
    offset = params.offset if params else 0
    query = request.GET.copy()
    query.pop("offset", None)
    return {
        "params": params,
        "values": request.GET,
        "errors": errors,
        "page": page,
        "base_query": query.urlencode(),
        "previous_offset": max(0, offset - PAGE_SIZE) if offset else None,
        # page.total stops at the candidates ranked, so paging stops where the hits do.
        # Offsets stop where the API's do (before CANDIDATES), articles-only searches included.
        "next_offset": offset + PAGE_SIZE
        if page and offset + PAGE_SIZE < min(page.total, backend.CANDIDATES)
        else None,
        "candidates": backend.CANDIDATES,
        "first": offset + 1,
        "last": offset + len(page.hits) if page else 0,
        "languages": Language.choices,
        "product_areas": ProductArea.choices,
    }


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    if request.htmx and not request.htmx.boosted:
        return render(request, "search/_results.html", context)
    return render(request, template, context)


@staff_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """Articles (all but archived, unless asked) and tickets, internal notes included."""
    context = _results(request)
    context.update(
        article_states=ArticleState.choices,
        ticket_statuses=Status.choices,
        tools_view="search",
        search_in_page=True,
    )
    return _render(request, "search/search.html", context)


@customer_required
@require_GET
def portal_search(request: HttpRequest) -> HttpResponse:
    """Public articles and the customer's organization's requests."""
    return _render(request, "search/portal_search.html", _results(request))
