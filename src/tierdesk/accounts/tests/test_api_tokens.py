"""API authentication: tokens for credentials, bearer use, revocation, and the pages' session."""

from django.test import Client

from conftest import PASSWORD
from tierdesk.accounts.models import ApiToken
from tierdesk.accounts.services import token_issue, token_revoke
from tierdesk.core.tests.api_support import API, client_for, fields


def test_credentials_are_traded_for_a_token_that_then_authenticates(agent):
    response = Client().post(
        f"{API}/auth/token",
        {"username": "agent", "password": PASSWORD, "name": "laptop"},
        content_type="application/json",
    )

    assert response.status_code == 201
    issued = response.json()
    assert issued["token"].startswith(issued["prefix"])
    assert issued["name"] == "laptop"
    me = Client(headers={"Authorization": f"Bearer {issued['token']}"}).get(f"{API}/me")
    assert me.status_code == 200
    assert me.json()["username"] == "agent"


def test_wrong_password_gets_401_and_no_token(agent):
    response = Client().post(
        f"{API}/auth/token",
        {"username": "agent", "password": "nope"},
        content_type="application/json",
    )

    assert response.status_code == 401
    assert response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_token_request_without_password_names_the_field(agent):
    response = Client().post(
        f"{API}/auth/token", {"username": "agent"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert fields(response) == {"password"}
    assert response.json()["errors"][0]["reason"] == "This field is required."


def test_empty_credentials_name_both_fields(agent):
    response = Client().post(
        f"{API}/auth/token", {"username": "", "password": ""}, content_type="application/json"
    )

    assert response.status_code == 422
    assert fields(response) == {"username", "password"}


def test_request_without_credentials_gets_401_naming_authorization(db):
    response = Client().get(f"{API}/me")

    assert response.status_code == 401
    assert fields(response) == {"Authorization"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unknown_token_gets_401(agent):
    response = Client(headers={"Authorization": "Bearer td_not-a-real-token"}).get(f"{API}/tickets")

    assert response.status_code == 401
    assert fields(response) == {"Authorization"}


def test_revoked_token_gets_401(agent):
    token, raw = token_issue(user=agent)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get(f"{API}/me").status_code == 200

    token_revoke(user=agent, token_id=token.pk)

    response = client.get(f"{API}/me")
    assert response.status_code == 401
    assert "revoked" in response.json()["errors"][0]["reason"]


def test_token_revoked_through_the_api_is_refused_afterwards(agent):
    token, raw = token_issue(user=agent)
    client = Client(headers={"Authorization": f"Bearer {raw}"})

    response = client.delete(f"{API}/tokens/{token.pk}")

    assert response.status_code == 204
    assert client.get(f"{API}/me").status_code == 401


def test_nobody_revokes_another_persons_token(agent, backline):
    token, raw = token_issue(user=agent)

    response = client_for(backline).delete(f"{API}/tokens/{token.pk}")

    assert response.status_code == 404
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get(f"{API}/me").status_code == 200


def test_my_tokens_are_listed_without_their_secrets(agent, backline):
    _, raw = token_issue(user=agent, name="ci")
    token_issue(user=backline, name="not mine")

    response = Client(headers={"Authorization": f"Bearer {raw}"}).get(f"{API}/tokens")

    assert response.status_code == 200
    assert [t["name"] for t in response.json()] == ["ci"]
    assert raw not in response.content.decode()
    assert "key_hash" not in response.json()[0]


def test_signed_in_session_reads_the_api(alice):
    client = Client()
    client.force_login(alice)

    response = client.get(f"{API}/me")

    assert response.status_code == 200
    assert response.json()["username"] == "alice"


def test_session_write_without_csrf_token_is_refused(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post(
        f"{API}/tickets",
        {"subject": "Export fails", "body": "CSV export stops at 10k rows"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response.json()["detail"]


def test_session_write_with_csrf_token_is_accepted(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get(f"{API}/docs")  # any page that hands out the CSRF cookie
    token = client.cookies["csrftoken"].value

    response = client.post(
        f"{API}/tickets",
        {"subject": "Export fails", "body": "CSV export stops at 10k rows"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )

    assert response.status_code == 201
