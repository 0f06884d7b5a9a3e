"""API shapes of people, organisations and tokens: what comes in, what goes out."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict


class PersonRef(Schema):
    """A person as other records name them."""

    id: int
    username: str
    name: str = Field(..., validation_alias="display_name")


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
