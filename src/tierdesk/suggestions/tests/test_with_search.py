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


def test_one_suggestion_per_article_and_its_translations_in_the_language_asked(
    write_articles, alice
):
    from tierdesk.knowledge.models import Article

    original = write_articles("Webhook deliveries fail with HTTP 503")
    japanese = write_articles("Webhook の配信が HTTP 503 で失敗する", language="ja")
    russian = write_articles("Доставка Webhook завершается ошибкой HTTP 503", language="ru")
    Article.objects.filter(pk__in=[japanese.pk, russian.pk]).update(translation_of=original)

    in_japanese = suggest_articles("Webhook の配信が HTTP 503 で失敗します", viewer=alice)
    in_english = suggest_articles("webhook deliveries failing with HTTP 503", viewer=alice)

    assert [s.article for s in in_japanese] == [japanese]
    assert [s.article for s in in_english] == [original]
