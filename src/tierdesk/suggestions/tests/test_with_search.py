"""Suggestions with the search app's real word matching (its index kept in step after commit)."""

import pytest

from tierdesk.knowledge.choices import ArticleState, Visibility
from tierdesk.suggestions import semantic
from tierdesk.suggestions.selectors import suggest_articles

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(write_articles):
    return {
        "ja": write_articles(
            "ダッシュボードの読み込みが遅い",
            problem="ダッシュボードの表示に時間がかかります。",
            language="ja",
        ),
        "ru": write_articles(
            "Не удаётся экспортировать отчёт в CSV",  # noqa: RUF001
            problem="Экспорт отчёта завершается ошибкой.",
            language="ru",
        ),
        "en": write_articles("Query fails with ERR_QUERY_TIMEOUT"),
        "ja_internal": write_articles(
            "ダッシュボードの内部設定", language="ja", visibility=Visibility.INTERNAL
        ),
        "ru_wip": write_articles(
            "Экспорт отчётов: внутренняя заметка", language="ru", state=ArticleState.WIP
        ),
    }


def test_japanese_and_russian_questions_find_their_articles_on_words_alone(
    library, alice, monkeypatch
):
    monkeypatch.setattr(semantic, "encode", lambda texts: pytest.fail("encoded"))

    japanese = suggest_articles("ダッシュボードが遅いです", viewer=alice)
    russian = suggest_articles("экспорт отчётов не работает", viewer=alice)

    assert [s.article for s in japanese] == [library["ja"]]
    assert [s.article for s in russian] == [library["ru"]]


def test_an_error_code_pasted_verbatim_finds_its_article(library, alice):
    found = suggest_articles("my query died: ERR_QUERY_TIMEOUT after 30s", viewer=alice)

    assert found[0].article == library["en"]


def test_staff_get_the_internal_japanese_article(library, agent):
    found = {s.article for s in suggest_articles("ダッシュボードの内部設定", viewer=agent)}

    assert library["ja_internal"] in found


@pytest.mark.parametrize(
    "title", ["ダッシュボードの内部設定", "Экспорт отчётов: внутренняя заметка"]
)
def test_customers_never_get_the_internal_or_unvalidated_article_by_its_exact_title(
    library, alice, title
):
    for viewer in (alice, None):
        found = suggest_articles(title, viewer=viewer, limit=10)
        assert all(s.article.customers_see for s in found)
