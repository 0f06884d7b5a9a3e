"""Errors services raise; the API and the pages turn them into answers that name field and reason."""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    """Base for errors a service raises on purpose."""


class ValidationFailed(ServiceError):
    """Input was refused. `errors` maps each field to the reasons it was refused."""

    def __init__(self, errors: Mapping[str, str | list[str]] | None = None, **fields: str) -> None:
        merged: dict[str, list[str]] = {}
        for field, reasons in {**(errors or {}), **fields}.items():
            merged[field] = (
                [str(reasons)] if isinstance(reasons, str) else [str(r) for r in reasons]
            )
        self.errors = merged
        super().__init__("; ".join(f"{f}: {', '.join(r)}" for f, r in merged.items()))

    def as_list(self) -> list[dict[str, str]]:
        return [{"field": f, "reason": r} for f, reasons in self.errors.items() for r in reasons]


class NotFound(ServiceError):
    """The thing does not exist, or the person asking may not know it exists."""


class PermissionDenied(ServiceError):
    """The person may see the thing but may not do this to it."""


class Conflict(ServiceError):
    """The request clashes with the current state (a reused idempotency key, a lost race)."""


class AuthenticationFailed(ServiceError):
    """Credentials or a token did not identify an active person."""
