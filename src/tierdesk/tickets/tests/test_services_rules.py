"""Rules that hold whatever the channel: reviewers stay internal, customers stay in their lane,
restricted tickets keep their readers, closed tickets get follow-ups."""

import pytest

from tierdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from tierdesk.tickets.selectors import ticket_get_for_user
from tierdesk.tickets.services import (
    ticket_add_note,
    ticket_attach,
    ticket_open,
    ticket_open_follow_up,
    ticket_share_restricted,
    ticket_update,
)
from tierdesk.tickets.tests.test_services_conversation import upload


def close(ticket, agent):
    ticket_update(actor=agent, ticket=ticket, changes={"status": "solved"})
    ticket_update(actor=agent, ticket=ticket, changes={"status": "closed"})


def test_reviewer_can_neither_open_attach_nor_change_what_customers_see(ticket, reviewer, alice):
    with pytest.raises(PermissionDenied):
        ticket_open(actor=reviewer, requester=alice, subject="Hi", body="from QA")
    with pytest.raises(PermissionDenied):
        ticket_attach(actor=reviewer, ticket=ticket, attachments=[upload("a.txt")])
    with pytest.raises(PermissionDenied):
        ticket_update(actor=reviewer, ticket=ticket, changes={"status": "solved"})
    ticket_add_note(actor=reviewer, ticket=ticket, body="Good first answer")
    assert ticket.messages.filter(kind="internal").count() == 1


def test_customer_cannot_choose_urgent_a_staff_channel_or_a_group(alice, group):
    with pytest.raises(ValidationFailed) as refused:
        ticket_open(
            actor=alice,
            subject="All down",
            body="x",
            priority="urgent",
            channel="phone",
            group=group,
        )

    assert set(refused.value.errors) == {"priority", "channel", "group"}


def test_customer_solves_or_reopens_but_does_not_open_a_new_ticket_by_status(ticket, alice, agent):
    with pytest.raises(ValidationFailed) as refused:
        ticket_update(actor=alice, ticket=ticket, changes={"status": "open"})
    assert "status" in refused.value.errors

    ticket_update(actor=alice, ticket=ticket, changes={"status": "solved"})
    ticket_update(actor=alice, ticket=ticket, changes={"status": "open"})
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_assignee_by_username_and_an_unknown_huge_id(ticket, agent):
    ticket_update(actor=agent, ticket=ticket, changes={"assignee": "agent"})
    ticket.refresh_from_db()
    assert ticket.assignee == agent

    with pytest.raises(ValidationFailed) as refused:
        ticket_update(actor=agent, ticket=ticket, changes={"assignee": "9" * 30})
    assert "assignee" in refused.value.errors


def test_restricting_names_the_restricter_and_the_new_assignee(ticket, agent, backline, manager):
    ticket_update(
        actor=manager, ticket=ticket, changes={"restricted": True, "assignee": backline.pk}
    )

    ticket.refresh_from_db()
    assert set(ticket.restricted_to.all()) == {manager, backline}
    assert ticket_get_for_user(backline, ticket.number) == ticket
    with pytest.raises(NotFound):
        ticket_get_for_user(agent, ticket.number)
    named = set(ticket.events.filter(field="restricted_to").values_list("to_value", flat=True))
    assert named == {str(manager.pk), str(backline.pk)}


def test_restricted_ticket_is_handed_over_by_sharing_first(ticket, agent, backline):
    ticket_update(actor=agent, ticket=ticket, changes={"restricted": True})
    with pytest.raises(ValidationFailed):
        ticket_update(actor=agent, ticket=ticket, changes={"assignee": backline.pk})

    ticket_share_restricted(actor=agent, ticket=ticket, people=[backline])
    ticket_update(actor=agent, ticket=ticket, changes={"assignee": backline.pk})

    ticket.refresh_from_db()
    assert ticket.assignee == backline


def test_sharing_refuses_customers(ticket, agent, carol):
    ticket_update(actor=agent, ticket=ticket, changes={"restricted": True})
    with pytest.raises(ValidationFailed):
        ticket_share_restricted(actor=agent, ticket=ticket, people=[carol])


def test_message_after_close_opens_a_linked_follow_up(ticket, alice, agent, group):
    ticket_update(actor=agent, ticket=ticket, changes={"group": group, "tags": ["dashboards"]})
    close(ticket, agent)

    follow_up = ticket_open_follow_up(actor=alice, ticket=ticket, body="It is back since today")

    assert follow_up.number != ticket.number
    assert (follow_up.subject, follow_up.requester, follow_up.group) == (
        ticket.subject,
        alice,
        group,
    )
    assert follow_up.tags == ["dashboards"]
    assert follow_up.messages.get().body_text == "It is back since today"
    assert follow_up.events.get(field="follow_up_of").to_value == str(ticket.number)
    assert ticket.events.get(field="followed_up_by").to_value == str(follow_up.number)


def test_follow_up_only_for_closed_tickets_and_never_for_outsiders(ticket, alice, oscar, agent):
    with pytest.raises(ValidationFailed):
        ticket_open_follow_up(actor=alice, ticket=ticket, body="again")
    close(ticket, agent)
    with pytest.raises(NotFound):
        ticket_open_follow_up(actor=oscar, ticket=ticket, body="again")


def test_follow_up_of_a_restricted_ticket_stays_restricted(alice, agent, backline):
    ticket = ticket_open(actor=agent, requester=alice, subject="Legal", body="x", restricted=True)
    close(ticket, agent)

    follow_up = ticket_open_follow_up(actor=alice, ticket=ticket, body="One more question")

    assert follow_up.restricted
    assert set(follow_up.restricted_to.all()) == {agent}
    with pytest.raises(NotFound):
        ticket_get_for_user(backline, follow_up.number)
