"""Who may open a page, and how a service's refusal becomes a page: the console is for staff, the
portal for customers, and a ticket someone may not read is a 404 in both."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from tierdesk.accounts.models import User
from tierdesk.core.errors import NotFound, PermissionDenied
from tierdesk.tickets import selectors
from tierdesk.tickets.models import Ticket

View = Callable[..., HttpResponse]


def _refusals_as_pages(view: View) -> View:
    """A refusal a view did not handle itself is the 403 or 404 page, never a server error."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as error:
            raise PageForbidden(str(error)) from None
        except NotFound as error:
            raise Http404(str(error)) from None

    return wrapper


def _side_required(
    admits: Callable[[User], bool], elsewhere: Callable[[dict[str, Any]], HttpResponse]
) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        guarded = _refusals_as_pages(view)

        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not admits(request.user):
                return elsewhere(kwargs)
            return guarded(request, *args, **kwargs)

        return wrapper

    return decorator


def _to_portal(kwargs: dict[str, Any]) -> HttpResponse:
    if "number" in kwargs:
        return redirect("portal:ticket", number=kwargs["number"])
    if "attachment_id" in kwargs:
        return redirect("portal:attachment", attachment_id=kwargs["attachment_id"])
    return redirect("portal:home")


def _to_console(kwargs: dict[str, Any]) -> HttpResponse:
    if "number" in kwargs:
        return redirect("tickets:detail", number=kwargs["number"])
    if "attachment_id" in kwargs:
        return redirect("tickets:attachment", attachment_id=kwargs["attachment_id"])
    return redirect("tickets:list")


# Lets staff in; sends a customer to the portal's page for the same thing.
staff_required = _side_required(lambda user: user.is_support_staff, _to_portal)
# Lets customers in; sends staff to the console's page for the same thing.
customer_required = _side_required(lambda user: user.is_customer, _to_console)


def ticket_or_404(request: HttpRequest, number: int, missing: str | None = None) -> Ticket:
    """The ticket the signed-in person may read, or the 404 page (`missing` is its reason)."""
    try:
        return selectors.ticket_get_for_user(request.user, number)
    except NotFound:
        raise Http404(missing or _("No such ticket.")) from None
