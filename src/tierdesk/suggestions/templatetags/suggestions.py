"""Template tags of suggestions: whether an article page was reached from a portal draft."""

from __future__ import annotations

from typing import Any

from django import template

from tierdesk.suggestions.choices import DraftOutcome
from tierdesk.suggestions.models import PortalDraft
from tierdesk.suggestions.services import draft_for

register = template.Library()


@register.simple_tag
def deflect_draft(request: Any, article: Any) -> PortalDraft | None:
    """The signed-in customer's draft named by `?draft=` when the article page may ask whether
    it answered them: a public validated article, a draft still theirs to settle (not
    submitted, and not already said to be answered)."""
    if request is None or article is None or not getattr(article, "customers_see", False):
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_customer:
        return None
    draft = draft_for(user, request.GET.get("draft"))
    if draft is None or draft.outcome == DraftOutcome.SUBMITTED or draft.deflected_explicitly:
        return None
    return draft
