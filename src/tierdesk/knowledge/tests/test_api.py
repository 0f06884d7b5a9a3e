"""The knowledge API: articles CRUD and state, versions, translations, feedback, flags, links
to tickets and KCS measures; customers only ever see public validated articles."""

from __future__ import annotations

import pytest

from tierdesk.core.tests.api_support import API, client_for, fields
from tierdesk.knowledge.models import Article, ArticleLink
from tierdesk.knowledge.services import article_link_ticket

from .conftest import make_article

pytestmark = pytest.mark.django_db

JSON = "application/json"


def test_engineer_creates_reads_and_patches_an_article(agent):
    api = client_for(agent)
    response = api.post(
        f"{API}/articles",
        {
            "title": "Snowflake connector: certificate verify failed",
            "problem": "The connector says `certificate verify failed`.",
            "environment": "Connector 2.1",
            "cause": "A corporate proxy re-signs TLS.",
            "resolution": "Add the proxy CA:\n\n```bash\ntierdesk ca add proxy.pem\n```",
            "tags": ["snowflake", "tls"],
            "product_area": "integrations",
            "language": "en",
            "visibility": "internal",
            "state": "not_validated",
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["state"], body["version"], body["owner"]["username"]) == (
        "not_validated",
        1,
        "agent",
    )
    assert '<code class="language-bash">' in body["body_html"]["resolution"]
    assert body["url"].endswith(f"/knowledge/articles/{body['id']}/")
    response = api.patch(
        f"{API}/articles/{body['id']}",
        {"cause": "A TLS-inspecting proxy.", "note": "cause"},
        content_type=JSON,
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    versions = api.get(f"{API}/articles/{body['id']}/versions").json()
    assert [v["number"] for v in versions] == [2, 1]
    assert "+A TLS-inspecting proxy." in versions[0]["diff"] and versions[0]["note"] == "cause"


def test_refusals_name_fields_and_roles(agent):
    api = client_for(agent)
    response = api.post(
        f"{API}/articles", {"title": "", "problem": "p", "resolution": " "}, content_type=JSON
    )
    assert response.status_code == 422 and fields(response) == {"title", "resolution"}
    response = api.post(
        f"{API}/articles",
        {"title": "t", "problem": "p", "resolution": "r", "state": "later"},
        content_type=JSON,
    )
    assert response.status_code == 422 and fields(response) == {"state"}
    response = api.post(
        f"{API}/articles",
        {"title": "t", "problem": "p", "resolution": "r", "visibility": "public"},
        content_type=JSON,
    )
    assert response.status_code == 403


def test_state_changes_and_delete_archives(article, agent, manager):
    assert (
        client_for(agent)
        .post(f"{API}/articles/{article.pk}/state", {"state": "validated"}, content_type=JSON)
        .status_code
        == 403
    )
    response = client_for(manager).post(
        f"{API}/articles/{article.pk}/state", {"state": "validated"}, content_type=JSON
    )
    assert response.status_code == 200 and response.json()["validated_at"]
    assert client_for(agent).delete(f"{API}/articles/{article.pk}").status_code == 403
    response = client_for(manager).delete(f"{API}/articles/{article.pk}")
    assert response.status_code == 200 and response.json()["state"] == "archived"
    assert Article.objects.filter(pk=article.pk).exists()
    response = client_for(manager).patch(
        f"{API}/articles/{article.pk}", {"title": "x"}, content_type=JSON
    )
    assert response.status_code == 409


def test_customer_sees_only_public_validated_articles_and_cannot_write(
    article, public_article, manager, alice
):
    internal_validated = make_article(manager, title="Internal runbook", state="validated")
    public_draft = make_article(manager, title="Public draft", visibility="public")
    api = client_for(alice)
    listed = api.get(f"{API}/articles").json()["items"]
    assert [a["id"] for a in listed] == [public_article.pk]
    assert listed[0]["owner"] is None and listed[0]["open_flags"] is None
    assert listed[0]["url"].endswith(f"/portal/help/{public_article.pk}/")
    for hidden in (article, internal_validated, public_draft):
        assert api.get(f"{API}/articles/{hidden.pk}").status_code == 404
        assert (
            api.post(
                f"{API}/articles/{hidden.pk}/feedback", {"helped": True}, content_type=JSON
            ).status_code
            == 404
        )
    assert (
        api.post(
            f"{API}/articles", {"title": "t", "problem": "p", "resolution": "r"}, content_type=JSON
        ).status_code
        == 403
    )
    assert (
        api.patch(
            f"{API}/articles/{public_article.pk}", {"title": "x"}, content_type=JSON
        ).status_code
        == 403
    )
    response = api.post(
        f"{API}/articles/{public_article.pk}/feedback",
        {"helped": False, "comment": "Old UI"},
        content_type=JSON,
    )
    assert response.status_code == 201
    public_article.refresh_from_db()
    assert public_article.not_helped_count == 1


def test_translation_and_flag(article, agent):
    api = client_for(agent)
    response = api.post(
        f"{API}/articles/{article.pk}/translations", {"language": "ja"}, content_type=JSON
    )
    assert response.status_code == 201 and response.json()["translation_of"] == article.pk
    response = api.post(
        f"{API}/articles/{article.pk}/translations", {"language": "ja"}, content_type=JSON
    )
    assert response.status_code == 422 and fields(response) == {"language"}
    response = api.post(
        f"{API}/articles/{article.pk}/flags", {"reason": "Renamed setting"}, content_type=JSON
    )
    assert response.status_code == 201
    assert api.get(f"{API}/articles?flagged=true").json()["items"][0]["id"] == article.pk


def test_ticket_links(article, ticket, agent, alice, manager):
    api = client_for(agent)
    url = f"{API}/tickets/{ticket.number}/articles"
    # An internal article never goes into a customer's reply.
    response = api.post(url, {"article": article.pk, "source": "reply"}, content_type=JSON)
    assert response.status_code == 422 and fields(response) == {"article"}
    article.state, article.visibility = "validated", "public"
    article.save()
    response = api.post(url, {"article": article.pk, "source": "reply"}, content_type=JSON)
    assert response.status_code == 201, response.json()
    assert (response.json()["source"], response.json()["article"]["id"]) == ("reply", article.pk)
    assert api.post(url, {"article": article.pk}, content_type=JSON).status_code == 200
    response = api.post(url, {"article": 999999}, content_type=JSON)
    assert response.status_code == 422 and fields(response) == {"article"}
    response = api.post(url, {"article": article.pk, "source": "created"}, content_type=JSON)
    assert response.status_code == 422 and fields(response) == {"source"}
    assert [link["article"]["id"] for link in api.get(url).json()] == [article.pk]
    assert client_for(alice).get(url).status_code == 403
    assert api.delete(f"{url}/{article.pk}").status_code == 204
    assert not ArticleLink.objects.exists()


def test_measures_endpoint(article, ticket, agent):
    article_link_ticket(actor=agent, article=article, ticket=ticket)
    api = client_for(agent)
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    response = api.get(f"{API}/kcs/measures?from={today}&to={today}&group_by=engineer")
    assert response.status_code == 200
    row = response.json()[0]
    assert (row["name"], row["reuse"], row["created"]) == ("Agent", 1, 1)
    response = api.get(f"{API}/kcs/measures?from={today}&to=2000-01-01")
    assert response.status_code == 422 and fields(response) == {"to"}
    response = api.get(f"{API}/kcs/measures?from={today}&to={today}&group_by=planet")
    assert response.status_code == 422 and fields(response) == {"group_by"}


@pytest.mark.parametrize(
    "field", ["title", "problem", "environment", "cause", "resolution", "note", "owner"]
)
def test_a_nul_character_is_refused_naming_the_field(agent, field):
    payload = {"title": "T", "problem": "P", "resolution": "R", field: "before\x00after"}
    response = client_for(agent).post(f"{API}/articles", payload, content_type=JSON)
    assert response.status_code == 422 and fields(response) == {field}
    assert "NUL" in response.json()["errors"][0]["reason"]
    assert not Article.objects.exists()


def test_a_nul_character_in_a_change_feedback_or_flag_is_refused(agent, article):
    api = client_for(agent)
    url = f"{API}/articles/{article.pk}"
    response = api.patch(url, {"resolution": "a\x00b"}, content_type=JSON)
    assert response.status_code == 422 and fields(response) == {"resolution"}
    response = api.patch(url, {"cause": "c", "note": "n\x00"}, content_type=JSON)
    assert response.status_code == 422 and fields(response) == {"note"}
    response = api.post(f"{url}/feedback", {"helped": False, "comment": "\x00"}, content_type=JSON)
    assert response.status_code == 422 and fields(response) == {"comment"}
    response = api.post(f"{url}/flags", {"reason": "Wrong\x00"}, content_type=JSON)
    assert response.status_code == 422 and fields(response) == {"reason"}
    assert api.get(f"{API}/articles?q=time%00out").status_code == 200
    article.refresh_from_db()
    assert (article.version, article.not_helped_count, article.open_flags) == (1, 0, 0)


def test_a_patch_over_a_newer_version_is_a_conflict_naming_version(agent, backline, article):
    url = f"{API}/articles/{article.pk}"
    response = client_for(backline).patch(
        url, {"cause": "A slow join", "version": 1}, content_type=JSON
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    response = client_for(agent).patch(url, {"resolution": "Mine", "version": 1}, content_type=JSON)
    assert response.status_code == 409
    assert fields(response) == {"version"} and "Backline" in response.json()["detail"]
    article.refresh_from_db()
    assert (article.version, article.resolution.startswith("Raise")) == (2, True)
    # Without `version` (or with the current one) the change goes through.
    response = client_for(agent).patch(url, {"resolution": "Mine", "version": 2}, content_type=JSON)
    assert response.status_code == 200 and response.json()["version"] == 3


def test_measures_endpoint_credits_who_raised_flags(agent, reviewer, article):
    from django.utils import timezone

    from tierdesk.knowledge.services import article_flag

    article_flag(actor=reviewer, article=article, reason="Outdated")
    today = timezone.localdate().isoformat()
    rows = client_for(agent).get(f"{API}/kcs/measures?from={today}&to={today}").json()
    by_name = {row["name"]: row for row in rows}
    assert (by_name["Agent"]["flagged"], by_name["Agent"]["flags_raised"]) == (1, 0)
    assert (by_name["Reviewer"]["flagged"], by_name["Reviewer"]["flags_raised"]) == (0, 1)
