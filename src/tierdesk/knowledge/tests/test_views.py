"""Knowledge pages: list, article, form, diff, measures, the ticket card and the portal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import PASSWORD
from tierdesk.knowledge.models import Article, ArticleFeedback, ArticleLink
from tierdesk.knowledge.services import (
    article_feedback,
    article_flag,
    article_link_ticket,
    article_update,
)
from tierdesk.tickets.services import ticket_reply

from .conftest import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_agent(client, agent):
    client.force_login(agent)
    return client


def test_list_filters_and_shows_owner_feedback(as_agent, agent, manager, alice):
    mine = make_article(agent, title="Mine")
    make_article(manager, title="Theirs", tags=["x"])
    article_update(
        actor=manager, article=mine, changes={"state": "validated", "visibility": "public"}
    )
    article_feedback(actor=alice, article=mine, helped=False, comment="Step 3 is missing")
    page = as_agent.get(reverse("knowledge:list"), {"owner": "me"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Mine" in html and "Theirs" not in html.split('id="article-table"')[1]
    assert "Step 3 is missing" in html
    assert 'action="/search/"' in html and 'name="type" value="article"' in html


def test_create_edit_and_compare_versions(as_agent):
    response = as_agent.post(
        reverse("knowledge:create"),
        {
            "title": "Export empty",
            "problem": "CSV has no rows",
            "resolution": "Pick a date range",
            "kind": "solution",
            "tags": "export, csv",
            "product_area": "",
            "language": "en",
            "visibility": "internal",
            "state": "wip",
        },
    )
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "knowledge:article", args=[article.pk]
    )
    assert article.tags == ["export", "csv"]
    response = as_agent.post(
        reverse("knowledge:edit", args=[article.pk]),
        {
            "title": "Export is empty",
            "problem": "CSV has no rows",
            "resolution": "Pick a **date range**",
            "kind": "solution",
            "tags": "export",
            "product_area": "",
            "language": "en",
            "visibility": "internal",
            "state": "not_validated",
            "note": "clearer",
        },
    )
    assert response.status_code == 302
    page = as_agent.get(reverse("knowledge:article", args=[article.pk])).content.decode()
    assert "<strong>date range</strong>" in page and "clearer" in page
    assert 'data-state-button="validated"' not in page  # an engineer cannot validate
    diff = as_agent.get(reverse("knowledge:compare", args=[article.pk, 2, 1])).content.decode()
    assert "<del>Export</del>" not in diff and "<ins>is</ins>" in diff
    assert as_agent.get(reverse("knowledge:compare_pick", args=[article.pk]), {"a": 1, "b": 2})[
        "Location"
    ].endswith("/versions/1/2/")


def test_form_shows_refusals_next_to_fields(as_agent):
    response = as_agent.post(
        reverse("knowledge:create"),
        {
            "title": "",
            "problem": "",
            "resolution": "r",
            "kind": "solution",
            "language": "en",
            "visibility": "internal",
            "state": "wip",
        },
    )
    assert response.status_code == 422
    assert not Article.objects.exists()


def test_manager_validates_and_publishes_from_the_page(client, manager, article):
    client.force_login(manager)
    page = client.get(reverse("knowledge:article", args=[article.pk])).content.decode()
    assert 'data-state-button="validated"' in page and 'id="make-public"' in page
    client.post(reverse("knowledge:state", args=[article.pk]), {"state": "validated"})
    client.post(reverse("knowledge:visibility", args=[article.pk]), {"visibility": "public"})
    article.refresh_from_db()
    assert article.customers_see


def test_translate_flag_and_resolve_from_the_page(as_agent, article, reviewer):
    response = as_agent.post(reverse("knowledge:translate", args=[article.pk]), {"language": "ru"})
    translation = Article.objects.get(translation_of=article)
    assert response["Location"] == reverse("knowledge:edit", args=[translation.pk])
    flag = article_flag(actor=reviewer, article=article, reason="Outdated screenshots")
    page = as_agent.get(reverse("knowledge:article", args=[article.pk])).content.decode()
    assert "Outdated screenshots" in page and f"/knowledge/articles/{translation.pk}/" in page
    as_agent.post(reverse("knowledge:flag_resolve", args=[flag.pk]))
    as_agent.post(reverse("knowledge:flag", args=[article.pk]), {"reason": "Typo in step 2"})
    article.refresh_from_db()
    assert article.open_flags == 1


def test_measures_page_and_csv(as_agent, article, ticket, agent):
    article_link_ticket(actor=agent, article=article, ticket=ticket)
    assert as_agent.get(reverse("knowledge:measures")).status_code == 200
    response = as_agent.get(reverse("knowledge:measures_csv"), {"group_by": "engineer"})
    lines = response.content.decode().splitlines()
    assert lines[0] == (
        "id,engineer,solved,solved_with_article,link_rate,reuse,created,flagged,flags_raised"
    )
    assert lines[1].split(",")[1:] == ["Agent", "0", "0", "", "1", "1", "0", "0"]
    assert as_agent.get(reverse("knowledge:measures"), {"from": "soon"}).status_code == 422


def test_ticket_card_links_looks_up_and_unlinks(
    as_agent, article, ticket, django_assert_max_num_queries
):
    from django.test import RequestFactory

    from tierdesk.knowledge.panels import ticket_panel

    lookup = as_agent.get(reverse("knowledge:lookup"), {"q": "timeout"}).content.decode()
    assert f'value="{article.pk}"' in lookup
    response = as_agent.post(
        reverse("knowledge:ticket_link", args=[ticket.number]),
        {"article": article.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and 'id="knowledge-card"' in response.content.decode()
    assert ArticleLink.objects.filter(ticket=ticket, source="linked").exists()
    page = as_agent.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert (
        'id="knowledge-card"' in page
        and article.title in page
        and "Create article from this ticket" in page
    )
    request = RequestFactory().get("/")
    request.user = article.owner
    with django_assert_max_num_queries(1):
        ticket_panel(request, ticket)
    response = as_agent.post(reverse("knowledge:ticket_unlink", args=[ticket.number, article.pk]))
    assert response["Location"] == reverse("tickets:detail", args=[ticket.number])
    assert not ArticleLink.objects.exists()


def test_create_from_ticket_is_prefilled_and_links(as_agent, ticket, agent):
    ticket_reply(actor=agent, ticket=ticket, body="Raise query.timeout to 120 s.")
    form = as_agent.get(reverse("knowledge:from_ticket", args=[ticket.number])).content.decode()
    assert (
        "Raise query.timeout to 120 s." in form and "ERR_QUERY_TIMEOUT on every dashboard" in form
    )
    response = as_agent.post(
        reverse("knowledge:from_ticket", args=[ticket.number]),
        {
            "title": "Query times out after upgrade",
            "problem": "ERR_QUERY_TIMEOUT",
            "resolution": "Raise query.timeout",
            "kind": "solution",
            "language": "en",
            "visibility": "internal",
            "state": "wip",
            "product_area": "query_engine",
        },
    )
    link = ArticleLink.objects.get()
    assert (
        response["Location"] == reverse("knowledge:article", args=[link.article_id])
        and link.source == "created"
    )


def test_portal_shows_only_public_validated_and_takes_feedback(
    client, alice, article, public_article
):
    client.login(username="alice", password=PASSWORD)
    listing = client.get(reverse("knowledge:portal_list")).content.decode()
    assert public_article.title in listing and article.title not in listing
    assert client.get(reverse("knowledge:portal_article", args=[article.pk])).status_code == 404
    page = client.get(reverse("knowledge:portal_article", args=[public_article.pk]))
    assert page.status_code == 200 and "<strong>Sign in</strong>" in page.content.decode()
    response = client.post(
        reverse("knowledge:portal_article", args=[public_article.pk]),
        {"helped": "no", "comment": "No such button"},
    )
    assert response.status_code == 302
    feedback = ArticleFeedback.objects.get()
    assert (feedback.person, feedback.helped, feedback.comment) == (alice, False, "No such button")


def test_staff_are_sent_from_the_portal_page_to_the_console(as_agent, public_article):
    response = as_agent.get(reverse("knowledge:portal_article", args=[public_article.pk]))
    assert response["Location"] == reverse("knowledge:article", args=[public_article.pk])


def _edit_values(article, **changes):
    values = {
        "title": article.title,
        "problem": article.problem,
        "resolution": article.resolution,
        "kind": article.kind,
        "tags": ", ".join(article.tags),
        "product_area": article.product_area,
        "language": article.language,
        "visibility": article.visibility,
        "state": article.state,
    }
    return {**values, **changes}


def test_an_edit_over_a_newer_version_is_refused_and_keeps_the_typed_text(
    as_agent, article, backline
):
    form = as_agent.get(reverse("knowledge:edit", args=[article.pk])).content.decode()
    assert 'name="version" value="1"' in form
    # Someone else saves while the form is open.
    article_update(actor=backline, article=article, changes={"cause": "A slow join"})
    response = as_agent.post(
        reverse("knowledge:edit", args=[article.pk]),
        _edit_values(article, resolution="My careful rewrite", version="1"),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "changed by Backline" in html and "since you opened version 1" in html
    assert "My careful rewrite" in html
    article.refresh_from_db()
    assert (article.version, article.cause) == (2, "A slow join")
    # The form now carries version 2: saving again replaces the other change on purpose.
    assert 'name="version" value="2"' in html
    response = as_agent.post(
        reverse("knowledge:edit", args=[article.pk]),
        _edit_values(article, resolution="My careful rewrite", version="2"),
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.version, article.resolution) == (3, "My careful rewrite")


def test_article_page_counts_restricted_tickets_without_naming_them(
    client, agent, backline, article, ticket, alice
):
    from tierdesk.tickets.services import ticket_open, ticket_update

    secret = ticket_open(actor=alice, subject="Payroll export leaks salaries", body="Help")
    article_link_ticket(actor=agent, article=article, ticket=ticket)
    article_link_ticket(actor=agent, article=article, ticket=secret)
    ticket_update(actor=agent, ticket=secret, changes={"restricted": True})
    client.force_login(backline)  # not named on the restricted ticket
    page = client.get(reverse("knowledge:article", args=[article.pk])).content.decode()
    links = page.split('id="linked-tickets"')[1].split("</ul>")[0]
    assert f"#{ticket.number} Query times out" in links
    assert "Payroll" not in page and f"#{secret.number}" not in links
    assert "and a restricted ticket" in links
    client.force_login(agent)  # named on it: sees it like any other
    page = client.get(reverse("knowledge:article", args=[article.pk])).content.decode()
    assert f"#{secret.number} Payroll export leaks salaries" in page
    assert "restricted ticket" not in page


def test_templates_mark_nothing_safe_but_the_sanitised_markdown():
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "templates" / "knowledge"
    for template in folder.glob("*.html"):
        text = template.read_text()
        assert "|safe" not in text and "autoescape off" not in text, template.name
