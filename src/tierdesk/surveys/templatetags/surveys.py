"""The portal's rating form: `{% survey_portal_form ticket %}` on a solved ticket's page shows
its requester the unanswered CSAT (and CES) questions, posting to the invitation's signed link."""

from __future__ import annotations

from typing import Any

from django import template

from tierdesk.surveys import selectors, services
from tierdesk.surveys.forms import AnswerForm

register = template.Library()


@register.inclusion_tag("surveys/_portal_form.html", takes_context=True)
def survey_portal_form(context: dict[str, Any], ticket: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    invitation = selectors.portal_invitation(user, ticket) if user is not None else None
    if invitation is None:
        return {"invitation": None}
    kinds = services.questions_for(invitation, ces_enabled=services.survey_settings().ces_enabled)
    return {
        "invitation": invitation,
        "form": AnswerForm(kinds=kinds),
        "signed": services.survey_link_token(invitation),
        "csrf_token": context.get("csrf_token"),
    }
