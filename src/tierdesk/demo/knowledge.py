# ruff: noqa: RUF001 - the texts are Japanese and Russian on purpose.
"""The demo desk's knowledge base: an article per kind of request in English with its Japanese and
Russian translations, linked to the solved tickets they answer, with customers' feedback and the
portal's suggestion history, so search, suggestions and the KCS measures have real figures."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from tierdesk.accounts.models import User
from tierdesk.demo import content
from tierdesk.knowledge.choices import ArticleKind, ArticleState, LinkSource, Visibility
from tierdesk.knowledge.models import Article, ArticleFeedback, ArticleLink
from tierdesk.knowledge.services import article_create, article_flag
from tierdesk.suggestions.choices import DraftOutcome
from tierdesk.suggestions.choices import EventKind as SuggestionKind
from tierdesk.suggestions.models import PortalDraft, SuggestionEvent
from tierdesk.tickets.choices import EventKind, Status
from tierdesk.tickets.models import Ticket, TicketEvent

SEED = 6
# Share of the solved tickets of a kind whose engineer linked its article: the desk's link rate.
LINK_SHARE = 0.55
FEEDBACK_PER_ARTICLE = (0, 6)
AUTHOR = "manager1"
OWNERS = ("agent1", "m.orlov", "m.yamamoto", "o.belova", "p.raman")
# The first of each value keeps an article's text concrete, as the customer's words were; SQL
# goes in a code block readers copy.
FIRST_VALUES = {name: values[0] for name, values in content.VALUES.items()}
ARTICLE_VALUES = {
    **FIRST_VALUES,
    "sql": f"\n```sql\n{FIRST_VALUES['sql']}\n```\n",
    "trace": f"\n```\n{content.OOM_TRACE}\n```\n",
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
_SUBQUERY = f"```sql\n{content.SUBQUERY_SQL}\n```"
# SQL templates: articles whose code block customers copy.
TEMPLATES = {
    "latest_row_template": {
        "en": (
            "SQL template: latest row per customer without QUALIFY",
            "QUALIFY fails with a syntax error on versions before 8.1, and we need the latest order "
            "of each customer.",
            "Number the rows in a subquery and filter on the number outside it; this runs on every "
            f"version:\n\n{_SUBQUERY}\n\nReplace `customer_id` with the column that groups the "
            "rows and `created_at` with the one that orders them.",
        ),
        "ja": (
            "SQLテンプレート: QUALIFY を使わずに顧客ごとの最新行を取得する",
            "8.1 より前のバージョンでは QUALIFY が構文エラーになります。顧客ごとの最新の注文を取得したいです。",
            f"サブクエリで行番号を付け、その外側で番号を絞り込みます。すべてのバージョンで動作します。\n\n{_SUBQUERY}\n\n"
            "`customer_id` をグループ化する列に、`created_at` を並び順の列に置き換えてください。",
        ),
        "ru": (
            "Шаблон SQL: последняя строка по каждому клиенту без QUALIFY",
            "В версиях до 8.1 QUALIFY даёт синтаксическую ошибку, а нам нужен последний заказ "
            "каждого клиента.",
            "Пронумеруйте строки в подзапросе и отфильтруйте по номеру снаружи; это работает во всех "
            f"версиях:\n\n{_SUBQUERY}\n\nЗамените `customer_id` на столбец группировки, а "
            "`created_at` на столбец сортировки.",
        ),
    },
    "daily_users_template": {
        "en": (
            "SQL template: daily active users from page views",
            "We want a daily count of distinct users from events.page_views for a dashboard.",
            "Count distinct users per day over the range you need:\n\n```sql\n"
            "SELECT date_trunc('day', v.ts) AS day, count(DISTINCT s.user_id) AS active_users\n"
            "FROM events.page_views v\nJOIN events.sessions s USING (session_id)\n"
            "WHERE v.ts >= now() - INTERVAL '30 days'\nGROUP BY 1\nORDER BY 1\n```\n\n"
            "On large tables, filter on the partition column `ts` first so only the needed days are read.",
        ),
    },
}
FLAGS = (
    "The steps name the 7.x menu; since 8.1 the setting is under Administration → Connections.",
    "Add the error text customers paste, so search finds this article for it.",
)


def seed_knowledge_demo() -> int:
    """Writes the knowledge base when it holds no article; returns how many articles it wrote."""
    if Article.objects.exists():
        return 0
    rng = random.Random(SEED)
    staff = {u.username: u for u in User.objects.filter(username__in=(AUTHOR, *OWNERS))}
    if AUTHOR not in staff:
        return 0
    articles = _articles(rng, staff)
    _links(rng, articles)
    _feedback(rng, [a for group in articles.values() for a in group.values()])
    _flags(staff, articles)
    _portal_history(rng, articles)
    return sum(len(group) for group in articles.values())


def _title(template: str) -> str:
    return " ".join(template.format_map(FIRST_VALUES).split())[:250]


def _body(template: str) -> str:
    return template.format_map(ARTICLE_VALUES)


def _state_of(index: int, scenario: content.Scenario) -> tuple[str, str]:
    """(state, visibility): most answers are published; feature requests stay with the team,
    and a few articles are still being written or checked, as on a real desk."""
    if index % 11 == 5:
        return ArticleState.WIP, Visibility.INTERNAL
    if index % 7 == 3:
        return ArticleState.NOT_VALIDATED, Visibility.INTERNAL
    if scenario.type == "feature_request":
        return ArticleState.VALIDATED, Visibility.INTERNAL
    return ArticleState.VALIDATED, Visibility.PUBLIC


def _articles(rng: random.Random, staff: dict[str, User]) -> dict[str, dict[str, Article]]:
    author = staff[AUTHOR]
    owners = [staff[name] for name in OWNERS if name in staff] or [author]
    written: dict[str, dict[str, Article]] = {}
    for index, scenario in enumerate(content.SCENARIOS):
        state, visibility = _state_of(index, scenario)
        owner = owners[index % len(owners)]
        group: dict[str, Article] = {}
        for language in ("en", "ja", "ru"):
            if language not in scenario.subject:
                continue
            group[language] = article_create(
                actor=author,
                title=_title(scenario.subject[language]),
                problem=_body(scenario.body[language]),
                resolution=_body(scenario.answer[language]),
                environment=f"{content.PRODUCT} {FIRST_VALUES['version']}",
                tags=list(scenario.tags),
                product_area=scenario.area,
                language=language,
                visibility=visibility,
                state=state,
                owner=owner,
                translation_of=group.get("en"),
            )
        written[scenario.key] = group
    for key, texts in TEMPLATES.items():
        group = {}
        for language, (title, problem, resolution) in texts.items():
            group[language] = article_create(
                actor=author,
                title=title,
                problem=problem,
                resolution=resolution,
                environment=f"{content.PRODUCT} 7.6, 8.0",
                kind=ArticleKind.TEMPLATE,
                tags=["sql", "template"],
                product_area="query_engine",
                language=language,
                visibility=Visibility.PUBLIC,
                state=ArticleState.VALIDATED,
                owner=owners[0],
                translation_of=group.get("en"),
            )
        written[key] = group
    return written


def _subject_pattern(template: str) -> re.Pattern[str]:
    parts = PLACEHOLDER.split(" ".join(template.split()))
    # split() alternates literal text and placeholder names.
    regex = "".join(re.escape(p) if i % 2 == 0 else ".+?" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$")


def _links(rng: random.Random, articles: dict[str, dict[str, Article]]) -> None:
    """Links a share of each kind's solved tickets to its article in the ticket's language (the
    English one when there is no translation), as the engineer who solved it, when it was solved."""
    patterns = [
        (scenario.key, language, _subject_pattern(subject))
        for scenario in content.SCENARIOS
        for language, subject in scenario.subject.items()
    ]
    solved = Ticket.objects.filter(
        status__in=(Status.SOLVED, Status.CLOSED), solved_at__isnull=False, restricted=False
    ).values_list("number", "subject", "language", "assignee_id", "solved_at")
    links: list[ArticleLink] = []
    events: list[TicketEvent] = []
    for number, subject, language, assignee_id, solved_at in solved.iterator(chunk_size=2000):
        if rng.random() >= LINK_SHARE:
            continue
        key = next((k for k, lang, p in patterns if lang == language and p.match(subject)), None)
        group = articles.get(key or "")
        if not group:
            continue
        article = group.get(language) or group["en"]
        if article.state == ArticleState.WIP:
            continue
        at = solved_at - timedelta(minutes=rng.randint(1, 30))
        links.append(
            ArticleLink(
                article=article,
                ticket_id=number,
                source=LinkSource.LINKED,
                linked_by_id=assignee_id,
                linked_at=at,
            )
        )
        events.append(
            TicketEvent(
                ticket_id=number,
                actor_id=assignee_id,
                kind=EventKind.CHANGED,
                field="articles",
                from_value="",
                to_value=str(article.pk),
                data={
                    "from_label": "",
                    "to_label": f"#{article.pk} {article.title}",
                    "source": "linked",
                },
                created_at=at,
            )
        )
    with transaction.atomic():
        ArticleLink.objects.bulk_create(links, batch_size=2000)
        TicketEvent.objects.bulk_create(events, batch_size=2000)
        counts = ArticleLink.objects.values("article").annotate(n=Count("id"))
        for row in counts:
            Article.objects.filter(pk=row["article"]).update(reuse_count=row["n"])


def _feedback(rng: random.Random, articles: list[Article]) -> None:
    customers = list(User.objects.filter(role="customer").order_by("pk")[:400])
    if not customers:
        return
    now = timezone.now()
    rows: list[ArticleFeedback] = []
    for article in articles:
        if not article.customers_see:
            continue
        for person in rng.sample(customers, rng.randint(*FEEDBACK_PER_ARTICLE)):
            helped = rng.random() < 0.78
            rows.append(
                ArticleFeedback(
                    article=article,
                    person=person,
                    helped=helped,
                    comment="" if helped or rng.random() < 0.5 else _complaint(article.language),
                    created_at=now
                    - timedelta(days=rng.randint(1, 120), minutes=rng.randint(0, 1439)),
                )
            )
    with transaction.atomic():
        ArticleFeedback.objects.bulk_create(rows, batch_size=2000)
        for article in articles:
            mine = [r for r in rows if r.article_id == article.pk]
            Article.objects.filter(pk=article.pk).update(
                helped_count=sum(r.helped for r in mine),
                not_helped_count=sum(not r.helped for r in mine),
            )


def _complaint(language: str) -> str:
    return {
        "ja": "手順どおりに設定しましたが、同じエラーが出ます。",
        "ru": "Сделал всё по шагам, но ошибка осталась.",
    }.get(language, "I followed the steps but still get the same error.")


def _flags(staff: dict[str, User], articles: dict[str, dict[str, Article]]) -> None:
    flagger = staff.get("agent1") or staff[AUTHOR]
    published = [g["en"] for g in articles.values() if "en" in g and g["en"].customers_see]
    for article, reason in zip(published[1::9], FLAGS, strict=False):
        article_flag(actor=flagger, article=article, reason=reason)


HISTORY_WEEKS = 12
# Of the customers who opened a suggested article and then did not submit, this share said so.
SAID_IT_ANSWERED = 0.5


def _portal_history(rng: random.Random, articles: dict[str, dict[str, Article]]) -> None:
    """The portal's last twelve weeks of drafts: every portal request was a draft that was shown
    articles before it was submitted, and beside them the drafts an article ended (deflected)
    or that were left without reading one (abandoned)."""
    readable = {
        key: {lang: a for lang, a in group.items() if a.customers_see}
        for key, group in articles.items()
    }
    everything = [a for group in readable.values() for a in group.values()]
    if not everything:
        return
    now = timezone.now()
    since = now - timedelta(weeks=HISTORY_WEEKS)
    patterns = [
        (scenario.key, language, _subject_pattern(subject))
        for scenario in content.SCENARIOS
        for language, subject in scenario.subject.items()
    ]
    requests = Ticket.objects.filter(
        channel="portal", created_at__gte=since, requester__role="customer"
    ).values_list("number", "subject", "language", "requester_id", "organization_id", "created_at")
    drafts: list[PortalDraft] = []
    events: list[SuggestionEvent] = []
    for number, subject, language, person_id, org_id, created_at in requests.iterator():
        key = next((k for k, lang, p in patterns if lang == language and p.match(subject)), None)
        own = readable.get(key or "", {}).get(language)
        shown = _shown(rng, everything, own, language)
        started = created_at - timedelta(minutes=rng.randint(2, 12))
        draft = PortalDraft(
            person_id=person_id,
            organization_id=org_id,
            started_at=started,
            last_activity_at=created_at,
            outcome=DraftOutcome.SUBMITTED,
            ended_at=created_at,
            ticket_id=number,
            shown_count=len(shown),
        )
        drafts.append(draft)
        events += [_event(draft, a, SuggestionKind.IMPRESSION, started) for a in shown]
        # The article did not answer this one; some opened it first anyway.
        if own is not None and rng.random() < 0.25:
            draft.clicked_count = 1
            events.append(_event(draft, own, SuggestionKind.CLICK, started + timedelta(minutes=1)))
        # For each request submitted, about one more visitor found the answer first or left.
        if rng.random() < 0.45:
            _unsubmitted(rng, drafts, events, everything, person_id, org_id, started, now)
    with transaction.atomic():
        PortalDraft.objects.bulk_create(drafts, batch_size=2000)
        SuggestionEvent.objects.bulk_create(events, batch_size=5000)


def _shown(
    rng: random.Random, everything: list[Article], own: Article | None, language: str
) -> list[Article]:
    same_language = [a for a in everything if a.language == language] or everything
    shown = rng.sample(same_language, min(len(same_language), rng.randint(2, 5)))
    if own is not None and own not in shown:
        shown[0] = own
    return shown


def _unsubmitted(
    rng: random.Random,
    drafts: list[PortalDraft],
    events: list[SuggestionEvent],
    everything: list[Article],
    person_id: int,
    org_id: int | None,
    around: datetime,
    now: datetime,
) -> None:
    started = around - timedelta(hours=rng.randint(1, 72))
    if started >= now - timedelta(hours=2):
        return
    shown = rng.sample(everything, min(len(everything), rng.randint(1, 5)))
    read = rng.random() < 0.7
    draft = PortalDraft(
        person_id=person_id,
        organization_id=org_id,
        started_at=started,
        last_activity_at=started + timedelta(minutes=3),
        outcome=DraftOutcome.DEFLECTED if read else DraftOutcome.ABANDONED,
        deflected_explicitly=read and rng.random() < SAID_IT_ANSWERED,
        ended_at=started + timedelta(minutes=3) if read else started + timedelta(hours=1),
        shown_count=len(shown),
        clicked_count=1 if read else 0,
    )
    drafts.append(draft)
    events.extend(_event(draft, a, SuggestionKind.IMPRESSION, started) for a in shown)
    if read:
        events.append(_event(draft, shown[0], SuggestionKind.CLICK, started + timedelta(minutes=1)))
        if draft.deflected_explicitly:
            events.append(
                _event(draft, shown[0], SuggestionKind.HELPFUL, started + timedelta(minutes=3))
            )


def _event(draft: PortalDraft, article: Article, kind: str, at: datetime) -> SuggestionEvent:
    return SuggestionEvent(draft=draft, article=article, kind=kind, at=at)
