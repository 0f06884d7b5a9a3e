import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierdesk.knowledge.choices import ArticleState, Visibility
from tierdesk.suggestions import selectors, semantic
from tierdesk.suggestions.selectors import suggest_articles

pytestmark = pytest.mark.django_db

SECRET = "Rotating the master encryption key for the on-premise vault"


@pytest.fixture
def library(write_articles):
    """Public validated articles, and one each of what customers must never see."""
    return {
        "reset": write_articles("How do I reset my password?"),
        "export": write_articles("Scheduled CSV export stops at 99%"),
        "sso": write_articles("Single sign-on with Okta fails with error 403"),
        "internal": write_articles(SECRET, visibility=Visibility.INTERNAL),
        "draft": write_articles("Vault key rotation (draft)", state=ArticleState.WIP),
        "unvalidated": write_articles("Resetting the vault key", state=ArticleState.NOT_VALIDATED),
        "archived": write_articles("Old password reset page", state=ArticleState.ARCHIVED),
    }


def test_a_paraphrase_finds_its_article_first(library, words_only, alice):
    found = suggest_articles("I forgot my password and cannot log in", viewer=alice)

    assert found[0].article == library["reset"]


def test_customers_never_get_an_internal_or_unvalidated_article_even_by_its_title(
    library, words_only, alice
):
    for viewer in (alice, None):
        for text in (SECRET, "Vault key rotation (draft)", "Resetting the vault key"):
            found = {s.article.pk for s in suggest_articles(text, viewer=viewer, limit=10)}
            assert not found & {library[k].pk for k in ("internal", "draft", "unvalidated")}


def test_staff_get_internal_articles_but_never_archived_ones(library, words_only, agent):
    found = [s.article for s in suggest_articles(SECRET, viewer=agent)]
    assert found[0] == library["internal"]

    found = {s.article for s in suggest_articles("Old password reset page", viewer=agent)}
    assert library["archived"] not in found


def test_junk_text_suggests_nothing(library, words_only, alice):
    assert suggest_articles("asdf qwerty zxcv", viewer=alice) == []
    assert suggest_articles("   ", viewer=alice) == []


def test_the_lexical_score_lifts_an_exact_word_match(library, words_only, alice, monkeypatch):
    plain = {s.article.pk: s.score for s in suggest_articles("Okta 403", viewer=alice)}
    monkeypatch.setattr(selectors, "_lexical_articles", lambda text, viewer, language: [])
    without = {s.article.pk: s.score for s in suggest_articles("Okta 403", viewer=alice)}

    sso = library["sso"].pk
    assert plain[sso] == pytest.approx(without[sso] + selectors.LEXICAL_WEIGHT, abs=1e-3)


@pytest.mark.parametrize(
    ("language", "title", "query"),
    [
        ("ja", "パスワードをリセットする方法", "パスワードのリセット"),
        ("ru", "Как сбросить пароль", "сбросить пароль"),
        # Mostly Japanese with a word in Latin letters: still words alone.
        ("ja", "Webhookの再送", "失敗したWebhookを再送する方法"),
    ],
)
def test_text_mostly_without_latin_letters_is_matched_on_words_alone(
    write_articles, words_only, alice, monkeypatch, language, title, query
):
    article = write_articles(title, language=language)
    # Words only: the encoder is never called for this text.
    monkeypatch.setattr(semantic, "encode", lambda texts: pytest.fail("encoded"))
    monkeypatch.setattr(
        selectors,
        "_lexical_articles",
        lambda text, viewer, language: [(article.pk, 3.0)],
    )

    found = suggest_articles(query, viewer=alice)

    assert [s.article for s in found] == [article]
    assert found[0].score == 1.0


def test_without_the_model_suggestions_still_come_from_words(
    library, words_only, alice, monkeypatch
):
    monkeypatch.setattr(semantic, "available", lambda: False)

    found = suggest_articles("Okta single sign-on error", viewer=alice)

    assert found[0].article == library["sso"]


def test_language_restricts_the_articles(library, write_articles, words_only, alice):
    japanese = write_articles("Password reset (Japanese edition)", language="ja")

    found = {s.article for s in suggest_articles("password reset", viewer=alice, language="ja")}

    assert found == {japanese}


def test_a_suggestion_costs_two_queries_once_the_matrix_is_loaded(
    library, alice, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(selectors, "_lexical_articles", lambda text, viewer, language: [])
    suggest_articles("reset password", viewer=alice)

    with django_assert_num_queries(2):  # the token, the articles
        suggest_articles("reset my password", viewer=alice)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(min_size=1, max_size=80))
def test_whatever_a_customer_types_they_get_only_public_validated_articles(
    library, words_only, alice, text
):
    # Half the examples carry words of the internal article's title.
    text = text + " " + SECRET[: len(text) % 40]
    for viewer in (alice, None):
        for suggestion in suggest_articles(text, viewer=viewer, limit=10):
            assert suggestion.article.customers_see
