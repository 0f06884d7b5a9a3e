"""Keyset paging shared by the API and the pages: the page-size cap and the opaque cursor codec."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from tierdesk.core.errors import ValidationFailed

PAGE_LIMIT_DEFAULT = 50
# A page is read whole and serialised in one go; 200 rows keep that under a few milliseconds.
PAGE_LIMIT_MAX = 200
# The largest key a 64-bit primary key holds: a larger number names no row, and SQLite and
# PostgreSQL refuse to compare a column with it rather than find nothing.
ID_MAX = 2**63 - 1


def page_limit(limit: int) -> int:
    """`limit` brought within 1..PAGE_LIMIT_MAX, for callers that do not validate it first."""
    return max(1, min(limit, PAGE_LIMIT_MAX))


def cursor_encode(value: str) -> str:
    """An opaque cursor carrying `value`: URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def cursor_refused(cursor: str) -> ValidationFailed:
    """The refusal of a cursor no list gave out, naming `cursor`."""
    return ValidationFailed(
        cursor=_("%(cursor)s is not a cursor this list gave out.") % {"cursor": cursor[:100]}
    )


def cursor_decode(cursor: str) -> str:
    """The value `cursor_encode` put into `cursor`; ValidationFailed naming `cursor` when it is not
    a cursor (bad alphabet, bad padding, not UTF-8, or empty)."""
    try:
        padded = (cursor + "=" * (-len(cursor) % 4)).encode()
        value = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise cursor_refused(cursor) from None
    if not value:
        raise cursor_refused(cursor)
    return value


def keyset_page(
    items: QuerySet[Any], *, key: str, cursor: str | None, limit: int
) -> tuple[list[Model], str | None]:
    """A page of `items` ordered by the unique text column `key`, after `cursor`, and the cursor
    of the next page (None on the last).

    Keyset paging costs the same on the last page as on the first, and counts nothing.
    """
    limit = page_limit(limit)
    if cursor:
        items = items.filter(**{f"{key}__gt": cursor_decode(cursor)})
    rows = list(items.order_by(key)[: limit + 1])
    next_cursor = cursor_encode(str(getattr(rows[limit - 1], key))) if len(rows) > limit else None
    return rows[:limit], next_cursor
