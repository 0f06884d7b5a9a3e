"""Restricted tickets in the console: restricting one from the side panel, its readers, giving
another member of staff access, and lifting the restriction."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tierdesk.tickets.models import TicketEvent
from tierdesk.tickets.services import ticket_open, ticket_update


@pytest.fixture
def restricted(agent, alice):
    return ticket_open(
        actor=agent, requester=alice, subject="Leaked key", body="Rotate it", restricted=True
    )


def detail(ticket) -> str:
    return reverse("tickets:detail", args=[ticket.number])


def test_agent_restricts_a_ticket_from_the_side_panel(client, agent, backline, ticket):
    client.force_login(agent)
    page = client.get(detail(ticket)).content.decode()
    assert reverse("tickets:restrict", args=[ticket.number]) in page
    # When the agent restricts the ticket
    response = client.post(
        reverse("tickets:restrict", args=[ticket.number]), {"restricted": "true"}
    )
    # Then it is restricted to them, and a colleague not named no longer finds it
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.restricted
    assert list(ticket.restricted_to.all()) == [agent]
    client.force_login(backline)
    assert client.get(detail(ticket)).status_code == 404


def test_restricted_ticket_lists_its_readers_and_offers_the_others(
    client, agent, backline, manager, restricted
):
    client.force_login(agent)
    response = client.get(detail(restricted))
    body = response.content.decode()
    assert '<ul class="readers">' in body
    assert [r.pk for r in response.context["readers"]] == [agent.pk]
    offered = set(response.context["share_form"].fields["person"].queryset)
    assert {backline, manager} <= offered and agent not in offered


def test_giving_access_lets_a_colleague_read_and_is_in_the_timeline(
    client, agent, backline, restricted
):
    client.force_login(agent)
    # When the agent gives backline access
    response = client.post(
        reverse("tickets:share", args=[restricted.number]), {"person": backline.pk}, follow=True
    )
    # Then backline is a reader, the timeline says so, and backline can open the ticket
    body = response.content.decode()
    assert f"{backline.display_name} can now read this ticket." in body
    assert (
        f"<strong>{agent.display_name}</strong> gave {backline.display_name} access to this "
        "restricted ticket" in body
    )
    assert set(restricted.restricted_to.all()) == {agent, backline}
    client.force_login(backline)
    assert client.get(detail(restricted)).status_code == 200


def test_staff_not_named_cannot_give_themselves_access(client, agent, backline, restricted):
    client.force_login(backline)
    response = client.post(
        reverse("tickets:share", args=[restricted.number]), {"person": backline.pk}
    )
    assert response.status_code == 404
    assert list(restricted.restricted_to.all()) == [agent]


def test_customers_cannot_be_given_access(client, agent, alice, restricted):
    client.force_login(agent)
    response = client.post(
        reverse("tickets:share", args=[restricted.number]), {"person": alice.pk}, follow=True
    )
    assert response.status_code == 200
    assert list(restricted.restricted_to.all()) == [agent]
    assert response.context["messages"]
    assert not TicketEvent.objects.filter(ticket=restricted, to_value=str(alice.pk)).exists()


def test_lifting_the_restriction_opens_the_ticket_to_all_staff(client, agent, backline, restricted):
    client.force_login(agent)
    client.post(reverse("tickets:restrict", args=[restricted.number]), {"restricted": "false"})
    restricted.refresh_from_db()
    assert not restricted.restricted
    client.force_login(backline)
    assert client.get(detail(restricted)).status_code == 200


def test_unrestricted_ticket_shows_no_readers_or_share_form(client, agent, ticket):
    client.force_login(agent)
    response = client.get(detail(ticket))
    assert response.context["share_form"] is None
    assert reverse("tickets:share", args=[ticket.number]) not in response.content.decode()


def test_closed_ticket_offers_no_restrict_button(client, agent, ticket):
    ticket_update(actor=agent, ticket=ticket, changes={"status": "solved"})
    ticket_update(actor=agent, ticket=ticket, changes={"status": "closed"})
    client.force_login(agent)
    body = client.get(detail(ticket)).content.decode()
    assert reverse("tickets:restrict", args=[ticket.number]) not in body
