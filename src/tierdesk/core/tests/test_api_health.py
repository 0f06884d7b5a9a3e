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
        "/api/v1/tickets/{number}/readers",
        "/api/v1/tickets/{number}/follow-up",
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


def test_method_a_path_does_not_take_answers_405_in_the_api_shape(agent):
    response = client_for(agent).delete(f"{API}/tickets")

    assert response.status_code == 405
    assert fields(response) == set()
    assert "DELETE" in response.json()["detail"]
    assert response["Allow"] == "GET, POST"


def test_method_no_path_takes_answers_405_in_the_api_shape(db):
    response = Client().options(f"{API}/tickets/1/nonsense")

    assert response.status_code == 405
    assert fields(response) == set()
    assert "OPTIONS" in response.json()["detail"]


def test_fault_in_an_operation_answers_500_in_the_api_shape_and_logs_the_traceback(
    agent, ticket, caplog
):
    with mock.patch(
        "tierdesk.tickets.api.ticket_get_for_user", side_effect=RuntimeError("secret detail")
    ):
        response = client_for(agent).get(f"{API}/tickets/{ticket.number}")

    assert response.status_code == 500
    assert fields(response) == set()
    assert "secret detail" not in response.content.decode()
    [logged] = [r for r in caplog.records if r.name == "tierdesk.core.api"]
    assert logged.exc_info[0] is RuntimeError
    assert f"/tickets/{ticket.number}" in logged.getMessage()


def test_fault_around_an_operation_answers_500_in_the_api_shape(agent):
    with mock.patch("tierdesk.core.api.request_fingerprint", side_effect=RuntimeError("boom")):
        response = client_for(agent, **{"Idempotency-Key": "k1"}).post(
            f"{API}/tickets", {"subject": "Hi", "body": "text"}, content_type="application/json"
        )

    assert response.status_code == 500
    assert fields(response) == set()
