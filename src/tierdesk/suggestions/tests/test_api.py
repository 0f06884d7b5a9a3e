import pytest

from conftest import PASSWORD
from tierdesk.knowledge.choices import ArticleState, Visibility

pytestmark = pytest.mark.django_db

SECRET = "Rotating the vault master key"


@pytest.fixture
def articles(write_articles):
    return {
        "reset": write_articles("How do I reset my password?"),
        "internal": write_articles(SECRET, visibility=Visibility.INTERNAL),
        "wip": write_articles("Vault master key rotation", state=ArticleState.WIP),
    }


def test_customers_get_public_validated_articles_only(client, alice, articles, words_only):
    client.login(username=alice.username, password=PASSWORD)

    body = client.get("/api/v1/suggestions", {"text": SECRET, "limit": 10}).json()
    reset = client.get("/api/v1/suggestions", {"text": "forgot my password"}).json()

    ids = {row["id"] for row in body["results"]}
    assert not ids & {articles["internal"].pk, articles["wip"].pk}
    first = reset["results"][0]
    assert first["id"] == articles["reset"].pk
    assert first["url"].endswith(f"/portal/help/{articles['reset'].pk}/")
    assert (first["language"], first["state"], first["visibility"]) == ("en", "validated", "public")
    assert first["score"] > 0.5


def test_staff_get_internal_articles_with_the_console_url(client, agent, articles, words_only):
    client.login(username=agent.username, password=PASSWORD)

    body = client.get("/api/v1/suggestions", {"text": SECRET}).json()

    assert body["results"][0]["id"] == articles["internal"].pk
    assert body["results"][0]["url"].endswith(f"/knowledge/articles/{articles['internal'].pk}/")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"text": "password", "limit": 0}, "limit"),
        ({"text": "password", "limit": 11}, "limit"),
        ({"text": "password", "limit": "many"}, "limit"),
        ({"text": "password", "lang": "fr"}, "lang"),
    ],
)
def test_refused_parameters_are_named(client, alice, params, field):
    client.login(username=alice.username, password=PASSWORD)

    response = client.get("/api/v1/suggestions", params)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_api_needs_a_signed_in_person(client, db):
    assert client.get("/api/v1/suggestions", {"text": "password"}).status_code == 401
