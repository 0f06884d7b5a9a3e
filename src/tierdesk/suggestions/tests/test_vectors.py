import numpy as np
import pytest

from tierdesk.knowledge.choices import ArticleState, Visibility
from tierdesk.knowledge.events import articles_written
from tierdesk.suggestions import semantic, vectors
from tierdesk.suggestions.models import ArticleVector

from .conftest import make_article

pytestmark = pytest.mark.django_db


def test_an_article_is_encoded_after_its_write_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        article = make_article("How do I reset my password?", problem="I cannot sign in.")
    assert not ArticleVector.objects.filter(article=article).exists()

    for callback in callbacks:
        callback()

    stored = ArticleVector.objects.get(article=article)
    vector = np.frombuffer(bytes(stored.vector), dtype="<f4")
    expected = semantic.encode(["How do I reset my password?. I cannot sign in."])[0]
    assert stored.model == semantic.MODEL_NAME
    assert np.allclose(vector, expected, atol=1e-6)


def test_embedded_text_is_the_title_and_the_first_sentence_of_the_problem():
    assert (
        vectors.embedded_text("Export fails", "The export stops at 99%. Then it hangs.")
        == "Export fails. The export stops at 99%."
    )
    assert vectors.embedded_text("Export fails", "") == "Export fails"
    assert vectors.embedded_text("Export fails", "export fails") == "Export fails"


def test_a_write_that_leaves_the_text_alone_is_not_encoded_again(write_articles):
    article = write_articles("Export fails")
    before = ArticleVector.objects.get(article=article).computed_at

    assert vectors.vectors_refresh([article.pk]) == 0
    assert ArticleVector.objects.get(article=article).computed_at == before


def test_the_matrix_is_renewed_after_an_article_changes(
    write_articles, django_capture_on_commit_callbacks, django_assert_num_queries
):
    article = write_articles("Export fails", visibility=Visibility.INTERNAL)
    first = vectors.current_matrix()
    assert not first.customers_see[first.positions[article.pk]]
    with django_assert_num_queries(1):
        assert vectors.current_matrix() is first

    article.visibility = Visibility.PUBLIC
    article.title = "Scheduled export fails"
    article.save()
    with django_capture_on_commit_callbacks(execute=True):
        articles_written([article.pk])

    renewed = vectors.current_matrix()
    assert renewed is not first
    row = renewed.positions[article.pk]
    assert renewed.customers_see[row]
    expected = semantic.encode(["Scheduled export fails. Export fails"])[0]
    assert np.allclose(renewed.vectors[row], expected, atol=1e-6)


def test_archived_articles_leave_the_matrix(write_articles, django_capture_on_commit_callbacks):
    article = write_articles("Export fails")
    assert article.pk in vectors.current_matrix().positions

    article.state = ArticleState.ARCHIVED
    article.save()
    with django_capture_on_commit_callbacks(execute=True):
        articles_written([article.pk])

    assert article.pk not in vectors.current_matrix().positions


def test_many_articles_in_one_write_go_to_the_worker(
    monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    from tierdesk.suggestions import tasks

    monkeypatch.setattr(tasks, "vectors_refresh_task", queued.append)
    articles = [make_article(f"Article {n}") for n in range(vectors.ENCODE_AFTER_COMMIT_MAX + 1)]
    with django_capture_on_commit_callbacks(execute=True):
        articles_written([a.pk for a in articles])

    assert queued == [sorted(a.pk for a in articles)]


def test_the_periodic_task_fills_missing_vectors():
    article = make_article("Export fails")  # its after-commit encoding never ran
    assert not ArticleVector.objects.filter(article=article).exists()

    assert vectors.vectors_fill_missing() == 1
    assert ArticleVector.objects.filter(article=article).exists()
    assert vectors.vectors_fill_missing() == 0


def test_the_periodic_task_heals_a_vector_whose_text_changed(write_articles):
    article = write_articles("Export fails")
    # The title changes and its encoding after commit fails: the old vector stays.
    type(article).objects.filter(pk=article.pk).update(title="Scheduled export stalls")

    assert vectors.vectors_fill_missing() == 1

    stored = ArticleVector.objects.get(article=article)
    assert stored.text_hash == vectors.text_hash("Scheduled export stalls. Export fails")
    expected = semantic.encode(["Scheduled export stalls. Export fails"])[0]
    assert np.allclose(np.frombuffer(bytes(stored.vector), dtype="<f4"), expected, atol=1e-6)
    assert vectors.vectors_fill_missing() == 0
