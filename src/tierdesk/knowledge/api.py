"""API of the knowledge base: articles and their states, versions, translations, feedback and
flags; the articles linked to a ticket; KCS measures."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from tierdesk.accounts.models import User
from tierdesk.core.api import ErrorOut, RecordId, error_response, idempotent
from tierdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from tierdesk.knowledge import selectors, services
from tierdesk.knowledge.schemas import (
    ArticleIn,
    ArticleListQuery,
    ArticleOut,
    ArticlePageOut,
    ArticlePatchIn,
    FeedbackIn,
    FeedbackOut,
    FlagIn,
    FlagOut,
    KcsRowOut,
    LinkIn,
    LinkOut,
    MeasuresQuery,
    StateIn,
    TranslationIn,
    VersionOut,
)
from tierdesk.tickets.selectors import ticket_get_for_user

router = Router(tags=["knowledge"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _staff(request: HttpRequest) -> User:
    if not request.auth.is_support_staff:
        raise PermissionDenied(_("Only staff change articles."))
    return request.auth


@router.get("/articles", response={200: ArticlePageOut, **ERRORS}, summary="List articles")
def article_index(request: HttpRequest, query: Query[ArticleListQuery]) -> Any:
    """Articles you may read, most recently updated first, a page at a time. Customers get only
    public validated articles."""
    filters = selectors.ArticleFilters(
        **query.model_dump(exclude={"cursor", "limit"}),
    )
    items, next_cursor = selectors.article_list(
        request.auth, filters, cursor=query.cursor, limit=query.limit
    )
    return {"items": items, "next_cursor": next_cursor}


@router.post("/articles", response={201: ArticleOut, **ERRORS}, summary="Create an article")
@idempotent
def article_create(request: HttpRequest, payload: ArticleIn) -> Any:
    """422 names each refused field; 403 when your role may not set that state or visibility."""
    article = services.article_create(actor=_staff(request), **payload.model_dump())
    return Status(201, selectors.article_get_for_user(request.auth, article.pk))


@router.get(
    "/articles/{article_id}", response={200: ArticleOut, **ERRORS}, summary="Read an article"
)
def article_detail(request: HttpRequest, article_id: RecordId) -> Any:
    return selectors.article_get_for_user(request.auth, article_id)


@router.patch(
    "/articles/{article_id}", response={200: ArticleOut, **ERRORS}, summary="Change an article"
)
def article_change(request: HttpRequest, article_id: RecordId, payload: ArticlePatchIn) -> Any:
    """Changes the fields present, as one new version (with `note`). 409 on an archived article
    unless the change only restores its state; 409 naming `version` when `version` is given and
    someone saved another version since."""
    actor = _staff(request)
    article = selectors.article_get_for_user(actor, article_id)
    changes = payload.model_dump(exclude_unset=True, exclude={"note", "version"})
    try:
        services.article_update(
            actor=actor,
            article=article,
            changes=changes,
            note=payload.note,
            version=payload.version,
        )
    except services.VersionConflict as error:
        return error_response(409, str(error), [{"field": error.field, "reason": str(error)}])
    return selectors.article_get_for_user(actor, article_id)


@router.delete(
    "/articles/{article_id}", response={200: ArticleOut, **ERRORS}, summary="Archive an article"
)
def article_remove(request: HttpRequest, article_id: RecordId) -> Any:
    """Archives the article rather than deleting it (managers and administrators): its history,
    links and feedback stay, and it can be restored with a state change."""
    actor = _staff(request)
    article = selectors.article_get_for_user(actor, article_id)
    services.article_archive(actor=actor, article=article)
    return selectors.article_get_for_user(actor, article_id)


@router.post(
    "/articles/{article_id}/state", response={200: ArticleOut, **ERRORS}, summary="Change KCS state"
)
def article_state(request: HttpRequest, article_id: RecordId, payload: StateIn) -> Any:
    """Engineers move between wip and not_validated; managers and administrators validate,
    archive and restore."""
    actor = _staff(request)
    article = selectors.article_get_for_user(actor, article_id)
    services.article_state_change(
        actor=actor, article=article, state=payload.state, note=payload.note
    )
    return selectors.article_get_for_user(actor, article_id)


@router.get(
    "/articles/{article_id}/versions",
    response={200: list[VersionOut], **ERRORS},
    summary="Versions of an article",
)
def version_index(request: HttpRequest, article_id: RecordId) -> Any:
    """Every version, newest first, each with a unified diff against the one before it."""
    article = selectors.article_get_for_user(_staff(request), article_id)
    versions = selectors.article_versions(article)
    for newer, older in zip(versions, [*versions[1:], None], strict=True):
        newer.diff = (  # type: ignore[attr-defined]
            "\n".join(d.unified for d in selectors.version_diff(older, newer) if d.changed)
            if older is not None
            else ""
        )
    return versions


@router.post(
    "/articles/{article_id}/translations",
    response={201: ArticleOut, **ERRORS},
    summary="Translate an article",
)
@idempotent
def translation_create(request: HttpRequest, article_id: RecordId, payload: TranslationIn) -> Any:
    """A new work-in-progress article in `language`, linked to the original and prefilled with
    this article's text to translate. 422 naming `language` when that translation exists."""
    actor = _staff(request)
    article = selectors.article_get_for_user(actor, article_id)
    translation = services.article_translate(
        actor=actor, article=article, language=payload.language
    )
    return Status(201, selectors.article_get_for_user(actor, translation.pk))


@router.post(
    "/articles/{article_id}/feedback",
    response={201: FeedbackOut, **ERRORS},
    summary="Say whether an article helped",
)
def feedback_create(request: HttpRequest, article_id: RecordId, payload: FeedbackIn) -> Any:
    """Customers and staff; your second verdict on an article replaces the first."""
    article = selectors.article_get_for_user(request.auth, article_id)
    feedback = services.article_feedback(
        actor=request.auth, article=article, helped=payload.helped, comment=payload.comment
    )
    return Status(201, feedback)


@router.post(
    "/articles/{article_id}/flags", response={201: FlagOut, **ERRORS}, summary="Flag for fix"
)
def flag_create(request: HttpRequest, article_id: RecordId, payload: FlagIn) -> Any:
    actor = _staff(request)
    article = selectors.article_get_for_user(actor, article_id)
    return Status(201, services.article_flag(actor=actor, article=article, reason=payload.reason))


@router.post(
    "/tickets/{number}/articles",
    response={201: LinkOut, 200: LinkOut, **ERRORS},
    summary="Link an article",
)
def link_create(request: HttpRequest, number: int, payload: LinkIn) -> Any:
    """Links an article to the ticket: 201, or 200 with the existing link when they already were
    linked (nothing counts twice). 422 naming `article` for an unknown or archived article."""
    actor = _staff(request)
    ticket = ticket_get_for_user(actor, number)
    article = _article_field(actor, payload.article)
    link, created = services.article_link_ticket(
        actor=actor, article=article, ticket=ticket, source=payload.source
    )
    return Status(201 if created else 200, link)


def _article_field(actor: User, article_id: int) -> Any:
    try:
        return selectors.article_get_for_user(actor, article_id)
    except NotFound:
        raise ValidationFailed(article=_("No article %(id)d.") % {"id": article_id}) from None


@router.get(
    "/tickets/{number}/articles", response={200: list[LinkOut], **ERRORS}, summary="Linked articles"
)
def link_index(request: HttpRequest, number: int) -> Any:
    actor = _staff(request)
    ticket = ticket_get_for_user(actor, number)
    return selectors.article_links_of_ticket(ticket)


@router.delete(
    "/tickets/{number}/articles/{article_id}",
    response={204: None, **ERRORS},
    summary="Unlink an article",
)
def link_remove(request: HttpRequest, number: int, article_id: RecordId) -> Any:
    actor = _staff(request)
    ticket = ticket_get_for_user(actor, number)
    article = selectors.article_get_for_user(actor, article_id)
    services.article_unlink(actor=actor, article=article, ticket=ticket)
    return Status(204, None)


@router.get("/kcs/measures", response={200: list[KcsRowOut], **ERRORS}, summary="KCS measures")
def kcs_measures(request: HttpRequest, query: Query[MeasuresQuery]) -> Any:
    """Per engineer or per skill group over the days `from` to `to` (both included): solved
    tickets, those with a linked article and the link rate, reuse (links made through linked or
    reply), articles created, distinct articles they own that were flagged for fix (`flagged`),
    and the flags for fix they raised themselves (`flags_raised`)."""
    _staff(request)
    return selectors.kcs_measures(query.from_, query.to, group_by=query.group_by)
