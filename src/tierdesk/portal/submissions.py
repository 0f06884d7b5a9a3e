"""A portal form posted twice (a double click, a reload that resends it, a retry after a
timeout) is acted on once. Each form carries a submission key; the first post records where it
led, and a repeat with the same key and the same content is sent there without writing again.

The same key with other content (the customer went back, changed the text and sent it again)
is a new submission: it is acted on, never dropped for looking like a repeat."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from tierdesk.accounts.models import User
from tierdesk.core.models import IdempotentRequest

FIELD = "submission"
_KEY = re.compile(r"^[0-9a-f]{32}$")


def fingerprint(purpose: str, fields: Mapping[str, Any], files: Iterable[UploadedFile] = ()) -> str:
    """sha256 over what the form is for (e.g. "reply:42"), its fields and its files' names and
    content."""
    digest = hashlib.sha256(purpose.encode() + b"\n")
    for name in sorted(fields):
        digest.update(f"{name}={fields[name]}\n".encode())
    for upload in files:
        digest.update(f"file:{upload.name}:{upload.size}:".encode())
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
    return digest.hexdigest()


def run_once(
    user: User, key: str | None, print_: str, action: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any], bool]:
    """Runs `action` unless this person already posted this key with this content; returns
    what it (or the first post) recorded, and whether this post was a repeat.

    `action` returns a small JSON-able dict (the ticket it led to). A key that is missing or
    not one the portal gave out runs `action` unrecorded. Two posts at the same moment run it
    once: the second waits on the first (SQLite's write lock) or fails on the unique key
    (PostgreSQL) and gets the first's outcome, its own writes undone."""
    if not key or not _KEY.match(key):
        return action(), False
    stored_key = f"portal:{key}:{print_}"
    with transaction.atomic():
        stored = IdempotentRequest.objects.filter(user=user, key=stored_key).first()
        if stored is not None:
            return stored.response_body, True
        try:
            with transaction.atomic():
                outcome = action()
                IdempotentRequest.objects.create(
                    user=user,
                    key=stored_key,
                    request_fingerprint=print_,
                    status_code=303,
                    response_body=outcome,
                )
        except IntegrityError:
            stored = IdempotentRequest.objects.filter(user=user, key=stored_key).first()
            if stored is None:
                raise
            return stored.response_body, True
    return outcome, False
