"""Who gets into the console and the portal, and how a refusal a view leaves to them becomes the
403 or 404 page instead of a server error."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from tierdesk.core.errors import NotFound, PermissionDenied
from tierdesk.web.decorators import customer_required, staff_required, ticket_or_404


def request_by(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


@staff_required
def console_page(request, number=None):
    return HttpResponse("console")


@customer_required
def portal_page(request, number=None):
    return HttpResponse("portal")


def test_staff_reach_the_console_and_customers_are_sent_to_the_same_ticket_in_the_portal(
    agent, alice
):
    assert console_page(request_by(agent)).content == b"console"
    response = console_page(request_by(alice), number=7)
    assert (response.status_code, response["Location"]) == (302, "/portal/tickets/7/")


def test_customers_reach_the_portal_and_staff_are_sent_to_the_same_ticket_in_the_console(
    agent, alice
):
    assert portal_page(request_by(alice)).content == b"portal"
    response = portal_page(request_by(agent), number=7)
    assert (response.status_code, response["Location"]) == (302, "/tickets/7/")


def test_a_service_refusal_left_to_the_decorator_becomes_a_403_with_its_reason(agent):
    @staff_required
    def refuses(request):
        raise PermissionDenied("Quality reviewers add internal notes.")

    with pytest.raises(PageForbidden, match="Quality reviewers add internal notes"):
        refuses(request_by(agent))


def test_a_not_found_left_to_the_decorator_becomes_a_404(alice):
    @customer_required
    def missing(request):
        raise NotFound("No such request.")

    with pytest.raises(Http404):
        missing(request_by(alice))


def test_ticket_or_404_hides_other_organizations_tickets_behind_the_given_reason(
    oscar, alice, ticket
):
    assert ticket_or_404(request_by(alice), ticket.number) == ticket
    with pytest.raises(Http404, match="No such request"):
        ticket_or_404(request_by(oscar), ticket.number, "No such request.")
