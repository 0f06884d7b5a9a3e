"""The ticket card's "Insert in reply" and capture on restricted tickets, and the portal's paged
help list."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from conftest import PASSWORD, make_person
from tierdesk.knowledge.models import ArticleLink
from tierdesk.knowledge.services import article_link_ticket
from tierdesk.tickets.services import ticket_reply, ticket_update

from .conftest import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_agent(client, agent):
    client.force_login(agent)
    return client


def test_reply_text_gives_public_articles_only(as_agent, article, public_article):
    response = as_agent.get(reverse("knowledge:reply_text", args=[public_article.pk]))
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["text"]) == (public_article.title, public_article.resolution)
    assert body["url"] == f"http://testserver/portal/help/{public_article.pk}/"
    response = as_agent.get(reverse("knowledge:reply_text", args=[article.pk]))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["article"]
    assert as_agent.get(reverse("knowledge:reply_text", args=[999999])).status_code == 404


def test_reply_text_is_for_staff(client, alice, public_article):
    client.login(username="alice", password=PASSWORD)
    response = client.get(reverse("knowledge:reply_text", args=[public_article.pk]))
    assert response.status_code == 302 and "/portal/" in response["Location"]


def test_the_card_offers_insert_on_public_articles_and_records_the_reply(
    as_agent, agent, article, public_article, ticket
):
    article_link_ticket(actor=agent, article=article, ticket=ticket)
    article_link_ticket(actor=agent, article=public_article, ticket=ticket)
    page = as_agent.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    card = page.split('id="knowledge-card"')[1]
    assert f'data-insert-article="{public_article.pk}"' in card
    assert f'data-insert-article="{article.pk}"' not in card
    assert f'data-kcs-link-url="/tickets/{ticket.number}/articles/"' in page
    assert 'data-kcs-reply-text-url="/knowledge/articles/0/reply-text/"' in page
    # What the script posts after filling the reply box: the linked article becomes a reply.
    response = as_agent.post(
        reverse("knowledge:ticket_link", args=[ticket.number]),
        {"article": public_article.pk, "source": "reply"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert ArticleLink.objects.get(article=public_article).source == "reply"
    public_article.refresh_from_db()
    assert public_article.reuse_count == 1
    # The lookup offers insert too, for public validated articles.
    lookup = as_agent.get(reverse("knowledge:lookup"), {"q": "password"}).content.decode()
    assert f'data-insert-article="{public_article.pk}"' in lookup


def test_an_internal_article_is_refused_as_a_reply_from_the_card(as_agent, article, ticket):
    response = as_agent.post(
        reverse("knowledge:ticket_link", args=[ticket.number]),
        {"article": article.pk, "source": "reply"},
        follow=True,
    )
    assert "Only public validated articles" in response.content.decode()
    assert not ArticleLink.objects.exists()


def test_a_restricted_ticket_offers_no_capture(as_agent, agent, ticket):
    ticket_reply(actor=agent, ticket=ticket, body="Raise query.timeout to 120 s.")
    ticket_update(actor=agent, ticket=ticket, changes={"restricted": True})
    page = as_agent.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert 'id="knowledge-card"' in page and 'id="create-article"' not in page
    response = as_agent.get(reverse("knowledge:from_ticket", args=[ticket.number]), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("tickets:detail", args=[ticket.number])
    assert "This ticket is restricted" in html
    response = as_agent.post(
        reverse("knowledge:from_ticket", args=[ticket.number]),
        {
            "title": "t",
            "problem": "p",
            "resolution": "r",
            "kind": "solution",
            "language": "en",
            "visibility": "internal",
            "state": "wip",
        },
    )
    assert response.status_code == 302 and not ArticleLink.objects.exists()


def test_portal_help_is_paged_with_the_customers_language_first(client, acme, manager):
    reader = make_person("yuki", organization=acme, language="ja")
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    for n in range(33):
        with time_machine.travel(start + dt.timedelta(days=n), tick=False):
            make_article(
                manager,
                title=f"Guide {n:02d}",
                language="ja" if n in (0, 1) else "en",
                visibility="public",
                state="validated",
            )
    with time_machine.travel(start + dt.timedelta(days=40), tick=False):
        make_article(manager, title="Guide internal", state="validated")
    client.force_login(reader)
    first = client.get(reverse("knowledge:portal_list")).content.decode()
    titles = [part.split("<")[0] for part in first.split('lang="')[1:] if "Guide" in part]
    titles = [t.split(">", 1)[1] for t in titles]
    # The two Japanese ones first (newest first), then English newest first: 30 on a page.
    assert titles[:3] == ["Guide 01", "Guide 00", "Guide 32"]
    assert (
        len(titles) == 30 and 'href="?page=2" rel="next"' in first and "Guide internal" not in first
    )
    second = client.get(reverse("knowledge:portal_list"), {"page": 2}).content.decode()
    assert "Guide 04" in second and "Guide 02" in second and "Guide 05" not in second
    searched = client.get(reverse("knowledge:portal_list"), {"q": "guide 31"}).content.decode()
    assert "Guide 31" in searched and "Guide 30" not in searched and "help-pager" not in searched
