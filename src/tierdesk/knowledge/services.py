"""Writes on the knowledge base: articles and their versions, KCS state changes, translations,
links to tickets (reuse), feedback and flags for fix. Every write that changes what an article says
or who may read it tells `knowledge.events.articles_written` inside its transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Language, Role
from tierdesk.accounts.models import User
from tierdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tierdesk.knowledge.choices import ArticleKind, ArticleState, LinkSource, Visibility
from tierdesk.knowledge.events import articles_written
from tierdesk.knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleFlag,
    ArticleLink,
    ArticleVersion,
)
from tierdesk.knowledge.validation import (
    COMMENT_MAX,
    TAGS_MAX,
    TITLE_MAX,
    clean_choice,
    clean_fields,
    clean_note,
    clean_text,
)
from tierdesk.tickets.choices import EventKind, MessageKind, ProductArea
from tierdesk.tickets.events import record_event
from tierdesk.tickets.models import Ticket

# The text and settings of an article, as the API and the forms name them; each change of any of
# them makes a new version.
TEXT_FIELDS = ("title", "problem", "environment", "cause", "resolution")
FIELDS = (*TEXT_FIELDS, "kind", "tags", "product_area", "language", "visibility", "state")
# Links through which an article was reused to solve a ticket; "created" is the capture itself.
REUSE_SOURCES = frozenset({LinkSource.LINKED, LinkSource.REPLY})
# What a writer who is not a publisher may set: work in progress and not yet validated.
DRAFT_STATES = frozenset({ArticleState.WIP, ArticleState.NOT_VALIDATED})


# --- who may do what ---------------------------------------------------------------------------


def may_write(user: User) -> bool:
    """Engineers, managers and administrators write articles; quality reviewers and customers
    read them (and give feedback, and reviewers flag them for fix)."""
    return user.is_authenticated and user.role in {Role.AGENT, Role.MANAGER, Role.ADMIN}


def may_publish(user: User) -> bool:
    """KCS publishers validate, archive and make articles public: managers and administrators."""
    return user.is_authenticated and user.role in {Role.MANAGER, Role.ADMIN}


def _ensure_writer(actor: User) -> None:
    if not may_write(actor):
        raise PermissionDenied(_("Only engineers, managers and administrators write articles."))


def allowed_states(actor: User, article: Article | None) -> list[str]:
    """The states `actor` may move `article` to (or create one in, with None), its own included."""
    if may_publish(actor):
        return list(ArticleState.values)
    if not may_write(actor):
        return []
    if article is not None and article.state not in DRAFT_STATES:
        return [article.state]
    return [ArticleState.WIP, ArticleState.NOT_VALIDATED]


def _check_rules(actor: User, article: Article | None, clean: dict[str, Any]) -> None:
    """The KCS rules on state and visibility, by role. `article` is None on creation."""
    state = clean.get("state")
    if state is not None and state not in allowed_states(actor, article):
        if article is not None and article.state not in DRAFT_STATES:
            raise PermissionDenied(
                _("Only managers and administrators change a %(state)s article's state.")
                % {"state": ArticleState(article.state).label}
            )
        raise PermissionDenied(
            _(
                "Only managers and administrators validate or archive articles; engineers set "
                "work in progress or not validated."
            )
        )
    visibility = clean.get("visibility")
    becomes_public = visibility == Visibility.PUBLIC and (
        article is None or article.visibility != Visibility.PUBLIC
    )
    if becomes_public and not may_publish(actor):
        raise PermissionDenied(_("Only managers and administrators make an article public."))


def _snapshot(article: Article, actor: User | None, at: Any, note: str) -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        changed_by=actor,
        changed_at=at,
        note=note,
        **{field: getattr(article, field) for field in FIELDS},
    )


# --- articles ----------------------------------------------------------------------------------


def article_create(
    *,
    actor: User,
    title: str,
    problem: str,
    resolution: str,
    environment: str = "",
    cause: str = "",
    kind: str = ArticleKind.SOLUTION,
    tags: list[str] | None = None,
    product_area: str = "",
    language: str = Language.ENGLISH,
    visibility: str = Visibility.INTERNAL,
    state: str = ArticleState.WIP,
    owner: User | int | str | None = None,
    note: str = "",
    translation_of: Article | None = None,
) -> Article:
    """A new article at version 1, owned by `owner` (the author by default), with its first
    version. Engineers create work in progress or not validated, internal articles; managers and
    administrators may create them validated and public.

    Raises ValidationFailed naming every refused field, PermissionDenied for a role rule."""
    _ensure_writer(actor)
    clean = clean_fields(
        {
            "title": title,
            "problem": problem,
            "environment": environment,
            "cause": cause,
            "resolution": resolution,
            "kind": kind,
            "tags": tags or [],
            "product_area": product_area,
            "language": language,
            "visibility": visibility,
            "state": state,
            "owner": owner,
        }
    )
    note = clean_note(note)
    _check_rules(actor, None, clean)
    now = timezone.now()
    with transaction.atomic():
        if translation_of is not None:
            _check_translation_language(translation_of, clean["language"])
        article = Article.objects.create(
            **{**clean, "owner": clean["owner"] or actor},
            translation_of=translation_of,
            version=1,
            created_by=actor,
            created_at=now,
            updated_at=now,
            validated_at=now if clean["state"] == ArticleState.VALIDATED else None,
        )
        _snapshot(article, actor, now, note)
        articles_written([article.pk])
    return article


class VersionConflict(Conflict):
    """The article changed since the writer opened the version they edited; `field` names what
    the API's answer points at."""

    field = "version"


def _check_version(article: Article, version: Any) -> None:
    if version is None or version == "":
        return
    try:
        opened = int(version)
    except (TypeError, ValueError):
        raise ValidationFailed(version=_("Give the version number you edited.")) from None
    if opened == article.version:
        return
    latest = article.versions.select_related("changed_by").order_by("-number").first()
    who = latest.changed_by.display_name if latest and latest.changed_by else _("someone")
    at = timezone.localtime(latest.changed_at if latest else article.updated_at)
    raise VersionConflict(
        _(
            "This article was changed by %(who)s at %(at)s (version %(version)d) since you "
            "opened version %(opened)d. Compare their change, then save again to replace it."
        )
        % {
            "who": who,
            "at": at.strftime("%Y-%m-%d %H:%M"),
            "version": article.version,
            "opened": opened,
        }
    )


def article_update(
    *,
    actor: User,
    article: Article,
    changes: dict[str, Any],
    note: str = "",
    version: int | None = None,
) -> Article:
    """Applies the changed fields (any of FIELDS and `owner`) as one new version, by `actor`,
    with an optional note. Nothing changes (and no version is made) when every value is as it
    was.

    `version`, when given, is the version the writer opened: VersionConflict (a Conflict naming
    `version`) when someone saved another since, so concurrent edits never silently undo each
    other.

    An archived article is read-only: only a state change (restoring it) is taken, otherwise
    Conflict. When an engineer changes the text of a validated article it goes back to "not
    validated", so what customers read was always validated by a publisher.

    Raises ValidationFailed naming each refused field, PermissionDenied for a role rule."""
    _ensure_writer(actor)
    clean = clean_fields(changes)
    note = clean_note(note)
    now = timezone.now()
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        _check_version(article, version)
        changed = {
            field: value
            for field, value in clean.items()
            if (getattr(article, field) if field != "owner" else article.owner) != value
        }
        if "owner" in changed and changed["owner"] is None:
            changed.pop("owner")  # an article always has an owner; clearing keeps the current
        if not changed:
            return article
        if article.state == ArticleState.ARCHIVED and set(changed) != {"state"}:
            raise Conflict(_("This article is archived; restore it before changing it."))
        _check_rules(actor, article, changed)
        if "language" in changed:
            original = article.translation_of
            if original is not None:
                _check_translation_language(original, changed["language"], exclude=article.pk)
            elif article.translations.filter(language=changed["language"]).exists():
                raise ValidationFailed(
                    language=_("A translation of this article is already in that language.")
                )
        text_changed = any(field in changed for field in TEXT_FIELDS)
        if (
            text_changed
            and article.state == ArticleState.VALIDATED
            and "state" not in changed
            and not may_publish(actor)
        ):
            changed["state"] = ArticleState.NOT_VALIDATED
        for field, value in changed.items():
            setattr(article, field, value)
        if changed.get("state") == ArticleState.VALIDATED:
            article.validated_at = now
        article.version += 1
        article.updated_at = now
        article.save()
        _snapshot(article, actor, now, note)
        articles_written([article.pk])
    return article


def article_state_change(*, actor: User, article: Article, state: str, note: str = "") -> Article:
    """Moves the article to `state` by the KCS rules (see allowed_states); validating sets
    `validated_at`; restoring an archived article is a state change like any other."""
    return article_update(actor=actor, article=article, changes={"state": state}, note=note)


def article_archive(*, actor: User, article: Article, note: str = "") -> Article:
    """Archives the article (publishers only): it stays, read-only, and customers no longer see it."""
    return article_state_change(
        actor=actor, article=article, state=ArticleState.ARCHIVED, note=note
    )


# --- translations ------------------------------------------------------------------------------


def _check_translation_language(
    original: Article, language: str, exclude: int | None = None
) -> None:
    if original.language == language:
        raise ValidationFailed(language=_("The original article is already in this language."))
    others = original.translations.filter(language=language)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise ValidationFailed(
            language=_("This article already has a translation in %(language)s.")
            % {"language": Language(language).label}
        )


def article_translate(*, actor: User, article: Article, language: str) -> Article:
    """A new work-in-progress internal article in `language`, linked to the original of
    `article` (an article and its translations share one original) and prefilled with the text
    of `article`, for the translator to rewrite. One translation per language per original:
    ValidationFailed naming `language` otherwise."""
    _ensure_writer(actor)
    clean = clean_fields({"language": language})
    with transaction.atomic():
        original = Article.objects.select_for_update().get(
            pk=article.translation_of_id or article.pk
        )
        _check_translation_language(original, clean["language"])
        return article_create(
            actor=actor,
            title=article.title,
            problem=article.problem,
            environment=article.environment,
            cause=article.cause,
            resolution=article.resolution,
            kind=article.kind,
            tags=list(article.tags),
            product_area=article.product_area,
            language=clean["language"],
            note=_("Translation of #%(id)d") % {"id": article.pk},
            translation_of=original,
        )


# --- links to tickets --------------------------------------------------------------------------


def _article_label(article: Article) -> str:
    return f"#{article.pk} {article.title}"


def article_link_ticket(
    *, actor: User, article: Article, ticket: Ticket, source: str = LinkSource.LINKED
) -> tuple[ArticleLink, bool]:
    """Links the article to the ticket (the caller checked `actor` may read the ticket) and
    answers (link, created). A pair already linked answers the existing link and False, counting
    nothing twice; inserting in a reply an article only linked so far upgrades that link's source
    to `reply`. A link through `linked` or `reply` is a reuse and counts in the article's
    `reuse_count`; `created` records the capture. The ticket's history records the link.

    Only public validated articles go into a reply (a customer reads it): ValidationFailed
    naming `article` for any other with source `reply`.

    Links change only counters, which neither the search index nor the suggestion vectors hold,
    so they do not tell `articles_written`."""
    _ensure_writer(actor)
    errors: dict[str, str] = {}
    clean_choice(errors, "source", source, LinkSource.values)
    if errors:
        raise ValidationFailed(errors)
    now = timezone.now()
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        if source == LinkSource.REPLY and not article.customers_see:
            raise ValidationFailed(
                article=_(
                    "Only public validated articles go into a reply to the customer; "
                    "this one is not."
                )
            )
        existing = ArticleLink.objects.filter(article=article, ticket=ticket).first()
        if existing is not None:
            if existing.source == LinkSource.LINKED and source == LinkSource.REPLY:
                # Already counted as a reuse when linked: only the source changes.
                existing.source = LinkSource.REPLY
                existing.save(update_fields=["source"])
            return existing, False
        if article.state == ArticleState.ARCHIVED:
            raise ValidationFailed(article=_("This article is archived; link a current one."))
        link = ArticleLink.objects.create(
            article=article, ticket=ticket, source=source, linked_by=actor, linked_at=now
        )
        if source in REUSE_SOURCES:
            Article.objects.filter(pk=article.pk).update(reuse_count=F("reuse_count") + 1)
        record_event(
            ticket,
            actor=actor,
            kind=EventKind.CHANGED,
            at=now,
            field="articles",
            old="",
            new=article.pk,
            data={"from_label": "", "to_label": _article_label(article), "source": source},
        )
    return link, True


def article_unlink(*, actor: User, article: Article, ticket: Ticket) -> None:
    """Removes the link; a reuse no longer counts. NotFound when they are not linked."""
    _ensure_writer(actor)
    now = timezone.now()
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        link = ArticleLink.objects.filter(article=article, ticket=ticket).first()
        if link is None:
            raise NotFound(_("This article is not linked to the ticket."))
        link.delete()
        if link.source in REUSE_SOURCES and article.reuse_count > 0:
            Article.objects.filter(pk=article.pk).update(reuse_count=F("reuse_count") - 1)
        record_event(
            ticket,
            actor=actor,
            kind=EventKind.CHANGED,
            at=now,
            field="articles",
            old=article.pk,
            new="",
            data={"from_label": _article_label(article), "to_label": ""},
        )


def ensure_capturable(ticket: Ticket) -> None:
    """ValidationFailed naming `ticket` for a restricted ticket: its text is kept from everyone
    but the staff named on it, and an article is read by all staff (and customers once public)."""
    if ticket.restricted:
        raise ValidationFailed(
            ticket=_(
                "This ticket is restricted: its text cannot be copied into an article. "
                "Write the article without it."
            )
        )


def ticket_prefill(ticket: Ticket) -> dict[str, Any]:
    """An article's fields drawn from a ticket: the subject as title, the customer's first
    message as problem, the product area and ticket fields as environment, the last public staff
    reply as resolution (empty when staff have not replied), the ticket's language and area.
    ValidationFailed naming `ticket` for a restricted ticket (ensure_capturable)."""
    ensure_capturable(ticket)
    messages = list(
        ticket.messages.filter(kind=MessageKind.PUBLIC)
        .select_related("author")
        .only("body_text", "author__role", "created_at")
        .order_by("created_at", "id")
    )
    from_customer = [m for m in messages if m.author.is_customer]
    from_staff = [m for m in messages if not m.author.is_customer]
    problem = (from_customer or messages)[0].body_text if messages else ""
    environment = []
    if ticket.product_area:
        environment.append(f"{_('Product area')}: {ProductArea(ticket.product_area).label}")
    environment.append(f"{_('Type')}: {ticket.get_type_display()}")
    if ticket.tags:
        environment.append(f"{_('Tags')}: {', '.join(ticket.tags)}")
    return {
        "title": ticket.subject[:TITLE_MAX],
        "problem": problem.strip(),
        "environment": "\n".join(f"- {line}" for line in environment),
        "cause": "",
        "resolution": from_staff[-1].body_text.strip() if from_staff else "",
        "product_area": ticket.product_area,
        "language": ticket.language,
        "tags": list(ticket.tags)[:TAGS_MAX],
    }


def article_create_from_ticket(
    *, actor: User, ticket: Ticket, fields: dict[str, Any] | None = None
) -> Article:
    """An article prefilled from the ticket (ticket_prefill), any of `fields` written over the
    prefill, linked to the ticket with source "created". Raises ValidationFailed naming each
    refused field (a ticket with no staff reply has no resolution to take), `ticket` for a
    restricted ticket."""
    values = {**ticket_prefill(ticket), **(fields or {})}
    with transaction.atomic():
        article = article_create(
            actor=actor,
            note=_("Created from ticket #%(number)d") % {"number": ticket.number},
            **values,
        )
        article_link_ticket(actor=actor, article=article, ticket=ticket, source=LinkSource.CREATED)
    return article


# --- feedback and flags ------------------------------------------------------------------------


def article_feedback(
    *, actor: User, article: Article, helped: bool, comment: str = ""
) -> ArticleFeedback:
    """Records whether the article helped `actor`, with an optional comment, and keeps the
    article's counters. One verdict per person: a second one replaces the first. A customer gives
    feedback only on an article they may read (public and validated), NotFound otherwise. Only
    counters change: the listeners of `articles_written` are not told."""
    errors: dict[str, str] = {}
    comment = clean_text(errors, "comment", comment, required=False, limit=COMMENT_MAX)
    if errors:
        raise ValidationFailed(errors)
    now = timezone.now()
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        if actor.is_customer and not article.customers_see:
            raise NotFound(_("No such article."))
        earlier = ArticleFeedback.objects.filter(article=article, person=actor).first()
        counters: dict[str, Any] = {}
        if earlier is not None:
            old = "helped_count" if earlier.helped else "not_helped_count"
            counters[old] = F(old) - 1
            earlier.delete()
        new = "helped_count" if helped else "not_helped_count"
        counters[new] = (counters[new] + 1) if new in counters else F(new) + 1
        feedback = ArticleFeedback.objects.create(
            article=article, person=actor, helped=bool(helped), comment=comment, created_at=now
        )
        Article.objects.filter(pk=article.pk).update(**counters)
    return feedback


def article_flag(*, actor: User, article: Article, reason: str) -> ArticleFlag:
    """Flags the article for fix (staff only), open until someone resolves it."""
    if not actor.is_support_staff:
        raise PermissionDenied(_("Only staff flag articles for fix."))
    errors: dict[str, str] = {}
    reason = clean_text(errors, "reason", reason, required=True, limit=COMMENT_MAX)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        flag = ArticleFlag.objects.create(
            article=article, flagged_by=actor, reason=reason, created_at=timezone.now()
        )
        Article.objects.filter(pk=article.pk).update(open_flags=F("open_flags") + 1)
    return flag


def article_flag_resolve(*, actor: User, flag: ArticleFlag) -> ArticleFlag:
    """Marks the flag resolved. Conflict when it already was."""
    _ensure_writer(actor)
    with transaction.atomic():
        Article.objects.select_for_update().get(pk=flag.article_id)
        flag = ArticleFlag.objects.select_related("article").get(pk=flag.pk)
        if flag.resolved_at is not None:
            raise Conflict(_("This flag was already resolved."))
        flag.resolved_by = actor
        flag.resolved_at = timezone.now()
        flag.save(update_fields=["resolved_by", "resolved_at"])
        Article.objects.filter(pk=flag.article_id, open_flags__gt=0).update(
            open_flags=F("open_flags") - 1
        )
    return flag
