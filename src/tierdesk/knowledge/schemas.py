"""API shapes of articles, their versions, links to tickets, feedback, flags and KCS measures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

from tierdesk.accounts.choices import Language
from tierdesk.accounts.schemas import PersonRef, sees_staff_details
from tierdesk.core.api import RecordId
from tierdesk.core.pagination import PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX
from tierdesk.knowledge.choices import ArticleKind, ArticleState, LinkSource, Visibility
from tierdesk.knowledge.markdown import render_markdown
from tierdesk.tickets.choices import ProductArea
from tierdesk.tickets.schemas import INPUT_CONFIG

STAFF_ONLY = "Null for customers."
MARKDOWN = "Markdown."


def _absolute(context: Any, path: str) -> str:
    request = (context or {}).get("request")
    return request.build_absolute_uri(path) if request is not None else path


class BodyHtmlOut(Schema):
    """Each Markdown field rendered as sanitised HTML."""

    problem: str
    environment: str
    cause: str
    resolution: str


class ArticleOut(Schema):
    """An article. Customers only ever get public validated ones, without the staff fields."""

    id: int
    title: str
    problem: str = Field(..., description=MARKDOWN)
    environment: str = Field(..., description=MARKDOWN)
    cause: str = Field(..., description=MARKDOWN)
    resolution: str = Field(..., description=MARKDOWN)
    body_html: BodyHtmlOut
    kind: str = Field(..., description="solution, or template (a code block to copy).")
    tags: list[str]
    product_area: str
    language: str
    visibility: str = Field(..., description="internal or public.")
    state: str = Field(..., description="wip, not_validated, validated or archived.")
    owner: PersonRef | None = Field(None, description=STAFF_ONLY)
    translation_of: int | None = Field(None, validation_alias="translation_of_id")
    version: int
    reuse_count: int
    helped_count: int
    not_helped_count: int
    open_flags: int | None = Field(None, description=STAFF_ONLY)
    created_at: datetime
    updated_at: datetime
    validated_at: datetime | None
    url: str = Field(
        "", description="The article's page: the console for staff, the portal for customers."
    )

    @staticmethod
    def resolve_body_html(obj: Any) -> dict[str, str]:
        return {
            field: str(render_markdown(getattr(obj, field)))
            for field in ("problem", "environment", "cause", "resolution")
        }

    @staticmethod
    def resolve_owner(obj: Any, context: Any) -> Any:
        return obj.owner if sees_staff_details(context) else None

    @staticmethod
    def resolve_open_flags(obj: Any, context: Any) -> int | None:
        return obj.open_flags if sees_staff_details(context) else None

    @staticmethod
    def resolve_url(obj: Any, context: Any) -> str:
        name = "knowledge:article" if sees_staff_details(context) else "knowledge:portal_article"
        return _absolute(context, reverse(name, args=[obj.pk]))


class ArticlePageOut(Schema):
    items: list[ArticleOut]
    next_cursor: str | None = None


def _split_tags(value: Any) -> Any:
    if isinstance(value, str):
        return [tag for tag in value.split(",") if tag.strip()]
    return value


class ArticleIn(Schema):
    model_config = INPUT_CONFIG

    title: str
    problem: str = Field(..., description=MARKDOWN)
    environment: str = Field("", description=MARKDOWN)
    cause: str = Field("", description=MARKDOWN)
    resolution: str = Field(..., description=MARKDOWN)
    kind: ArticleKind = ArticleKind.SOLUTION
    tags: list[str] = []
    product_area: ProductArea | Literal[""] = ""
    language: Language = Language.ENGLISH
    visibility: Visibility = Field(
        Visibility.INTERNAL, description="public: managers and administrators only."
    )
    state: ArticleState = Field(
        ArticleState.WIP,
        description="Engineers: wip or not_validated; managers and administrators: any.",
    )
    owner: int | str | None = Field(
        None, description="A staff member's id or username; you by default."
    )
    note: str = Field("", description="What this version changed, for the history.")

    _tags = field_validator("tags", mode="before")(_split_tags)


class ArticlePatchIn(Schema):
    """Only the fields present are changed, as one new version."""

    model_config = INPUT_CONFIG

    title: str | None = None
    problem: str | None = None
    environment: str | None = None
    cause: str | None = None
    resolution: str | None = None
    kind: ArticleKind | None = None
    tags: list[str] | None = None
    product_area: ProductArea | Literal[""] | None = None
    language: Language | None = None
    visibility: Visibility | None = None
    state: ArticleState | None = None
    owner: int | str | None = None
    note: str = ""
    version: int | None = Field(
        None,
        ge=1,
        description="The version you read before changing it: 409 naming `version` when the "
        "article has changed since, rather than silently undoing that change.",
    )

    _tags = field_validator("tags", mode="before")(_split_tags)


class StateIn(Schema):
    model_config = INPUT_CONFIG

    state: ArticleState
    note: str = ""


class TranslationIn(Schema):
    model_config = INPUT_CONFIG

    language: Language


class FeedbackIn(Schema):
    model_config = INPUT_CONFIG

    helped: bool
    comment: str = ""


class FeedbackOut(Schema):
    id: int
    article: int = Field(..., validation_alias="article_id")
    helped: bool
    comment: str
    created_at: datetime


class FlagIn(Schema):
    model_config = INPUT_CONFIG

    reason: str


class FlagOut(Schema):
    id: int
    article: int = Field(..., validation_alias="article_id")
    reason: str
    flagged_by: PersonRef | None
    created_at: datetime
    resolved_by: PersonRef | None
    resolved_at: datetime | None


class VersionOut(Schema):
    """The article as one version left it, and who made the change."""

    number: int
    title: str
    problem: str
    environment: str
    cause: str
    resolution: str
    kind: str
    tags: list[str]
    product_area: str
    language: str
    visibility: str
    state: str
    changed_by: PersonRef | None
    changed_at: datetime
    note: str
    diff: str = Field(
        "", description="Unified diff of every changed field against the version before."
    )


class LinkIn(Schema):
    model_config = INPUT_CONFIG

    article: RecordId = Field(..., description="The article's id.")
    source: Literal["linked", "reply"] = Field(
        LinkSource.LINKED, description="linked, or reply (inserted in a public reply)."
    )


class LinkOut(Schema):
    article: ArticleRefOut
    ticket: int = Field(..., validation_alias="ticket_id")
    source: str
    linked_by: PersonRef | None
    linked_at: datetime


class ArticleRefOut(Schema):
    id: int
    title: str
    state: str
    visibility: str
    language: str


class ArticleListQuery(Schema):
    model_config = ConfigDict(use_enum_values=True)

    q: str | None = Field(None, description="Words of the title.")
    state: ArticleState | None = None
    visibility: Visibility | None = None
    language: Language | None = None
    product_area: ProductArea | None = None
    owner: str | None = Field(None, description='A person\'s id, or "me".')
    kind: ArticleKind | None = None
    flagged: bool | None = Field(None, description="true: only articles with an open flag for fix.")
    cursor: str | None = None
    limit: int = Field(PAGE_LIMIT_DEFAULT, ge=1, le=PAGE_LIMIT_MAX)


class MeasuresQuery(Schema):
    from_: date = Field(..., alias="from", description="First day, included (YYYY-MM-DD).")
    to: date = Field(..., description="Last day, included (YYYY-MM-DD).")
    group_by: Literal["engineer", "group"] = "engineer"


class KcsRowOut(Schema):
    id: int | None = Field(None, validation_alias="key")
    name: str
    solved: int
    solved_with_article: int
    link_rate: float | None = Field(
        None, description="solved_with_article / solved; null when nothing was solved."
    )
    reuse: int
    created: int
    flagged: int = Field(
        ...,
        description="Distinct articles they own (a group: its members own) that someone flagged "
        "for fix in the period.",
    )
    flags_raised: int = Field(
        ...,
        description="Flags for fix they raised in the period (a group: its members raised).",
    )


LinkOut.model_rebuild()
