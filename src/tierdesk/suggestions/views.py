"""Pages of suggestions: the articles shown as a customer types a new request (an htmx partial),
the tracking redirect that opens one, the "this answered my question" answer, and the
deflection figures for staff (page and CSV)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tierdesk.core.errors import ValidationFailed
from tierdesk.knowledge.choices import ArticleState, Visibility
from tierdesk.knowledge.models import Article
from tierdesk.suggestions import services
from tierdesk.suggestions.deflection import (
    DeflectionQuery,
    DeflectionWeek,
    deflection_query,
    deflection_totals,
    deflection_weeks,
    top_deflecting_articles,
)
from tierdesk.suggestions.panels import card_context
from tierdesk.suggestions.selectors import suggest_articles
from tierdesk.web.decorators import customer_required, staff_required, ticket_or_404

PORTAL_LIMIT = 5
# Fewer characters than this say too little to suggest anything from.
PORTAL_TEXT_MIN = 4


def _public_article_or_404(pk: int) -> Article:
    article = Article.objects.filter(
        pk=pk, visibility=Visibility.PUBLIC, state=ArticleState.VALIDATED
    ).first()
    if article is None:
        raise Http404(_("No such article."))
    return article


def portal_article_url(article: Article, draft: UUID | None = None) -> str:
    url = reverse("knowledge:portal_article", args=[article.pk])
    return f"{url}?draft={draft}" if draft else url


@customer_required
@require_POST
def portal_suggestions(request: HttpRequest) -> HttpResponse:
    """The partial under the new-request form: up to five public articles for what the customer
    has typed, each shown recorded once per draft (the form's hidden `draft`)."""
    subject = request.POST.get("subject", "")[:250]
    description = request.POST.get("description", "")[:5000]
    text = f"{subject}\n{description}".strip()
    suggestions = []
    if len(text) >= PORTAL_TEXT_MIN:
        suggestions = suggest_articles(text, viewer=request.user, limit=PORTAL_LIMIT)
    draft_id = request.POST.get("draft")
    draft = None
    if suggestions or services.draft_for(request.user, draft_id) is not None:
        draft = services.draft_touch(person=request.user, draft_id=draft_id)
    if draft is not None and suggestions:
        services.suggestions_shown(draft=draft, article_ids=[s.article.pk for s in suggestions])
    rows = [
        {
            "article": s.article,
            "url": reverse("suggestions:open", args=[draft.pk, s.article.pk])
            if draft is not None
            else portal_article_url(s.article),
        }
        for s in suggestions
    ]
    return render(request, "suggestions/_portal_suggestions.html", {"rows": rows})


@customer_required
@require_GET
def portal_open(request: HttpRequest, draft: UUID, article: int) -> HttpResponse:
    """Records that the customer opened a suggested article, then shows it (with the draft, so
    the article page can ask whether it answered them). Only the customer's existing draft that
    was shown the article records anything; otherwise this just opens the article."""
    found = _public_article_or_404(article)
    opened = services.suggestion_opened(person=request.user, draft_id=draft, article=found)
    return redirect(portal_article_url(found, opened.pk if opened is not None else None))


@customer_required
@require_POST
def portal_answered(request: HttpRequest, draft: UUID, article: int) -> HttpResponse:
    """The customer said the article answered them: no request needed."""
    found = _public_article_or_404(article)
    if services.draft_deflected(person=request.user, draft_id=draft, article=found) is None:
        raise Http404(_("No such request draft."))
    messages.success(request, _("Glad it helped. No request was opened."))
    return redirect("portal:home")


@staff_required
@require_GET
def ticket_card(request: HttpRequest, number: int) -> HttpResponse:
    """The ticket page's "Suggested" card: articles that may answer the ticket and similar
    solved tickets (fetched by the card once the page has loaded)."""
    ticket = ticket_or_404(request, number)
    return render(
        request,
        "suggestions/_ticket_panel.html",
        {"panel": card_context(request.user, ticket)},
    )


# --- the deflection page -------------------------------------------------------------------

CHART_WIDTH = 960
CHART_HEIGHT = 180
PLOT_LEFT = 44
PLOT_RIGHT = 16
PLOT_TOP = 16
PLOT_BOTTOM = 30


@dataclass(frozen=True)
class Bar:
    week: date
    x: float
    width: float
    y: float
    height: float
    rate: float | None
    deflected: int
    decided: int
    label: bool

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def value_y(self) -> float:
        return round(self.y - 4, 1)


def _y(percent: float) -> float:
    plot = CHART_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    return round(PLOT_TOP + plot * (1 - percent / 100), 1)


def _chart(weeks: list[DeflectionWeek]) -> dict[str, Any]:
    """The weekly deflection rate laid out for an inline SVG (0 to 100%)."""
    slot = (CHART_WIDTH - PLOT_LEFT - PLOT_RIGHT) / max(1, len(weeks))
    width = round(slot * 0.7, 1)
    every = -(-len(weeks) // 12) or 1
    bars = []
    for i, week in enumerate(weeks):
        rate = week.deflection_rate
        y = min(_y(rate), _y(0) - 2) if rate is not None else _y(0)
        bars.append(
            Bar(
                week=week.week,
                x=round(PLOT_LEFT + slot * i + (slot - width) / 2, 1),
                width=width,
                y=y,
                height=round(_y(0) - y, 1),
                rate=rate,
                deflected=week.deflected,
                decided=week.decided,
                label=i % every == 0,
            )
        )
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": PLOT_LEFT,
        "right": CHART_WIDTH - PLOT_RIGHT,
        "axis_label_x": PLOT_LEFT - 6,
        "date_label_y": CHART_HEIGHT - PLOT_BOTTOM + 16,
        "grid": [(percent, _y(percent)) for percent in (0, 50, 100)],
        "bars": bars,
    }


def _question(request: HttpRequest) -> DeflectionQuery:
    return deflection_query(
        start=request.GET.get("from"),
        end=request.GET.get("to"),
        time_zone=getattr(request.user, "time_zone", "") or "UTC",
    )


@staff_required
@require_GET
def deflection_page(request: HttpRequest) -> HttpResponse:
    """Deflection per week: drafts shown a suggestion, deflected ones and the rate, with
    impressions, clicks and click-through, and the articles that deflected most."""
    context: dict[str, Any] = {"tools_view": "deflection", "errors": []}
    try:
        question = _question(request)
    except ValidationFailed as error:
        context["errors"] = error.as_list()
        context["form"] = {"from": request.GET.get("from", ""), "to": request.GET.get("to", "")}
        return render(request, "suggestions/deflection.html", context, status=422)
    weeks = deflection_weeks(question)
    context.update(
        question=question,
        weeks=weeks,
        totals=deflection_totals(weeks),
        chart=_chart(weeks),
        top=top_deflecting_articles(question),
        form={"from": question.first_day.isoformat(), "to": question.last_day.isoformat()},
        csv_query=request.GET.urlencode(),
    )
    return render(request, "suggestions/deflection.html", context)


CSV_COLUMNS = [
    "week",
    "drafts",
    "shown",
    "deflected",
    "deflected_explicitly",
    "submitted",
    "abandoned",
    "still_open",
    "impressions",
    "clicks",
    "helpful",
    "deflection_rate",
    "click_through_rate",
]


@staff_required
@require_GET
def deflection_csv(request: HttpRequest) -> HttpResponse:
    """The page's weeks as CSV; 422 with the reasons as text when the period is refused."""
    try:
        question = _question(request)
    except ValidationFailed as error:
        reasons = "\n".join(f"{item['field']}: {item['reason']}" for item in error.as_list())
        return HttpResponse(reasons, status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="deflection-{question.first_day}-{question.last_day}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for week in deflection_weeks(question):
        row = week.as_dict()
        writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
    return response


urlpatterns = [
    path("portal/suggestions/", portal_suggestions, name="portal"),
    path("portal/suggestions/<uuid:draft>/open/<int:article>/", portal_open, name="open"),
    path(
        "portal/suggestions/<uuid:draft>/answered/<int:article>/",
        portal_answered,
        name="answered",
    ),
    path("tickets/<int:number>/suggested/", ticket_card, name="ticket_card"),
    path("knowledge/deflection/", deflection_page, name="deflection"),
    path("knowledge/deflection.csv", deflection_csv, name="deflection_csv"),
]
