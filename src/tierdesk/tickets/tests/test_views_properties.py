"""The properties panel writes only what the person changed: a panel loaded before a colleague's
change never writes that change back."""

from __future__ import annotations

from html.parser import HTMLParser

from django.urls import reverse

from tierdesk.tickets.models import TicketEvent
from tierdesk.tickets.services import ticket_update


class _PanelForm(HTMLParser):
    """The values the properties form in a page would post, as a browser would collect them."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._in_panel = False
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "form" and "/properties/" in attr.get("action", ""):
            self._in_panel = True
        if not self._in_panel:
            return
        if tag == "input" and attr.get("name") and attr.get("name") != "csrfmiddlewaretoken":
            self.values[attr["name"]] = attr.get("value", "")
        elif tag == "select":
            self._select = attr["name"]
            self.values.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in attr:
            self.values[self._select] = attr.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._in_panel = False


def panel_as_loaded(client, ticket) -> dict[str, str]:
    parser = _PanelForm()
    parser.feed(client.get(reverse("tickets:detail", args=[ticket.number])).content.decode())
    return parser.values


def post_panel(client, ticket, values: dict[str, str]):
    return client.post(
        reverse("tickets:properties", args=[ticket.number]), values, headers={"HX-Request": "true"}
    )


def test_panel_carries_the_value_it_shows_for_every_field(client, agent, ticket):
    client.force_login(agent)
    values = panel_as_loaded(client, ticket)
    for name in ["status", "priority", "type", "product_area", "tier", "group", "assignee", "tags"]:
        assert values[f"initial-{name}"] == values[name], name
    assert values["initial-priority"] == "normal"


def test_stale_panel_changing_the_status_keeps_a_colleagues_priority_and_tags(
    client, agent, backline, ticket
):
    # Given agent's panel loaded while the ticket was normal and untagged
    client.force_login(agent)
    stale = panel_as_loaded(client, ticket)
    # And a colleague then sets priority urgent and tags it vip
    ticket_update(actor=backline, ticket=ticket, changes={"priority": "urgent", "tags": ["vip"]})
    # When agent changes only the status in the old panel
    response = post_panel(client, ticket, {**stale, "status": "pending"})
    # Then the status changes and the colleague's changes stand
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "pending"
    assert ticket.priority == "urgent" and ticket.tags == ["vip"]
    assert not TicketEvent.objects.filter(ticket=ticket, actor=agent, field="priority").exists()
    # And the panel that comes back shows the ticket as it is now
    assert response.context["properties_form"].initial["priority"] == "urgent"


def test_stale_panel_adding_a_tag_keeps_the_tag_a_colleague_added(client, agent, backline, ticket):
    ticket_update(actor=agent, ticket=ticket, changes={"tags": ["planner"]})
    client.force_login(agent)
    stale = panel_as_loaded(client, ticket)
    ticket_update(actor=backline, ticket=ticket, changes={"tags": ["planner", "vip"]})
    # When agent adds "slow" and removes "planner" in the old panel
    post_panel(client, ticket, {**stale, "tags": "slow"})
    # Then vip, which agent never saw, stays
    ticket.refresh_from_db()
    assert ticket.tags == ["vip", "slow"]


def test_stale_panel_leaves_a_tag_a_colleague_removed_removed(client, agent, backline, ticket):
    ticket_update(actor=agent, ticket=ticket, changes={"tags": ["planner", "wrong"]})
    client.force_login(agent)
    stale = panel_as_loaded(client, ticket)
    ticket_update(actor=backline, ticket=ticket, changes={"tags": ["planner"]})
    post_panel(client, ticket, {**stale, "tags": "planner wrong later"})
    ticket.refresh_from_db()
    assert ticket.tags == ["planner", "later"]


def test_untouched_panel_posted_again_writes_nothing(client, agent, backline, ticket):
    client.force_login(agent)
    stale = panel_as_loaded(client, ticket)
    ticket_update(actor=backline, ticket=ticket, changes={"priority": "high", "tier": 2})
    before = TicketEvent.objects.filter(ticket=ticket).count()
    # "Save" pressed on the old panel without changing anything
    post_panel(client, ticket, stale)
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.tier) == ("high", 2)
    assert TicketEvent.objects.filter(ticket=ticket).count() == before


def test_refused_change_on_a_stale_panel_keeps_the_choice_and_shows_the_rest_as_it_is_now(
    client, agent, backline, ticket
):
    client.force_login(agent)
    stale = panel_as_loaded(client, ticket)
    ticket_update(actor=backline, ticket=ticket, changes={"priority": "urgent"})
    # When agent asks for a move the ticket cannot make (new -> closed)
    response = post_panel(client, ticket, {**stale, "status": "closed"})
    # Then the refusal is on the status, the choice is kept, and the priority shows urgent
    form = response.context["properties_form"]
    assert "status" in form.errors
    body = response.content.decode()
    assert '<option value="closed" selected>' in body
    assert '<option value="urgent" selected>' in body
    assert 'name="initial-priority" value="urgent"' in body
    # And posting that panel again after picking a possible status keeps urgent
    parser = _PanelForm()
    parser.feed(body)
    post_panel(client, ticket, {**parser.values, "status": "open"})
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("open", "urgent")


def test_post_naming_one_field_changes_only_that_field(client, agent, backline, group, ticket):
    ticket_update(actor=backline, ticket=ticket, changes={"group": group.pk, "tags": ["vip"]})
    client.force_login(agent)
    response = client.post(reverse("tickets:properties", args=[ticket.number]), {"tier": "2"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.tier == 2
    assert (ticket.group, ticket.tags, ticket.status) == (group, ["vip"], "new")
