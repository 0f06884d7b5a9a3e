"""Reads on the knowledge base, scoped to who asks (customers: public validated articles only):
lists, versions and their diffs, translations, the links of a ticket, and the KCS measures."""

from __future__ import annotations

import difflib
import html
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from tierdesk.accounts.models import SkillGroup, User
from tierdesk.core.errors import NotFound, ValidationFailed
from tierdesk.core.pagination import (
    ID_MAX,
    cursor_decode,
    cursor_encode,
    cursor_refused,
    page_limit,
)
from tierdesk.knowledge.choices import ArticleState, Visibility
from tierdesk.knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleFlag,
    ArticleLink,
    ArticleVersion,
)
from tierdesk.knowledge.services import FIELDS, REUSE_SOURCES
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.selectors import tickets_visible_to

# --- articles ----------------------------------------------------------------------------------


def articles_visible_to(user: User | None) -> QuerySet[Article]:
    """Every article `user` may read: staff all of them, customers (and anonymous readers) only
    public validated ones."""
    articles = Article.objects.all()
    if user is None or not user.is_authenticated or not user.is_support_staff:
        return articles.filter(visibility=Visibility.PUBLIC, state=ArticleState.VALIDATED)
    return articles


def article_get_for_user(user: User | None, pk: int) -> Article:
    """The article, or NotFound when it does not exist or `user` may not read it (the same
    answer, so ids reveal nothing)."""
    if not 0 < pk <= ID_MAX:
        raise NotFound(_("No such article."))
    article = (
        articles_visible_to(user).select_related("owner", "translation_of").filter(pk=pk).first()
    )
    if article is None:
        raise NotFound(_("No such article."))
    return article


@dataclass(frozen=True)
class ArticleFilters:
    """The filters of the article list, in the API and in the console."""

    q: str | None = None  # words of the title
    state: str | None = None
    visibility: str | None = None
    language: str | None = None
    product_area: str | None = None
    owner: int | str | None = None  # a person's id or "me"
    kind: str | None = None
    flagged: bool | None = None  # True: articles with an open flag for fix


def _words(q: str | None) -> list[str]:
    # A NUL cannot reach PostgreSQL in a query; it is no part of a title anyway.
    return (q or "").replace("\x00", "").split()[:8]


def _filtered(user: User, filters: ArticleFilters) -> QuerySet[Article]:
    articles = articles_visible_to(user)
    if filters.q:
        for word in _words(filters.q):
            articles = articles.filter(title__icontains=word)
    for field in ("state", "visibility", "language", "product_area", "kind"):
        value = getattr(filters, field)
        if value:
            articles = articles.filter(**{field: value})
    if filters.owner == "me":
        articles = articles.filter(owner_id=user.pk)
    elif filters.owner not in (None, ""):
        if not str(filters.owner).isdigit() or int(str(filters.owner)) > ID_MAX:
            raise ValidationFailed(owner=_('Give a person\'s id or "me".'))
        articles = articles.filter(owner_id=int(str(filters.owner)))
    if filters.flagged is True:
        articles = articles.filter(open_flags__gt=0)
    elif filters.flagged is False:
        articles = articles.filter(open_flags=0)
    return articles


def article_list(
    user: User, filters: ArticleFilters, *, cursor: str | None = None, limit: int = 50
) -> tuple[list[Article], str | None]:
    """A page of the articles `user` may read, most recently updated first, and the cursor of
    the next page (None on the last). ValidationFailed naming `cursor` or `owner` when refused."""
    limit = page_limit(limit)
    articles = _filtered(user, filters).select_related("owner")
    if cursor:
        raw = cursor_decode(cursor)
        try:
            stamp, pk = raw.rsplit("|", 1)
            after, after_pk = datetime.fromisoformat(stamp), int(pk)
        except ValueError:
            raise cursor_refused(cursor) from None
        articles = articles.filter(Q(updated_at__lt=after) | Q(updated_at=after, pk__lt=after_pk))
    rows = list(articles.order_by("-updated_at", "-pk")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = cursor_encode(f"{last.updated_at.isoformat()}|{last.pk}")
    return rows[:limit], next_cursor


def article_lookup(user: User, text: str, *, limit: int = 8) -> list[Article]:
    """Up to `limit` current articles whose title holds `text` (or whose id it is), for the
    ticket card's link box; archived articles are left out."""
    text = (text or "").replace("\x00", "").strip().lstrip("#")
    if not text:
        return []
    articles = articles_visible_to(user).exclude(state=ArticleState.ARCHIVED)
    match = Q(title__icontains=text)
    if text.isdigit() and int(text) <= ID_MAX:
        match |= Q(pk=int(text))
    return list(
        articles.filter(match).only("id", "title", "state", "visibility", "language")[:limit]
    )


PORTAL_PAGE_SIZE = 30


def portal_articles(
    user: User, *, language: str | None = None, q: str = "", page: int | str | None = 1
) -> Page:
    """A page of PORTAL_PAGE_SIZE public validated articles for the portal's help list: those
    in `language` first, then the most recently updated first (ordered in the database, so every
    article is reachable). A page number past the end gives the last page."""
    articles = articles_visible_to(user)
    for word in _words(q):
        articles = articles.filter(title__icontains=word)
    ordered = articles.only("id", "title", "language", "product_area", "kind", "updated_at")
    if language:
        ordered = ordered.annotate(
            other_language=Case(
                When(language=language, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("other_language", "-updated_at", "-pk")
    else:
        ordered = ordered.order_by("-updated_at", "-pk")
    return Paginator(ordered, PORTAL_PAGE_SIZE).get_page(page)


def translation_group(article: Article) -> list[Article]:
    """The original of `article` and all its translations, the original first, then by language."""
    original_id = article.translation_of_id or article.pk
    group = list(
        Article.objects.filter(Q(pk=original_id) | Q(translation_of_id=original_id)).only(
            "id", "title", "language", "state", "visibility", "translation_of_id"
        )
    )
    group.sort(key=lambda a: (a.translation_of_id is not None, a.language))
    return group


def missing_languages(group: list[Article]) -> list[str]:
    """The languages no article of the group is in yet."""
    from tierdesk.accounts.choices import Language

    present = {a.language for a in group}
    return [code for code in Language.values if code not in present]


@dataclass(frozen=True)
class ArticleTicketLinks:
    """The tickets an article is linked to, as `viewer` may know them: `links` to the tickets
    they may read (with their subject), and how many others are restricted ones they are not
    named on: counted, never numbered or named."""

    links: list[ArticleLink]
    restricted: int


def article_links(viewer: User, article: Article, *, limit: int = 50) -> ArticleTicketLinks:
    """The article's links newest first, up to `limit` of the tickets `viewer` may read, and the
    count of the others (restricted tickets not naming them)."""
    links = article.links.all()
    if viewer.is_support_staff:
        # From the article's few links to their tickets: the visibility rule of
        # tickets_visible_to, without building the list of every ticket a person may read.
        named = Ticket.restricted_to.through.objects.filter(
            ticket_id=OuterRef("ticket_id"), user_id=viewer.pk
        )
        readable = Q(ticket__restricted=False) | Q(Exists(named))
    else:
        readable = Q(ticket_id__in=tickets_visible_to(viewer).values("number"))
    return ArticleTicketLinks(
        links=list(
            links.filter(readable)
            .select_related("ticket", "linked_by")
            .order_by("-linked_at", "-pk")[:limit]
        ),
        restricted=links.exclude(readable).count(),
    )


def ticket_article_links(user: User, ticket: Ticket) -> list[ArticleLink]:
    """The articles linked to the ticket, with their article, newest first (one query)."""
    return list(
        ArticleLink.objects.filter(ticket=ticket)
        .select_related("article")
        .only(
            "id",
            "source",
            "linked_at",
            "ticket_id",
            "article__id",
            "article__title",
            "article__state",
            "article__visibility",
            "article__language",
        )
        .order_by("-linked_at", "-pk")
    )


def article_links_of_ticket(ticket: Ticket) -> list[ArticleLink]:
    """The ticket's links with their article and who linked, newest first, for the API."""
    return list(
        ArticleLink.objects.filter(ticket=ticket)
        .select_related("article", "linked_by")
        .order_by("-linked_at", "-pk")
    )


def article_feedback_list(article: Article, *, limit: int = 50) -> list[ArticleFeedback]:
    return list(article.feedback.select_related("person").order_by("-created_at", "-pk")[:limit])


def article_open_flags(article: Article) -> list[ArticleFlag]:
    return list(
        article.flags.filter(resolved_at__isnull=True)
        .select_related("flagged_by")
        .order_by("-created_at", "-pk")
    )


def feedback_for_owner(user: User, *, limit: int = 10) -> list[ArticleFeedback]:
    """Recent "did not help" verdicts with a comment on the articles `user` owns: what the owner
    should read to improve them."""
    return list(
        ArticleFeedback.objects.filter(article__owner=user, helped=False)
        .exclude(comment="")
        .select_related("article")
        .order_by("-created_at", "-pk")[:limit]
    )


# --- versions and diffs ------------------------------------------------------------------------


def article_versions(article: Article) -> list[ArticleVersion]:
    """Every version of the article, newest first, with who made it."""
    return list(article.versions.select_related("changed_by").order_by("-number"))


def article_version(article: Article, number: int) -> ArticleVersion:
    version = article.versions.select_related("changed_by").filter(number=number).first()
    if version is None:
        raise NotFound(_("No version %(number)d of this article.") % {"number": number})
    return version


@dataclass(frozen=True)
class FieldDiff:
    """One field compared between two versions. `rows` are side-by-side line pairs of
    (tag, old HTML, new HTML) with tag equal|replace|delete|insert; `unified` is a plain text
    unified diff."""

    field: str
    changed: bool
    rows: list[tuple[str, SafeString, SafeString]]
    unified: str


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value or "")


def _mark_words(old: str, new: str) -> tuple[str, str]:
    """The two lines escaped, with the words that differ wrapped in <del>/<ins>."""
    a, b = old.split(" "), new.split(" ")
    out_a, out_b = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        left = html.escape(" ".join(a[i1:i2]))
        right = html.escape(" ".join(b[j1:j2]))
        if tag == "equal":
            out_a.append(left)
            out_b.append(right)
        else:
            if left:
                out_a.append(f"<del>{left}</del>")
            if right:
                out_b.append(f"<ins>{right}</ins>")
    return " ".join(out_a), " ".join(out_b)


def field_diff(field: str, old: Any, new: Any) -> FieldDiff:
    old_text, new_text = _as_text(old), _as_text(new)
    a, b = old_text.splitlines(), new_text.splitlines()
    rows: list[tuple[str, SafeString, SafeString]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows.extend(
                ("equal", mark_safe(html.escape(line)), mark_safe(html.escape(line)))
                for line in a[i1:i2]
            )
            continue
        left, right = a[i1:i2], b[j1:j2]
        for k in range(max(len(left), len(right))):
            old_line = left[k] if k < len(left) else None
            new_line = right[k] if k < len(right) else None
            if old_line is not None and new_line is not None:
                marked_old, marked_new = _mark_words(old_line, new_line)
                rows.append(("replace", mark_safe(marked_old), mark_safe(marked_new)))
            elif old_line is not None:
                rows.append(("delete", mark_safe(html.escape(old_line)), mark_safe("")))
            else:
                rows.append(("insert", mark_safe(""), mark_safe(html.escape(new_line or ""))))
    unified = "\n".join(
        difflib.unified_diff(a, b, fromfile=f"{field} (old)", tofile=f"{field} (new)", lineterm="")
    )
    return FieldDiff(field=field, changed=old_text != new_text, rows=rows, unified=unified)


def version_diff(older: ArticleVersion, newer: ArticleVersion) -> list[FieldDiff]:
    """Each field of the article compared between two versions, in the article's field order."""
    return [field_diff(f, getattr(older, f), getattr(newer, f)) for f in FIELDS]


# --- KCS measures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KcsRow:
    """One engineer's or one group's KCS measures over a period.

    - solved: tickets solved in the period, by the ticket's assignee (or group) at solve time
      as the ticket now stands;
    - solved_with_article: of those, the tickets with at least one linked article;
    - link_rate: solved_with_article / solved, None when nothing was solved;
    - reuse: links through "linked" or "reply" made in the period (by the engineer; for a group,
      on the group's tickets);
    - created: articles created in the period (by the engineer; for a group, by its members);
    - flagged: distinct articles OWNED by the engineer (for a group, by its members) that got
      a flag for fix in the period, whoever flagged them: how often what they own needed fixing;
    - flags_raised: flags for fix the engineer RAISED in the period (for a group, its members;
      a person in two groups counts in both): KCS credits "flag it or fix it".
    """

    key: int | None
    name: str
    solved: int
    solved_with_article: int
    link_rate: float | None
    reuse: int
    created: int
    flagged: int
    flags_raised: int


def period_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The period from the start of `first` to the end of `last` (both included), in the
    current time zone. ValidationFailed naming `to` when it ends before it starts."""
    if last < first:
        raise ValidationFailed(to=_("The period ends before it starts."))
    zone = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _rows(
    names: dict[int, str],
    solved: dict[int, int],
    linked: dict[int, int],
    reuse: dict[int, int],
    created: dict[int, int],
    flagged: dict[int, int],
    raised: dict[int, int],
) -> list[KcsRow]:
    keys = set(solved) | set(reuse) | set(created) | set(flagged) | set(raised)
    rows = []
    for key in keys:
        count = solved.get(key, 0)
        with_article = linked.get(key, 0)
        rows.append(
            KcsRow(
                key=key,
                name=names.get(key, str(key)),
                solved=count,
                solved_with_article=with_article,
                link_rate=round(with_article / count, 4) if count else None,
                reuse=reuse.get(key, 0),
                created=created.get(key, 0),
                flagged=flagged.get(key, 0),
                flags_raised=raised.get(key, 0),
            )
        )
    rows.sort(key=lambda r: (r.name.lower(), r.key or 0))
    return rows


def _counts(rows: QuerySet[Any], key: str) -> dict[int, int]:
    return {row[key]: row["n"] for row in rows if row[key] is not None}


def kcs_measures(first: date, last: date, *, group_by: str = "engineer") -> list[KcsRow]:
    """The KCS measures of every engineer (group_by "engineer") or skill group ("group") with
    anything to count in the period from `first` to `last`, both included, ordered by name.
    See KcsRow for what each number counts."""
    if group_by not in {"engineer", "group"}:
        raise ValidationFailed(group_by=_('Give "engineer" or "group".'))
    start, end = period_bounds(first, last)
    solved = Ticket.objects.filter(solved_at__gte=start, solved_at__lt=end)
    with_article = solved.filter(Q(article_links__isnull=False)).distinct()
    links = ArticleLink.objects.filter(
        linked_at__gte=start, linked_at__lt=end, source__in=REUSE_SOURCES
    )
    created = Article.objects.filter(created_at__gte=start, created_at__lt=end)
    flags = ArticleFlag.objects.filter(created_at__gte=start, created_at__lt=end)
    if group_by == "engineer":
        solved_by = _counts(solved.values("assignee_id").annotate(n=Count("number")), "assignee_id")
        linked_by = _counts(
            Ticket.objects.filter(number__in=with_article.values("number"))
            .values("assignee_id")
            .annotate(n=Count("number")),
            "assignee_id",
        )
        reuse_by = _counts(links.values("linked_by_id").annotate(n=Count("id")), "linked_by_id")
        created_by = _counts(
            created.values("created_by_id").annotate(n=Count("id")), "created_by_id"
        )
        flagged_by = _counts(
            flags.values("article__owner_id").annotate(n=Count("article_id", distinct=True)),
            "article__owner_id",
        )
        raised_by = _counts(flags.values("flagged_by_id").annotate(n=Count("id")), "flagged_by_id")
        ids = set(solved_by) | set(reuse_by) | set(created_by) | set(flagged_by) | set(raised_by)
        names = {u.pk: u.display_name for u in User.objects.filter(pk__in=ids)}
        return _rows(names, solved_by, linked_by, reuse_by, created_by, flagged_by, raised_by)
    solved_in = _counts(solved.values("group_id").annotate(n=Count("number")), "group_id")
    linked_in = _counts(
        Ticket.objects.filter(number__in=with_article.values("number"))
        .values("group_id")
        .annotate(n=Count("number")),
        "group_id",
    )
    reuse_in = _counts(links.values("ticket__group_id").annotate(n=Count("id")), "ticket__group_id")
    created_in = _group_sum(
        dict(
            created.values("created_by_id")
            .annotate(n=Count("id"))
            .values_list("created_by_id", "n")
        )
    )
    flagged_in = _group_flagged(flags)
    raised_in = _group_sum(
        dict(
            flags.values("flagged_by_id").annotate(n=Count("id")).values_list("flagged_by_id", "n")
        )
    )
    ids = set(solved_in) | set(reuse_in) | set(created_in) | set(flagged_in) | set(raised_in)
    names = {g.pk: g.name for g in SkillGroup.objects.filter(pk__in=ids)}
    return _rows(names, solved_in, linked_in, reuse_in, created_in, flagged_in, raised_in)


def _group_sum(by_person: dict[int | None, int]) -> dict[int, int]:
    """Each group's sum of its members' counts (a person in two groups counts in both)."""
    members = User.skill_groups.through.objects.values_list("skillgroup_id", "user_id")
    counts: dict[int, int] = {}
    for group_id, user_id in members.filter(user_id__in=[p for p in by_person if p is not None]):
        counts[group_id] = counts.get(group_id, 0) + by_person[user_id]
    return counts


def _group_flagged(flags: QuerySet[ArticleFlag]) -> dict[int, int]:
    """Distinct articles owned by each group's members that were flagged in the period."""
    owned = set(flags.values_list("article__owner_id", "article_id").distinct())
    owners = {owner for owner, _article in owned if owner is not None}
    members = User.skill_groups.through.objects.filter(user_id__in=owners).values_list(
        "skillgroup_id", "user_id"
    )
    articles: dict[int, set[int]] = {}
    for group_id, user_id in members:
        articles.setdefault(group_id, set()).update(a for o, a in owned if o == user_id)
    return {group_id: len(ids) for group_id, ids in articles.items()}
