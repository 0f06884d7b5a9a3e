"""Field changes: transitions, permissions, one event per changed field, restricted tickets."""

import pytest

from tierdesk.core.errors import NotFound, ValidationFailed
from tierdesk.tickets.selectors import ticket_get_for_user, tickets_visible_to
from tierdesk.tickets.services import (
    restricted_ticket_read_record,
    ticket_claim,
    ticket_open,
    ticket_share_restricted,
    ticket_update,
)


def test_each_changed_field_is_one_event_with_from_and_to(ticket, agent, group):
    ticket_update(
        actor=agent,
        ticket=ticket,
        changes={"priority": "high", "group": group.name, "tags": ["vip"], "type": "question"},
    )

    changes = {e.field: (e.from_value, e.to_value) for e in ticket.events.filter(kind="changed")}
    assert changes == {
        "priority": ("normal", "high"),
        "group": ("", str(group.pk)),
        "tags": ("", "vip"),
    }
    group_event = ticket.events.get(field="group")
    assert group_event.data["to_label"] == "Query engine"


def test_disallowed_status_transition_is_refused(ticket, agent):
    with pytest.raises(ValidationFailed) as refused:
        ticket_update(actor=agent, ticket=ticket, changes={"status": "closed"})

    assert "status" in refused.value.errors
    assert "A New ticket cannot move to Closed" in refused.value.errors["status"][0]
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_nothing_returns_to_new(ticket, agent):
    ticket_update(actor=agent, ticket=ticket, changes={"status": "open"})
    with pytest.raises(ValidationFailed):
        ticket_update(actor=agent, ticket=ticket, changes={"status": "new"})


def test_invalid_change_changes_nothing(ticket, agent):
    with pytest.raises(ValidationFailed) as refused:
        ticket_update(actor=agent, ticket=ticket, changes={"priority": "high", "tier": 7})

    assert set(refused.value.errors) == {"tier"}
    ticket.refresh_from_db()
    assert ticket.priority == "normal"
    assert not ticket.events.filter(kind="changed").exists()


def test_customer_may_solve_but_not_reprioritise(ticket, alice):
    with pytest.raises(ValidationFailed) as refused:
        ticket_update(actor=alice, ticket=ticket, changes={"priority": "urgent"})
    assert "priority" in refused.value.errors

    ticket_update(actor=alice, ticket=ticket, changes={"status": "solved"})
    ticket.refresh_from_db()
    assert ticket.status == "solved"


def test_outsider_cannot_change_ticket(ticket, oscar):
    with pytest.raises(NotFound):
        ticket_update(actor=oscar, ticket=ticket, changes={"status": "solved"})


def test_claim_assigns_to_the_actor(ticket, agent):
    ticket_claim(actor=agent, ticket=ticket)

    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert ticket.events.get(field="assignee").data["to_label"] == agent.display_name


def test_tickets_go_to_agents_not_customers_or_reviewers(ticket, manager, alice, reviewer):
    for person in (alice, reviewer):
        with pytest.raises(ValidationFailed) as refused:
            ticket_update(actor=manager, ticket=ticket, changes={"assignee": person.pk})
        assert "assignee" in refused.value.errors


def test_restricted_ticket_is_hidden_from_unnamed_staff(agent, backline, alice):
    ticket = ticket_open(
        actor=agent, subject="Data breach", body="details", requester=alice, restricted=True
    )

    assert ticket_get_for_user(agent, ticket.number) == ticket
    with pytest.raises(NotFound):
        ticket_get_for_user(backline, ticket.number)

    ticket_share_restricted(actor=agent, ticket=ticket, people=[backline])
    assert ticket_get_for_user(backline, ticket.number) == ticket


def test_reading_a_restricted_ticket_is_audited(agent, alice):
    ticket = ticket_open(actor=agent, subject="Legal", body="x", requester=alice, restricted=True)

    restricted_ticket_read_record(actor=agent, ticket=ticket)

    assert ticket.events.filter(kind="viewed", actor=agent).count() == 1


def test_restricted_ticket_cannot_be_assigned_to_someone_not_named(agent, backline, alice):
    ticket = ticket_open(actor=agent, subject="Legal", body="x", requester=alice, restricted=True)

    with pytest.raises(ValidationFailed) as refused:
        ticket_update(actor=agent, ticket=ticket, changes={"assignee": backline.pk})
    assert "assignee" in refused.value.errors


def test_customers_see_only_their_organizations_tickets(ticket, carol, oscar):
    assert list(tickets_visible_to(carol)) == [ticket]
    assert list(tickets_visible_to(oscar)) == []
    with pytest.raises(NotFound):
        ticket_get_for_user(oscar, ticket.number)
