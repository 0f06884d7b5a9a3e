"""API of people and access: tokens, who am I, organisations and people I may see."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from tierdesk.accounts.choices import Role
from tierdesk.accounts.schemas import (
    OrganizationOut,
    TokenIssuedOut,
    TokenOut,
    TokenRequestIn,
    UserOut,
)
from tierdesk.accounts.selectors import organizations_visible_to, tokens_of, users_visible_to
from tierdesk.accounts.services import token_issue_for_credentials, token_revoke
from tierdesk.core.api import ErrorOut, Page, RecordId
from tierdesk.core.pagination import PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, keyset_page

router = Router(tags=["accounts"])


class PageQuery(Schema):
    cursor: str | None = None
    limit: int = Field(PAGE_LIMIT_DEFAULT, ge=1, le=PAGE_LIMIT_MAX)


class UserQuery(PageQuery):
    role: Role | None = None
    organization: RecordId | None = None


@router.post(
    "/auth/token",
    auth=None,
    response={201: TokenIssuedOut, 401: ErrorOut, 422: ErrorOut},
    summary="Issue a token",
)
def token_create(request: HttpRequest, payload: TokenRequestIn) -> Any:
    """Trades a username and password for a bearer token, shown this once."""
    token, raw = token_issue_for_credentials(
        username=payload.username, password=payload.password, name=payload.name
    )
    return Status(201, {**TokenOut.model_validate(token).model_dump(), "token": raw})


@router.get("/tokens", response=list[TokenOut], summary="My tokens")
def token_list(request: HttpRequest) -> Any:
    """Your tokens, newest first, revoked ones included; never their secrets."""
    return tokens_of(request.auth)


@router.delete("/tokens/{token_id}", response={204: None, 404: ErrorOut}, summary="Revoke a token")
def token_delete(request: HttpRequest, token_id: int) -> Any:
    """Revokes a token: from now on it is refused with 401."""
    token_revoke(user=request.auth, token_id=token_id)
    return Status(204, None)


@router.get("/me", response=UserOut, summary="Who am I")
def me(request: HttpRequest) -> Any:
    return request.auth


@router.get("/organizations", response=Page[OrganizationOut], summary="Organizations")
def organization_list(request: HttpRequest, query: Query[PageQuery]) -> Any:
    """Organizations you may see by name: all for staff, your own for a customer."""
    items, next_cursor = keyset_page(
        organizations_visible_to(request.auth), key="name", cursor=query.cursor, limit=query.limit
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get("/users", response=Page[UserOut], summary="People")
def user_list(request: HttpRequest, query: Query[UserQuery]) -> Any:
    """People you may see by username: everyone for staff, your colleagues for a customer."""
    people = users_visible_to(request.auth)
    if query.role:
        people = people.filter(role=query.role)
    if query.organization is not None:
        people = people.filter(organization_id=query.organization)
    items, next_cursor = keyset_page(people, key="username", cursor=query.cursor, limit=query.limit)
    return {"items": items, "next_cursor": next_cursor}
