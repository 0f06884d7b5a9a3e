"""The console's work counts (portfolio, queue, escalated to me) beside every page's navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from tierdesk.queues.selectors import WorkCounts
from tierdesk.queues.selectors import work_counts as counts_for


def work_counts(request: HttpRequest) -> dict[str, Any]:
    """`work_counts`: a WorkCounts for staff, None (false) for customers and visitors.

    Lazy: only a page that shows the counts (the console's navigation) pays for their one
    query; the portal, sign-in and error pages run none.
    """

    def counts() -> WorkCounts | None:
        # Error pages may render before the authentication middleware has run.
        user = getattr(request, "user", None)
        return counts_for(user) if user is not None else None

    return {"work_counts": SimpleLazyObject(counts)}
