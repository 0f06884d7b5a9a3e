"""Articles: validation, versions, KCS state rules by role, archived articles, translations."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tierdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from tierdesk.knowledge.models import Article, ArticleVersion
from tierdesk.knowledge.services import (
    article_archive,
    article_create,
    article_state_change,
    article_translate,
    article_update,
)

from .conftest import make_article

pytestmark = pytest.mark.django_db


def test_create_refuses_each_bad_field_by_name(agent):
    with pytest.raises(ValidationFailed) as refused:
        article_create(
            actor=agent,
            title="x" * 251,
            problem=" ",
            resolution="",
            language="fr",
            visibility="secret",
            state="done",
            kind="faq",
            product_area="nowhere",
            tags=["ok", "not a <tag>"],
        )
    assert set(refused.value.errors) == {
        "title",
        "problem",
        "resolution",
        "language",
        "visibility",
        "state",
        "kind",
        "product_area",
        "tags",
    }
    assert Article.objects.count() == 0


def test_create_makes_version_one_owned_by_the_author(agent, written):
    article = make_article(agent, tags=["Timeout", "timeout", "query engine"], note="first")
    assert (article.version, article.owner, article.created_by) == (1, agent, agent)
    assert article.tags == ["timeout", "query_engine"]
    version = article.versions.get()
    assert (version.number, version.title, version.changed_by, version.note) == (
        1,
        article.title,
        agent,
        "first",
    )
    assert written == [[article.pk]]


def test_each_update_is_a_new_version_with_who_and_note(article, backline, written):
    article_update(actor=backline, article=article, changes={"cause": "A slow join."}, note="cause")
    article_update(actor=backline, article=article, changes={"title": "Dashboards time out"})
    article.refresh_from_db()
    assert article.version == 3
    versions = list(ArticleVersion.objects.filter(article=article).order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert (versions[1].cause, versions[1].note, versions[1].changed_by) == (
        "A slow join.",
        "cause",
        backline,
    )
    assert versions[2].title == "Dashboards time out" and versions[1].title != versions[2].title
    assert written[-2:] == [[article.pk], [article.pk]]


def test_an_update_that_changes_nothing_makes_no_version(article, agent):
    article_update(actor=agent, article=article, changes={"title": article.title})
    assert article.versions.count() == 1


def test_update_names_the_refused_field(article, agent):
    with pytest.raises(ValidationFailed) as refused:
        article_update(actor=agent, article=article, changes={"resolution": "  ", "colour": "red"})
    assert set(refused.value.errors) == {"resolution", "colour"}


def test_engineer_sets_draft_states_but_cannot_validate_or_publish(article, agent):
    article_state_change(actor=agent, article=article, state="not_validated")
    with pytest.raises(PermissionDenied):
        article_state_change(actor=agent, article=article, state="validated")
    with pytest.raises(PermissionDenied):
        article_update(actor=agent, article=article, changes={"visibility": "public"})
    with pytest.raises(PermissionDenied):
        make_article(agent, state="validated")
    article.refresh_from_db()
    assert (article.state, article.visibility) == ("not_validated", "internal")


def test_reviewer_and_customer_write_nothing(article, reviewer, alice):
    for person in (reviewer, alice):
        with pytest.raises(PermissionDenied):
            make_article(person)
        with pytest.raises(PermissionDenied):
            article_update(actor=person, article=article, changes={"title": "Mine"})


def test_manager_validates_with_a_time_and_publishes(article, manager):
    with time_machine.travel(dt.datetime(2025, 3, 4, 10, tzinfo=dt.UTC), tick=False):
        article_state_change(actor=manager, article=article, state="validated")
    article_update(actor=manager, article=article, changes={"visibility": "public"})
    article.refresh_from_db()
    assert article.validated_at == dt.datetime(2025, 3, 4, 10, tzinfo=dt.UTC)
    assert article.customers_see


def test_engineer_editing_a_validated_text_sends_it_back_to_not_validated(article, manager, agent):
    article_state_change(actor=manager, article=article, state="validated")
    with pytest.raises(PermissionDenied):
        article_state_change(actor=agent, article=article, state="wip")
    article_update(actor=agent, article=article, changes={"resolution": "Restart the engine."})
    article.refresh_from_db()
    assert article.state == "not_validated"
    # A publisher's edit keeps it validated.
    article_state_change(actor=manager, article=article, state="validated")
    article_update(actor=manager, article=article, changes={"resolution": "Restart it twice."})
    article.refresh_from_db()
    assert article.state == "validated"


def test_archived_article_is_read_only_until_restored(article, manager, agent):
    article_archive(actor=manager, article=article)
    with pytest.raises(Conflict):
        article_update(actor=manager, article=article, changes={"title": "New title"})
    with pytest.raises(PermissionDenied):
        article_state_change(actor=agent, article=article, state="wip")
    article_state_change(actor=manager, article=article, state="not_validated")
    article_update(actor=agent, article=article, changes={"title": "New title"})
    article.refresh_from_db()
    assert (article.state, article.title, article.version) == ("not_validated", "New title", 4)


def test_translation_links_to_the_original_one_per_language(article, agent):
    japanese = article_translate(actor=agent, article=article, language="ja")
    assert (japanese.translation_of, japanese.language, japanese.state) == (article, "ja", "wip")
    assert (japanese.title, japanese.resolution) == (article.title, article.resolution)
    # Translating the translation links to the same original.
    russian = article_translate(actor=agent, article=japanese, language="ru")
    assert russian.translation_of == article
    for language in ("ja", "en"):
        with pytest.raises(ValidationFailed) as refused:
            article_translate(actor=agent, article=russian, language=language)
        assert "language" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        article_update(actor=agent, article=russian, changes={"language": "ja"})
    assert "language" in refused.value.errors
    assert article.translations.count() == 2
