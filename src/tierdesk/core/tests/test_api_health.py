"""Health, the OpenAPI description and the one error shape every refusal uses."""

from unittest import mock

from django.db import OperationalError, connections
from django.test import Client

from tierdesk.core.tests.api_support import API, client_for, fields


def test_health_answers_ok_without_authentication(db):
    response = Client().get(f"{API}/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_answers_503_when_the_database_does_not(db):
    connection = connections["default"]
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("gone")):
        response = Client().get(f"{API}/health")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_openapi_description_lists_the_endpoints(db):
    response = Client().get(f"{API}/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/health",
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/tickets",
        "/api/v1/tickets/{number}",
        "/api/v1/tickets/{number}/messages",
        "/api/v1/tickets/{number}/events",
        "/api/v1/organizations",
        "/api/v1/users",
    ]:
        assert path in paths
    create = paths["/api/v1/tickets"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in create["parameters"]}


def test_interactive_docs_are_served(db):
    response = Client().get(f"{API}/docs")

    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_malformed_json_is_refused_naming_the_body(agent):
    client = client_for(agent)

    response = client.post(f"{API}/tickets", data="{subject: oops", content_type="application/json")

    assert response.status_code == 400
    assert fields(response) == {"body"}
    assert "line 1" in response.json()["errors"][0]["reason"]


def test_json_that_is_not_an_object_is_refused(agent):
    response = client_for(agent).post(
        f"{API}/tickets", data=[1, 2], content_type="application/json"
    )

    assert response.status_code == 422
    assert fields(response) == {"body"}


def test_path_parameter_of_wrong_type_is_named(agent):
    response = client_for(agent).get(f"{API}/tickets/abc")

    assert response.status_code == 422
    assert fields(response) == {"number"}


def test_unknown_endpoint_answers_404_in_the_api_shape(db):
    response = Client().get(f"{API}/tickets/1/nonsense")

    assert response.status_code == 404
    assert fields(response) == set()
    assert "nonsense" in response.json()["detail"]
