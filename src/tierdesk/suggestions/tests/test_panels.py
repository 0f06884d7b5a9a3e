import pytest
from django.core.cache import cache
from django.test import RequestFactory

from tierdesk.knowledge.choices import Visibility
from tierdesk.suggestions import panels
from tierdesk.suggestions.panels import ticket_panel
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

    panel = ticket_panel(_request(agent), ticket)

    assert panel.place == "side"
    assert [row["article"] for row in panel.context["articles"]] == [internal]
    assert [row["ticket"] for row in panel.context["tickets"]] == [solved]
    assert asked == [("Password reset\nI forgot my password and cannot sign in.", ticket.number)]


def test_customers_never_see_the_card(alice, ticket):
    assert ticket_panel(_request(alice), ticket) is None


def test_a_cached_card_reads_in_at_most_three_queries(
    agent, ticket, solved, write_articles, words_only, monkeypatch, django_assert_max_num_queries
):
    write_articles("How do I reset my password?")
    monkeypatch.setattr(
        "tierdesk.search.selectors.match_solved_tickets",
        lambda text, **kwargs: [(solved.number, 1.0)],
    )
    ticket_panel(_request(agent), ticket)
    monkeypatch.setattr(panels, "suggest_articles", lambda *a, **k: pytest.fail("recomputed"))

    with django_assert_max_num_queries(3):
        panel = ticket_panel(_request(agent), ticket)

    assert len(panel.context["articles"]) == 1
    assert [row["ticket"] for row in panel.context["tickets"]] == [solved]
