"""The Django admin shows the SLA setup read-only, pointing at the console's pages, and clocks only
of tickets the admin may read."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import PASSWORD
from tierdesk.sla.models import BusinessCalendar, SlaClock, SlaPolicy
from tierdesk.sla.services import clocks_refresh
from tierdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(admin_user) -> Client:
    client = Client()
    assert client.login(username=admin_user.username, password=PASSWORD)
    return client


def test_calendars_and_policies_are_read_only_with_a_link_to_the_console(client):
    calendar = BusinessCalendar.objects.get(name="Tokyo")
    policy = SlaPolicy.objects.get(name="Phone")

    calendars = client.get("/admin/sla/businesscalendar/").content.decode()
    assert "Tokyo" in calendars
    assert f"/sla/calendars/{calendar.pk}/" in calendars
    assert "/admin/sla/businesscalendar/add/" not in calendars
    page = client.get(f"/admin/sla/slapolicy/{policy.pk}/change/")
    assert page.status_code == 200
    assert "first_response" in page.content.decode() or "First response" in page.content.decode()
    assert client.post(f"/admin/sla/slapolicy/{policy.pk}/delete/").status_code == 403
    assert SlaPolicy.objects.filter(pk=policy.pk).exists()


def test_clocks_of_restricted_tickets_do_not_show(client, ticket):
    clocks_refresh([ticket.pk])
    assert SlaClock.objects.filter(ticket=ticket).exists()
    assert "Query times out" in client.get("/admin/sla/slaclock/").content.decode()

    Ticket.objects.filter(pk=ticket.pk).update(restricted=True)

    assert "Query times out" not in client.get("/admin/sla/slaclock/").content.decode()
