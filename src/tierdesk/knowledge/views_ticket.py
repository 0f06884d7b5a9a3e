"""The knowledge card's actions on the ticket page (link, unlink, the text "Insert in reply" puts in
the reply) and the customers' help pages in the portal: the list of public articles and one
article with its feedback form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tierdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from tierdesk.knowledge import selectors, services
from tierdesk.knowledge.choices import LinkSource
from tierdesk.knowledge.forms import FeedbackForm
from tierdesk.knowledge.markdown import render_markdown
from tierdesk.knowledge.models import Article
from tierdesk.knowledge.panels import card_context
from tierdesk.knowledge.views import BODY_FIELDS, refusal_text
from tierdesk.tickets.models import Ticket
from tierdesk.web.decorators import customer_required, staff_required, ticket_or_404

DEFLECT_PROMPT = "suggestions/_deflect_prompt.html"


def _back(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """The card again for htmx, the ticket page otherwise."""
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request, "knowledge/_ticket_panel.html", {"panel": card_context(request, ticket)}
        )
    return redirect("tickets:detail", number=ticket.number)


@staff_required
@require_POST
def ticket_link(request: HttpRequest, number: int) -> HttpResponse:
    """Links the article named by `article` (its id) to the ticket, `source` linked or reply."""
    ticket = ticket_or_404(request, number)
    # The lookup's buttons send `article`; without scripts the typed "#id" comes as `q`.
    raw = (request.POST.get("article") or request.POST.get("q") or "").strip().lstrip("#")
    source = request.POST.get("source") or LinkSource.LINKED
    try:
        if source not in (LinkSource.LINKED, LinkSource.REPLY):
            raise ValidationFailed(source=_("Give linked or reply."))
        if not raw.isdigit():
            raise ValidationFailed(article=_("Choose an article."))
        try:
            article = selectors.article_get_for_user(request.user, int(raw))
        except NotFound:
            raise ValidationFailed(article=_("No article %(id)s.") % {"id": raw[:20]}) from None
        _link, created = services.article_link_ticket(
            actor=request.user, article=article, ticket=ticket, source=source
        )
    except (ValidationFailed, PermissionDenied) as error:
        messages.error(request, refusal_text(error))
    else:
        if created:
            messages.success(request, _("Article #%(id)d linked.") % {"id": article.pk})
    return _back(request, ticket)


@staff_required
@require_GET
def reply_text(request: HttpRequest, pk: int) -> HttpResponse:
    """What "Insert in reply" puts in the reply box, as JSON {title, text, url}: the title, the
    resolution and the address the customer opens. Only public validated articles: an internal
    one never lands in a customer's reply (422 naming `article`)."""
    article = selectors.article_get_for_user(request.user, pk)
    if not article.customers_see:
        reason = _("Only public validated articles go into a reply to the customer.")
        return JsonResponse(
            {"detail": reason, "errors": [{"field": "article", "reason": reason}]}, status=422
        )
    return JsonResponse(
        {
            "id": article.pk,
            "title": article.title,
            "text": article.resolution,
            "url": request.build_absolute_uri(
                reverse("knowledge:portal_article", args=[article.pk])
            ),
        }
    )


@staff_required
@require_POST
def ticket_unlink(request: HttpRequest, number: int, article_id: int) -> HttpResponse:
    ticket = ticket_or_404(request, number)
    try:
        article = selectors.article_get_for_user(request.user, article_id)
        services.article_unlink(actor=request.user, article=article, ticket=ticket)
    except (NotFound, PermissionDenied) as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, _("Article #%(id)d unlinked.") % {"id": article.pk})
    return _back(request, ticket)


# --- portal ------------------------------------------------------------------------------------


@customer_required
@require_GET
def portal_list(request: HttpRequest) -> HttpResponse:
    """Public validated articles, those in the customer's language first."""
    q = (request.GET.get("q") or "").strip()
    page = selectors.portal_articles(
        request.user, language=request.user.language, q=q, page=request.GET.get("page")
    )
    return render(request, "knowledge/portal_list.html", {"page": page, "q": q})


def _deflect_prompt() -> str | None:
    # The suggestions app draws the "this answered my question" prompt; without it the page
    # still works.
    try:
        get_template(DEFLECT_PROMPT)
    except TemplateDoesNotExist:
        return None
    return DEFLECT_PROMPT


def _portal_article(request: HttpRequest, pk: int) -> Article:
    try:
        article = selectors.article_get_for_user(request.user, pk)
    except NotFound:
        raise Http404(_("No such article.")) from None
    if not article.customers_see:
        raise Http404(_("No such article."))
    return article


@login_required
@require_http_methods(["GET", "POST"])
def portal_article(request: HttpRequest, pk: int) -> HttpResponse:
    """A public validated article for customers (404 otherwise), with the feedback form; staff
    are sent to the console's page of it."""
    if request.user.is_support_staff:
        return redirect("knowledge:article", pk=pk)
    article = _portal_article(request, pk)
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.article_feedback(
            actor=request.user,
            article=article,
            helped=form.cleaned_data["helped"],
            comment=form.cleaned_data["comment"],
        )
        messages.success(request, _("Thank you for your feedback."))
        return redirect("knowledge:portal_article", pk=article.pk)
    return render(
        request,
        "knowledge/portal_article.html",
        {
            "article": article,
            "bodies": [
                (
                    field,
                    Article._meta.get_field(field).verbose_name,
                    render_markdown(getattr(article, field)),
                )
                for field in BODY_FIELDS
                if getattr(article, field).strip()
            ],
            "form": form,
            "deflect_prompt": _deflect_prompt(),
        },
        status=422 if form.errors else 200,
    )
