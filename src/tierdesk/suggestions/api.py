"""API of suggestions: articles that may answer a text, and the deflection figures per week."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router

from tierdesk.core.api import ErrorOut
from tierdesk.core.errors import PermissionDenied
from tierdesk.knowledge.models import Article
from tierdesk.suggestions.deflection import deflection_query, deflection_totals, deflection_weeks
from tierdesk.suggestions.schemas import DeflectionIn, DeflectionOut, SuggestionsIn, SuggestionsOut
from tierdesk.suggestions.selectors import suggest_articles, suggestion_rows, suggestions_query

router = Router(tags=["suggestions"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


@router.get("/suggestions", response={200: SuggestionsOut, **ERRORS}, summary="Suggest articles")
def suggestions_read(request: HttpRequest, query: Query[SuggestionsIn]) -> Any:
    """Up to `limit` articles that may answer `text`, best first, each with its score (cosine
    of sentence vectors plus a share of the word match; higher is better). Customers only ever
    get public validated articles; staff get any article not archived. 422 names each refused
    parameter: `text` missing or longer than 5,000 characters, `limit` outside 1..10, an
    unknown `lang`."""
    viewer = request.auth
    question = suggestions_query(text=query.text, limit=query.limit, language=query.lang)
    found = suggest_articles(
        question.text, viewer=viewer, limit=question.limit, language=question.language
    )
    page = "knowledge:portal_article" if viewer.is_customer else "knowledge:article"

    def url_of(article: Article) -> str:
        return request.build_absolute_uri(reverse(page, args=[article.pk]))

    return {"results": suggestion_rows(found, url_of)}


@router.get(
    "/deflection",
    response={200: DeflectionOut, **ERRORS},
    by_alias=True,
    summary="Deflection per week",
)
def deflection_read(request: HttpRequest, query: Query[DeflectionIn]) -> Any:
    """Per week (from Monday, in the caller's time zone) of portal drafts by the day they
    started: drafts, those shown at least one suggestion, deflected (the customer said an
    article answered them, or opened one and left without a request for an hour), submitted,
    abandoned, still open (shown a suggestion, not decided yet); impressions, clicks and
    articles said to help; deflection rate (deflected / shown drafts no longer open, percent)
    and click-through rate (clicks / impressions, percent). Default: the last 12 weeks; at most
    366 days. Staff only."""
    if not request.auth.is_support_staff:
        raise PermissionDenied(_("Only staff read the deflection figures."))
    question = deflection_query(
        start=query.from_,
        end=query.to,
        time_zone=getattr(request.auth, "time_zone", "") or "UTC",
    )
    weeks = deflection_weeks(question)
    return {
        "from": question.first_day,
        "to": question.last_day,
        "tz": question.time_zone,
        "weeks": [w.as_dict() for w in weeks],
        "totals": deflection_totals(weeks).as_dict(),
    }
