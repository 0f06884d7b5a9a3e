"""API shapes of people, organisations and tokens: what comes in, what goes out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from tierdesk.accounts.models import User


def api_viewer(context: Any) -> User | None:
    """The person an answer is being serialised for, from the context ninja validates it with."""
    request = (context or {}).get("request")
    viewer = getattr(request, "auth", None)
    return viewer if isinstance(viewer, User) else None


def sees_staff_details(context: Any) -> bool:
    """Whether the answer is for support staff. Without a known viewer, the answer is treated as
    a customer's: what leaks through a forgotten context is then only what customers may see."""
    viewer = api_viewer(context)
    return viewer is not None and viewer.is_support_staff


def knows_person(context: Any, person: User) -> bool:
    """Whether the viewer may see `person`'s id and username: staff see everyone's; a customer
    sees their own and their organization's contacts', never the support staff's."""
    viewer = api_viewer(context)
    if viewer is None:
        return False
    if viewer.is_support_staff or person.pk == viewer.pk:
        return True
    return (
        person.is_customer
        and viewer.organization_id is not None
        and person.organization_id == viewer.organization_id
    )


class PersonRef(Schema):
    """A person as other records name them. A customer sees `id` and `username` only of
    themselves and the contacts of their organization; for anyone else, the support staff above
    all, both are null and only the name is given."""

    id: int | None
    username: str | None
    name: str = Field(..., validation_alias="display_name")

    @staticmethod
    def resolve_id(obj: User, context: Any) -> int | None:
        return obj.pk if knows_person(context, obj) else None

    @staticmethod
    def resolve_username(obj: User, context: Any) -> str | None:
        return obj.username if knows_person(context, obj) else None


class OrganizationRef(Schema):
    id: int
    name: str


class GroupRef(Schema):
    id: int
    name: str


class UserOut(Schema):
    """A person. Password hashes and permissions never leave the server."""

    id: int
    username: str
    name: str = Field(..., validation_alias="display_name")
    email: str
    role: str
    tier: int | None
    organization: OrganizationRef | None
    language: str
    time_zone: str


class OrganizationOut(Schema):
    id: int
    name: str
    email_domains: list[str]
    plan: str
    region: str
    size: str
    success_manager: PersonRef | None


class TokenRequestIn(Schema):
    model_config = ConfigDict(extra="forbid")

    username: str
    password: str
    name: str = Field("", max_length=100, description="A label to tell your tokens apart.")


class TokenOut(Schema):
    """A token as its owner sees it later: never the secret, only its first characters."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIssuedOut(TokenOut):
    token: str = Field(..., description="Shown once. Send it as `Authorization: Bearer <token>`.")
