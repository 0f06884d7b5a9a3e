import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from tierdesk.knowledge.choices import ArticleState, Visibility
from tierdesk.suggestions import panels
from tierdesk.suggestions.panels import card_context, ticket_panel
from tierdesk.tickets import services as ticket_services
from tierdesk.tickets.choices import Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.fixture
def ticket(alice):
    return ticket_services.ticket_open(
        actor=alice, subject="Password reset", body="I forgot my password and cannot sign in."
    )


@pytest.fixture
def solved(alice):
    old = ticket_services.ticket_open(actor=alice, subject="Password reset link expired", body="x")
    type(old).objects.filter(pk=old.pk).update(status=Status.SOLVED)
    return old


def test_staff_see_suggested_articles_and_similar_solved_tickets(
    agent, ticket, solved, write_articles, words_only, monkeypatch
):
    internal = write_articles("Resetting a password by hand", visibility=Visibility.INTERNAL)
    asked = []

    def match_solved(text, *, viewer, limit, exclude):
        asked.append((text, exclude))
        return [(solved.number, 2.0), (ticket.number, 1.0)]

    monkeypatch.setattr("tierdesk.search.selectors.match_solved_tickets", match_solved)

    card = card_context(agent, ticket)

    assert [row["article"] for row in card["articles"]] == [internal]
    assert [row["ticket"] for row in card["tickets"]] == [solved]
    assert asked == [("Password reset\nI forgot my password and cannot sign in.", ticket.number)]


def test_the_ticket_page_draws_an_empty_card_without_a_query(
    agent, alice, ticket, django_assert_num_queries
):
    with django_assert_num_queries(0):
        panel = ticket_panel(_request(agent), ticket)

    assert panel.place == "side"
    assert panel.context == {"ticket": ticket}
    assert ticket_panel(_request(alice), ticket) is None


def test_the_card_links_an_article_and_lists_similar_tickets(
    client, agent, ticket, solved, write_articles, words_only, monkeypatch
):
    article = write_articles("How do I reset my password?")
    monkeypatch.setattr(
        "tierdesk.search.selectors.match_solved_tickets",
        lambda text, **kwargs: [(solved.number, 1.0)],
    )
    client.force_login(agent)

    html = client.get(reverse("suggestions:ticket_card", args=[ticket.number])).content.decode()

    assert f'data-article="{article.pk}"' in html
    assert reverse("knowledge:ticket_link", args=[ticket.number]) in html
    assert f'name="article" value="{article.pk}"' in html
    assert f'data-ticket="{solved.number}"' in html


def test_insert_in_reply_is_offered_only_for_articles_customers_may_read(
    client, agent, reviewer, ticket, write_articles, words_only, monkeypatch
):
    public = write_articles("How do I reset my password?")
    internal = write_articles(
        "Reset a password in the admin database", visibility=Visibility.INTERNAL
    )
    draft = write_articles("Password reset email never arrives", state=ArticleState.NOT_VALIDATED)
    monkeypatch.setattr("tierdesk.search.selectors.match_solved_tickets", lambda text, **k: [])
    url = reverse("suggestions:ticket_card", args=[ticket.number])
    client.force_login(agent)

    html = client.get(url).content.decode()

    for article in (public, internal, draft):
        assert f'data-article="{article.pk}"' in html
    assert f'<button type="button" class="link small" data-insert-article="{public.pk}">' in html
    assert f'data-insert-article="{internal.pk}"' not in html
    assert f'data-insert-article="{draft.pk}"' not in html
    # A quality reviewer does not answer customers: no button at all.
    cache.clear()
    client.force_login(reviewer)
    assert "data-insert-article" not in client.get(url).content.decode()


def test_customers_cannot_fetch_the_card(client, alice, ticket):
    client.force_login(alice)

    response = client.get(reverse("suggestions:ticket_card", args=[ticket.number]))

    assert response.status_code == 302


def test_a_cached_card_reads_in_at_most_three_queries(
    agent, ticket, solved, write_articles, words_only, monkeypatch, django_assert_max_num_queries
):
    write_articles("How do I reset my password?")
    monkeypatch.setattr(
        "tierdesk.search.selectors.match_solved_tickets",
        lambda text, **kwargs: [(solved.number, 1.0)],
    )
    card_context(agent, ticket)
    monkeypatch.setattr(panels, "suggest_articles", lambda *a, **k: pytest.fail("recomputed"))

    with django_assert_max_num_queries(3):
        card = card_context(agent, ticket)

    assert len(card["articles"]) == 1
    assert [row["ticket"] for row in card["tickets"]] == [solved]
