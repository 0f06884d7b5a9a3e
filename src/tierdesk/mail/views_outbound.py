"""The console's action on a ticket's email: sending one that failed again."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tierdesk.core.errors import Conflict
from tierdesk.mail.outbound import outbound_get_for_user, outbound_retry
from tierdesk.web.decorators import staff_required


@staff_required
@require_POST
def outbound_retry_view(request: HttpRequest, outbound_id: int) -> HttpResponse:
    """Queues a new attempt of a failed email and returns to its ticket."""
    outbound = outbound_get_for_user(request.user, outbound_id)
    try:
        outbound_retry(actor=request.user, outbound=outbound)
    except Conflict as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("The email is queued to be sent again."))
    return redirect("tickets:detail", number=outbound.ticket_id)


# Added to the mail app's URLs (app_name "mail").
urlpatterns = [
    path(
        "mail/outbound/<int:outbound_id>/retry/",
        outbound_retry_view,
        name="outbound_retry",
    ),
]
