"""Console pages of the knowledge base: the article list, an article with its KCS state, versions,
translations, links, feedback and flags, the article form, version diffs and the KCS measures."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tierdesk.accounts.choices import Language
from tierdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tierdesk.core.spreadsheet import csv_cell
from tierdesk.knowledge import selectors, services
from tierdesk.knowledge.choices import ArticleKind, ArticleState, Visibility
from tierdesk.knowledge.forms import ArticleForm, FlagForm, initial_from
from tierdesk.knowledge.markdown import render_markdown
from tierdesk.knowledge.models import Article, ArticleFlag
from tierdesk.tickets.choices import ProductArea
from tierdesk.web.decorators import staff_required, ticket_or_404
from tierdesk.web.forms import run_service

PAGE_SIZE = 50
BODY_FIELDS = ("problem", "environment", "cause", "resolution")


def refusal_text(error: Exception) -> str:
    if isinstance(error, ValidationFailed):
        return " ".join(item["reason"] for item in error.as_list())
    return str(error)


def _article(request: HttpRequest, pk: int) -> Article:
    return selectors.article_get_for_user(request.user, pk)


def _flag(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


# --- list --------------------------------------------------------------------------------------


@staff_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    """Articles with filters; owners also see the latest "did not help" comments on theirs."""
    get = request.GET
    filters = selectors.ArticleFilters(
        q=(get.get("q") or "").strip() or None,
        state=get.get("state") if get.get("state") in ArticleState.values else None,
        visibility=get.get("visibility") if get.get("visibility") in Visibility.values else None,
        language=get.get("language") if get.get("language") in Language.values else None,
        product_area=get.get("product_area")
        if get.get("product_area") in ProductArea.values
        else None,
        owner=get.get("owner") if get.get("owner") == "me" else None,
        kind=get.get("kind") if get.get("kind") in ArticleKind.values else None,
        flagged=_flag(get.get("flagged")),
    )
    try:
        articles, next_cursor = selectors.article_list(
            request.user, filters, cursor=get.get("cursor") or None, limit=PAGE_SIZE
        )
    except ValidationFailed:
        articles, next_cursor = selectors.article_list(request.user, filters, limit=PAGE_SIZE)
    query = get.copy()
    query.pop("cursor", None)
    return render(
        request,
        "knowledge/article_list.html",
        {
            "articles": articles,
            "next_cursor": next_cursor,
            "query": query.urlencode(),
            "form": {
                key: get.get(key, "")
                for key in (
                    "q",
                    "state",
                    "visibility",
                    "language",
                    "product_area",
                    "owner",
                    "kind",
                    "flagged",
                )
            },
            "states": ArticleState.choices,
            "visibilities": Visibility.choices,
            "languages": Language.choices,
            "product_areas": ProductArea.choices,
            "kinds": ArticleKind.choices,
            "owner_feedback": selectors.feedback_for_owner(request.user),
            "can_write": services.may_write(request.user),
            "knowledge_view": "articles",
        },
    )


# --- one article -------------------------------------------------------------------------------


@staff_required
@require_GET
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    group = selectors.translation_group(article)
    versions = selectors.article_versions(article)
    states = services.allowed_states(request.user, article)
    return render(
        request,
        "knowledge/article_detail.html",
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
            "translations": group,
            "missing_languages": [
                (code, Language(code).label) for code in selectors.missing_languages(group)
            ],
            "versions": versions,
            "links": selectors.article_links(request.user, article),
            "feedback": selectors.article_feedback_list(article),
            "flags": selectors.article_open_flags(article),
            "state_moves": [
                (value, label)
                for value, label in ArticleState.choices
                if value in states and value != article.state
            ],
            "can_write": services.may_write(request.user),
            "can_publish": services.may_publish(request.user),
            "flag_form": FlagForm(),
            "knowledge_view": "articles",
        },
    )


def _form_page(
    request: HttpRequest, form: ArticleForm, article: Article | None, ticket: Any = None
) -> HttpResponse:
    return render(
        request,
        "knowledge/article_form.html",
        {"form": form, "article": article, "ticket": ticket, "knowledge_view": "articles"},
        status=422 if form.errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def article_create(request: HttpRequest) -> HttpResponse:
    if not services.may_write(request.user):
        raise PermissionDenied(_("Only engineers, managers and administrators write articles."))
    form = ArticleForm(
        request.POST or None,
        initial={
            "language": request.user.language,
            "state": ArticleState.WIP,
            "kind": ArticleKind.SOLUTION,
        },
        states=services.allowed_states(request.user, None),
        public=services.may_publish(request.user),
    )
    if request.method == "POST" and form.is_valid():
        article = run_service(
            form,
            lambda: services.article_create(
                actor=request.user, note=form.cleaned_data["note"], **form.fields_for_service()
            ),
        )
        if article is not None:
            messages.success(request, _("Article #%(id)d saved.") % {"id": article.pk})
            return redirect("knowledge:article", pk=article.pk)
    return _form_page(request, form, None)


@staff_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    if not services.may_write(request.user):
        raise PermissionDenied(_("Only engineers, managers and administrators write articles."))
    if article.state == ArticleState.ARCHIVED:
        messages.error(request, _("This article is archived; restore it before changing it."))
        return redirect("knowledge:article", pk=article.pk)
    form = ArticleForm(
        request.POST or None,
        initial=initial_from(article),
        states=services.allowed_states(request.user, article),
        public=services.may_publish(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = run_service(
                form,
                lambda: services.article_update(
                    actor=request.user,
                    article=article,
                    changes=form.fields_for_service(),
                    note=form.cleaned_data["note"],
                    version=form.cleaned_data["version"],
                ),
            )
        except services.VersionConflict as error:
            # The typed text stays; the form now carries the current version, so saving again
            # is a deliberate choice to replace the other change.
            form.add_error(None, str(error))
            form.data = form.data.copy()
            form.data["version"] = str(
                Article.objects.filter(pk=article.pk).values_list("version", flat=True).get()
            )
            saved = None
        except Conflict as error:
            form.add_error(None, str(error))
            saved = None
        if saved is not None:
            messages.success(request, _("Article #%(id)d saved.") % {"id": saved.pk})
            return redirect("knowledge:article", pk=saved.pk)
    return _form_page(request, form, article)


@staff_required
@require_POST
def article_state(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the state buttons of the article page."""
    article = _article(request, pk)
    state = request.POST.get("state", "")
    try:
        services.article_state_change(
            actor=request.user, article=article, state=state, note=request.POST.get("note", "")
        )
    except (ValidationFailed, PermissionDenied, Conflict) as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(
            request, _("The article is now %(state)s.") % {"state": ArticleState(state).label}
        )
    return redirect("knowledge:article", pk=article.pk)


@staff_required
@require_POST
def article_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Makes the article public or internal again (publishers)."""
    article = _article(request, pk)
    visibility = request.POST.get("visibility", "")
    try:
        services.article_update(
            actor=request.user, article=article, changes={"visibility": visibility}
        )
    except (ValidationFailed, PermissionDenied, Conflict) as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(
            request,
            _("The article is now %(visibility)s.") % {"visibility": Visibility(visibility).label},
        )
    return redirect("knowledge:article", pk=article.pk)


@staff_required
@require_POST
def article_translate(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Translate to …": the new translation opens in its form, prefilled with this text."""
    article = _article(request, pk)
    try:
        translation = services.article_translate(
            actor=request.user, article=article, language=request.POST.get("language", "")
        )
    except (ValidationFailed, PermissionDenied) as error:
        messages.error(request, refusal_text(error))
        return redirect("knowledge:article", pk=article.pk)
    messages.success(
        request, _("Translation #%(id)d created; translate its text.") % {"id": translation.pk}
    )
    return redirect("knowledge:edit", pk=translation.pk)


@staff_required
@require_POST
def article_flag(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    form = FlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("reason", [])))
        return redirect("knowledge:article", pk=article.pk)
    try:
        services.article_flag(
            actor=request.user, article=article, reason=form.cleaned_data["reason"]
        )
    except (ValidationFailed, PermissionDenied) as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, _("Flagged for fix."))
    return redirect("knowledge:article", pk=article.pk)


@staff_required
@require_POST
def flag_resolve(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = ArticleFlag.objects.filter(pk=flag_id).first()
    if flag is None:
        raise NotFound(_("No such flag."))
    article = _article(request, flag.article_id)
    try:
        services.article_flag_resolve(actor=request.user, flag=flag)
    except (PermissionDenied, Conflict) as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, _("Flag resolved."))
    return redirect("knowledge:article", pk=article.pk)


@staff_required
@require_GET
def version_compare(request: HttpRequest, pk: int, a: int, b: int) -> HttpResponse:
    """Two versions side by side, field by field; the older one on the left whatever the order."""
    article = _article(request, pk)
    older = selectors.article_version(article, min(a, b))
    newer = selectors.article_version(article, max(a, b))
    return render(
        request,
        "knowledge/version_diff.html",
        {
            "article": article,
            "older": older,
            "newer": newer,
            "diffs": selectors.version_diff(older, newer),
            "knowledge_view": "articles",
        },
    )


@staff_required
@require_GET
def version_pick(request: HttpRequest, pk: int) -> HttpResponse:
    """The compare form's two choices, as the diff page's address."""
    article = _article(request, pk)
    a, b = request.GET.get("a", ""), request.GET.get("b", "")
    if not (a.isdigit() and b.isdigit()) or len(a) > 9 or len(b) > 9:
        return redirect("knowledge:article", pk=article.pk)
    return redirect("knowledge:compare", pk=article.pk, a=int(a), b=int(b))


@staff_required
@require_GET
def article_lookup(request: HttpRequest) -> HttpResponse:
    """Up to eight articles whose title holds `q`, as options for the ticket card (htmx)."""
    return render(
        request,
        "knowledge/_lookup.html",
        {
            "matches": selectors.article_lookup(request.user, request.GET.get("q", "")),
            "number": request.GET.get("ticket", ""),
            "can_reply": request.user.can_reply_publicly,
        },
    )


# --- KCS measures ------------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[date, date]:
    today = timezone.localdate()
    errors: dict[str, str] = {}
    values = {}
    for name, default in (("from", today - timedelta(days=29)), ("to", today)):
        raw = request.GET.get(name) or ""
        try:
            values[name] = date.fromisoformat(raw) if raw else default
        except ValueError:
            errors[name] = _("Give a date as YYYY-MM-DD.")
    if errors:
        raise ValidationFailed(errors)
    return values["from"], values["to"]


def _measures(request: HttpRequest) -> tuple[date, date, str, list[selectors.KcsRow]]:
    first, last = _period(request)
    group_by = request.GET.get("group_by") or "engineer"
    return first, last, group_by, selectors.kcs_measures(first, last, group_by=group_by)


@staff_required
@require_GET
def measures(request: HttpRequest) -> HttpResponse:
    """KCS measures per engineer or group over a period (the last 30 days unless chosen)."""
    context: dict[str, Any] = {"knowledge_view": "measures", "query": request.GET.urlencode()}
    try:
        first, last, group_by, rows = _measures(request)
    except ValidationFailed as error:
        context.update(errors=error.as_list(), form=request.GET.dict())
        return render(request, "knowledge/measures.html", context, status=422)
    context.update(
        rows=rows,
        form={"from": first.isoformat(), "to": last.isoformat(), "group_by": group_by},
    )
    return render(request, "knowledge/measures.html", context)


@staff_required
@require_GET
def measures_csv(request: HttpRequest) -> HttpResponse:
    try:
        first, last, group_by, rows = _measures(request)
    except ValidationFailed as error:
        reasons = "\n".join(f"{item['field']}: {item['reason']}" for item in error.as_list())
        return HttpResponse(reasons, status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="kcs-{group_by}-{first:%Y-%m-%d}-{last:%Y-%m-%d}.csv"'
    )
    writer = csv.writer(response)
    columns = [
        "solved",
        "solved_with_article",
        "link_rate",
        "reuse",
        "created",
        "flagged",
        "flags_raised",
    ]
    writer.writerow(["id", group_by, *columns])
    for row in rows:
        writer.writerow(
            [row.key, csv_cell(row.name), *(csv_cell(getattr(row, c)) for c in columns)]
        )
    return response


# --- from a ticket -----------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def article_from_ticket(request: HttpRequest, number: int) -> HttpResponse:
    """The article form prefilled from the ticket; saving links the article to it ("created")."""
    ticket = ticket_or_404(request, number)
    if not services.may_write(request.user):
        raise PermissionDenied(_("Only engineers, managers and administrators write articles."))
    try:
        prefill = services.ticket_prefill(ticket)
    except ValidationFailed as error:
        messages.error(request, refusal_text(error))
        return redirect("tickets:detail", number=ticket.number)
    form = ArticleForm(
        request.POST or None,
        initial={
            **prefill,
            "tags": ", ".join(prefill["tags"]),
            "state": ArticleState.WIP,
            "kind": ArticleKind.SOLUTION,
            "visibility": Visibility.INTERNAL,
        },
        states=services.allowed_states(request.user, None),
        public=services.may_publish(request.user),
    )
    if request.method == "POST" and form.is_valid():
        fields = form.fields_for_service()
        article = run_service(
            form,
            lambda: services.article_create_from_ticket(
                actor=request.user, ticket=ticket, fields=fields
            ),
        )
        if article is not None:
            messages.success(
                request,
                _("Article #%(id)d created from ticket #%(number)d.")
                % {"id": article.pk, "number": ticket.number},
            )
            return redirect("knowledge:article", pk=article.pk)
    return _form_page(request, form, None, ticket=ticket)
