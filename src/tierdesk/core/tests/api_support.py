"""Helpers for API tests: a Django test client that speaks for a person through a bearer token."""

from __future__ import annotations

from django.test import Client

from tierdesk.accounts.models import User
from tierdesk.accounts.services import token_issue

API = "/api/v1"


def client_for(user: User, **headers: str) -> Client:
    """A client whose every request carries a fresh token of `user`, through the whole stack."""
    _, raw = token_issue(user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {raw}", **headers})


def fields(response) -> set[str]:
    """The fields an error response names."""
    body = response.json()
    assert set(body) == {"detail", "errors"}, body
    return {error["field"] for error in body["errors"]}
