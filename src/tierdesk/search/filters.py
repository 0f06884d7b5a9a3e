"""The search request as the API and the pages take it: query, filters and page, checked, each
refusal naming its field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Language
from tierdesk.core.errors import ValidationFailed
from tierdesk.knowledge.choices import ArticleState
from tierdesk.search import backend
from tierdesk.tickets.choices import ProductArea, Status

LIMIT_MAX = 100
QUERY_CHARS_MAX = 500
STATES = frozenset(ArticleState.values) | frozenset(Status.values)


@dataclass(frozen=True)
class SearchParams:
    q: str
    kinds: frozenset[str] = field(default_factory=frozenset)
    language: str | None = None
    state: str | None = None
    product_area: str | None = None
    since: date | None = None
    until: date | None = None
    limit: int = 20
    offset: int = 0

    def selector_kwargs(self) -> dict[str, Any]:
        return {
            "kinds": self.kinds or None,
            "language": self.language,
            "state": self.state,
            "product_area": self.product_area,
            "since": self.since,
            "until": self.until,
            "limit": self.limit,
            "offset": self.offset,
        }


def _date(errors: dict[str, str], name: str, value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = _("Give a date as YYYY-MM-DD.")
        return None


def _int(errors: dict[str, str], name: str, value: str, default: int, low: int, high: int) -> int:
    if value in ("", None):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[name] = _("Give a whole number.")
        return default
    if not low <= number <= high:
        errors[name] = _("Give a number from %(low)d to %(high)d.") % {"low": low, "high": high}
        return default
    return number


def parse_search_params(data: Mapping[str, Any], *, require_query: bool = True) -> SearchParams:
    """The search request in `data` (q, type, lang, state, product_area, from, to, limit, offset).
    Raises ValidationFailed naming every refused field."""
    errors: dict[str, str] = {}
    q = " ".join(str(data.get("q") or "").split())
    if not q and require_query:
        errors["q"] = _("Type something to search for.")
    elif len(q) > QUERY_CHARS_MAX:
        errors["q"] = _("Search for at most %(count)d characters.") % {"count": QUERY_CHARS_MAX}
    kind = str(data.get("type") or "")
    if kind and kind not in ("article", "ticket"):
        errors["type"] = _("Give article or ticket.")
    language = str(data.get("lang") or "")
    if language and language not in Language.values:
        errors["lang"] = _("Unknown language.")
    state = str(data.get("state") or "")
    if state and state not in STATES:
        errors["state"] = _("Unknown state or status.")
    area = str(data.get("product_area") or "")
    if area and area not in ProductArea.values:
        errors["product_area"] = _("Unknown product area.")
    since = _date(errors, "from", str(data.get("from") or ""))
    until = _date(errors, "to", str(data.get("to") or ""))
    if since and until and until < since:
        errors["to"] = _("The end date comes before the start date.")
    limit = _int(errors, "limit", data.get("limit", ""), 20, 1, LIMIT_MAX)
    offset = _int(errors, "offset", data.get("offset", ""), 0, 0, backend.CANDIDATES - 1)
    if "offset" in errors and str(data.get("offset")).strip().isdigit():
        # A search ranks the newest CANDIDATES matches only: pages beyond them would be empty.
        errors["offset"] = _(
            "Results stop at %(count)d, the most relevant of the newest %(count)d matches: add "
            "words to narrow the search rather than paging further."
        ) % {"count": backend.CANDIDATES}
    if errors:
        raise ValidationFailed(errors)
    return SearchParams(
        q=q,
        kinds=frozenset({kind}) if kind else frozenset(),
        language=language or None,
        state=state or None,
        product_area=area or None,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
