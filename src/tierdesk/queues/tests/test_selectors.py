"""Queue and portfolio order, who sees which queue, and the counts beside them."""

from __future__ import annotations

import pytest
import time_machine

from tierdesk.accounts.choices import Tier
from tierdesk.core.errors import NotFound, ValidationFailed
from tierdesk.escalations.models import Escalation, EscalationStatus
from tierdesk.escalations.services import ticket_flag_escalation
from tierdesk.queues.choices import QueueState
from tierdesk.queues.selectors import (
    NO_GROUP,
    escalated_to,
    portfolio_tickets,
    queue_get_for_user,
    queue_tickets,
    queues_visible_to,
    ticket_queue_state,
    work_counts,
)
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_claim, ticket_release, ticket_update


def numbers(page) -> list[int]:
    return [t.number for t in page.items]


def escalate(
    ticket,
    by,
    *,
    to_tier=Tier.BACK_LINE,
    group=None,
    status=EscalationStatus.REQUESTED,
    accepted_by=None,
    at="2026-03-02 10:00Z",
):
    return Escalation.objects.create(
        ticket=ticket,
        from_tier=Tier.FRONT_LINE,
        to_tier=to_tier,
        group=group,
        status=status,
        requested_by=by,
        accepted_by=accepted_by,
        summary="Planner regression in 4.2",
        created_at=at,
    )


# --- order ------------------------------------------------------------------------------------


def test_queue_serves_new_tickets_first_then_reactivated_by_reactivation_then_age(
    engineer, group, open_at, reactivate
):
    # Given two reactivated tickets (the older ticket reactivated later) and two new ones
    old_reactivated = reactivate(
        open_at("2026-03-01 08:00Z", group), "2026-03-01 09:00Z", "2026-03-02 12:00Z"
    )
    young_reactivated = reactivate(
        open_at("2026-03-01 10:00Z", group), "2026-03-01 11:00Z", "2026-03-02 11:00Z"
    )
    young_new = open_at("2026-03-02 09:00Z", group)
    old_new = open_at("2026-03-01 12:00Z", group)

    # When the engineer reads the group's queue
    page = queue_tickets(engineer, group)

    # Then new tickets come first, oldest first; then reactivated, longest waiting first
    assert numbers(page) == [
        old_new.number,
        young_new.number,
        young_reactivated.number,
        old_reactivated.number,
    ]
    assert [ticket_queue_state(t) for t in page.items] == [
        QueueState.NEW,
        QueueState.NEW,
        QueueState.REACTIVATED,
        QueueState.REACTIVATED,
    ]


def test_answered_tickets_put_back_in_the_queue_come_after_reactivated_ones(
    engineer, agent, group, open_at, reactivate
):
    # Given an answered ticket released back to the queue, older than a reactivated one
    answered = open_at("2026-03-01 08:00Z", group)
    ticket_claim(actor=agent, ticket=answered)
    reactivate(answered, "2026-03-01 09:00Z", "2026-03-01 09:30Z")
    ticket_update(actor=agent, ticket=answered, changes={"assignee": None})
    from tierdesk.tickets.services import ticket_reply

    ticket_reply(actor=agent, ticket=answered, body="Fixed in 4.2.1")
    reactivated = reactivate(
        open_at("2026-03-01 10:00Z", group), "2026-03-01 11:00Z", "2026-03-02 11:00Z"
    )

    page = queue_tickets(engineer, group)

    assert numbers(page) == [reactivated.number, answered.number]
    assert ticket_queue_state(page.items[1]) == QueueState.ANSWERED


def test_queue_pages_follow_the_order_without_gaps_or_repeats(engineer, group, open_at, reactivate):
    # Given five tickets, two of them opened at the same moment
    opened = [open_at(at, group) for at in ("2026-03-01 08:00Z",) * 2 + ("2026-03-01 09:00Z",)]
    reactivate(opened[2], "2026-03-01 10:00Z", "2026-03-01 11:00Z")
    opened += [open_at("2026-03-01 07:00Z", group), open_at("2026-03-02 07:00Z", group)]
    expected = numbers(queue_tickets(engineer, group, limit=50))

    # When it is read two at a time
    seen, cursor = [], None
    while True:
        page = queue_tickets(engineer, group, cursor=cursor, limit=2)
        seen += numbers(page)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert seen == expected
    assert sorted(seen) == sorted(t.number for t in opened)


def test_a_cursor_of_another_list_is_refused_naming_the_cursor(engineer, group, open_at):
    for at in ("2026-03-01 08:00Z", "2026-03-01 09:00Z"):
        ticket = open_at(at, group)
        ticket_claim(actor=engineer, ticket=ticket)
    portfolio_cursor = portfolio_tickets(engineer, limit=1).next_cursor
    assert portfolio_cursor

    with pytest.raises(ValidationFailed) as refusal:
        queue_tickets(engineer, group, cursor=portfolio_cursor)
    assert set(refusal.value.errors) == {"cursor"}
    with pytest.raises(ValidationFailed):
        queue_tickets(engineer, group, cursor="not a cursor")


def test_portfolio_shows_tickets_whose_customer_answered_first_then_least_recently_updated(
    engineer, group, open_at, reactivate
):
    # Given three tickets the engineer holds; the customer answered on the last one opened
    first, second, answered = (
        open_at(at, group) for at in ("2026-03-01 08:00Z", "2026-03-01 09:00Z", "2026-03-01 10:00Z")
    )
    with time_machine.travel("2026-03-02 08:00Z", tick=False):
        for ticket in (second, first, answered):
            ticket_claim(actor=engineer, ticket=ticket)
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        ticket_update(actor=engineer, ticket=second, changes={"priority": "low"})
    reactivate(answered, "2026-03-02 10:00Z", "2026-03-02 11:00Z")

    page = portfolio_tickets(engineer)

    assert numbers(page) == [answered.number, first.number, second.number]


def test_portfolio_leaves_out_solved_tickets_and_other_peoples(engineer, teammate, group, open_at):
    mine, solved, theirs = (open_at("2026-03-01 08:00Z", group) for _ in range(3))
    for ticket in (mine, solved):
        ticket_claim(actor=engineer, ticket=ticket)
    ticket_update(actor=engineer, ticket=solved, changes={"status": "solved"})
    ticket_claim(actor=teammate, ticket=theirs)

    assert numbers(portfolio_tickets(engineer)) == [mine.number]


# --- visibility -------------------------------------------------------------------------------


def test_an_engineer_sees_only_the_queues_of_their_groups(
    engineer, outsider, group, other_group, open_at
):
    ours = open_at("2026-03-01 08:00Z", group)
    theirs = open_at("2026-03-01 08:00Z", other_group)

    assert [s.group for s in queues_visible_to(engineer).groups] == [group]
    assert numbers(queue_tickets(engineer, None)) == [ours.number]
    assert numbers(queue_tickets(outsider, None)) == [theirs.number]
    with pytest.raises(NotFound):
        queue_get_for_user(engineer, other_group.pk)
    with pytest.raises(NotFound):
        queue_get_for_user(engineer, "No such group")
    assert queue_get_for_user(engineer, group.name) == group


def test_managers_see_every_groups_queue(manager, group, other_group, open_at):
    ours = open_at("2026-03-01 08:00Z", group)
    theirs = open_at("2026-03-01 09:00Z", other_group)

    assert [s.group for s in queues_visible_to(manager).groups] == [other_group, group]
    assert numbers(queue_tickets(manager, None)) == [ours.number, theirs.number]
    assert queue_get_for_user(manager, other_group.name) == other_group


def test_restricted_tickets_are_left_out_of_queues_and_counts(engineer, teammate, group, open_at):
    # Given a restricted ticket in the group that only the teammate may read
    visible = open_at("2026-03-01 08:00Z", group)
    restricted = open_at("2026-03-01 09:00Z", group)
    ticket_update(actor=teammate, ticket=restricted, changes={"restricted": True})

    assert numbers(queue_tickets(engineer, group)) == [visible.number]
    assert numbers(queue_tickets(teammate, group)) == [visible.number, restricted.number]
    assert queues_visible_to(engineer).groups[0].total == 1
    assert work_counts(engineer).queue == 1
    assert work_counts(teammate).queue == 2


def test_customers_have_no_queues_portfolio_or_counts(alice, group, open_at):
    open_at("2026-03-01 08:00Z", group)

    assert queues_visible_to(alice).groups == []
    assert queues_visible_to(alice).ungrouped is None
    assert queue_tickets(alice, group).items == []
    assert portfolio_tickets(alice).items == []
    assert escalated_to(alice).items == []
    assert work_counts(alice) is None
    with pytest.raises(NotFound):
        queue_get_for_user(alice, group.pk)
    with pytest.raises(NotFound):
        queue_get_for_user(alice, "ungrouped")


# --- tickets in no group ---------------------------------------------------------------------


def at_tier(ticket, tier):
    Ticket.objects.filter(pk=ticket.pk).update(tier=tier)
    ticket.refresh_from_db()
    return ticket


def test_tickets_in_no_group_wait_for_the_staff_of_their_tier_and_for_managers(
    engineer, backline, manager, group, open_at
):
    # Given a ticket no rule routed, one escalated to tier 2 without a group, and a group's
    unrouted = open_at("2026-03-01 08:00Z", None)
    tier_2 = at_tier(open_at("2026-03-01 09:00Z", None), Tier.BACK_LINE)
    grouped = open_at("2026-03-01 10:00Z", group)

    # Then the tier-1 engineer works the tier-1 one beside their group's, tier 2 the other,
    # and a manager both
    assert numbers(queue_tickets(engineer, NO_GROUP)) == [unrouted.number]
    assert numbers(queue_tickets(backline, NO_GROUP)) == [tier_2.number]
    assert numbers(queue_tickets(manager, NO_GROUP)) == [unrouted.number, tier_2.number]
    assert numbers(queue_tickets(engineer, None)) == [unrouted.number, grouped.number]
    assert numbers(queue_tickets(manager, None)) == [
        unrouted.number,
        tier_2.number,
        grouped.number,
    ]
    assert queue_get_for_user(engineer, "ungrouped") is NO_GROUP
    assert queue_get_for_user(manager, "ungrouped") is NO_GROUP


def test_tickets_in_no_group_are_counted_in_the_overview_and_the_nav(
    engineer, manager, group, open_at, reactivate
):
    open_at("2026-03-01 08:00Z", None)
    reactivate(open_at("2026-03-01 09:00Z", None), "2026-03-01 10:00Z", "2026-03-01 11:00Z")
    at_tier(open_at("2026-03-01 12:00Z", None), Tier.ENGINEERING)
    open_at("2026-03-01 13:00Z", group)

    mine, everyone = queues_visible_to(engineer), queues_visible_to(manager)

    assert mine.ungrouped is not None and mine.ungrouped.group is None
    assert (mine.ungrouped.new, mine.ungrouped.reactivated, mine.ungrouped.total) == (1, 1, 2)
    assert (mine.groups[0].total, mine.total) == (1, 3)
    assert everyone.ungrouped is not None and everyone.ungrouped.total == 3
    assert everyone.total == 4
    assert (work_counts(engineer).queue, work_counts(manager).queue) == (3, 4)


def test_a_released_ticket_whose_group_was_removed_waits_in_no_group(
    engineer, manager, group, open_at
):
    # Given a ticket the engineer holds, whose group is then removed
    ticket = open_at("2026-03-01 08:00Z", group)
    ticket_claim(actor=engineer, ticket=ticket)
    group.delete()
    ticket.refresh_from_db()

    # When it is released
    ticket_release(actor=engineer, ticket=ticket)

    # Then it is not lost: it waits in the queue of tickets in no group
    assert numbers(queue_tickets(manager, NO_GROUP)) == [ticket.number]
    assert numbers(queue_tickets(engineer, NO_GROUP)) == [ticket.number]
    assert work_counts(manager).queue == 1


def test_staff_without_a_tier_have_no_queue_of_tickets_in_no_group(reviewer, open_at):
    open_at("2026-03-01 08:00Z", None)

    assert queues_visible_to(reviewer).ungrouped is None
    assert queue_tickets(reviewer, NO_GROUP).items == []
    assert queue_tickets(reviewer, None).items == []
    assert work_counts(reviewer).queue == 0
    with pytest.raises(NotFound):
        queue_get_for_user(reviewer, "ungrouped")


def test_restricted_tickets_in_no_group_are_left_out(engineer, agent, open_at):
    ticket = open_at("2026-03-01 08:00Z", None)
    ticket_update(actor=agent, ticket=ticket, changes={"restricted": True})

    assert queue_tickets(engineer, NO_GROUP).items == []
    assert queues_visible_to(engineer).ungrouped.total == 0
    assert work_counts(engineer).queue == 0


# --- complaints and incidents ------------------------------------------------------------------


def test_rows_carry_the_flag_and_the_escalation_manager_without_more_queries(
    engineer, manager, group, open_at, django_assert_num_queries
):
    flagged = open_at("2026-03-01 08:00Z", group)
    ticket_flag_escalation(
        actor=manager, ticket=flagged, flag="complaint", escalation_manager=manager
    )
    open_at("2026-03-01 09:00Z", group)

    with django_assert_num_queries(1):
        rows = queue_tickets(engineer, group).items
        shown = [
            (t.escalation_flag, getattr(t.escalation_manager, "display_name", None)) for t in rows
        ]

    assert shown == [("complaint", "Manager"), ("", None)]


# --- counts -----------------------------------------------------------------------------------


def test_queue_counts_split_new_reactivated_and_answered(
    engineer, group, other_group, open_at, reactivate
):
    open_at("2026-03-01 08:00Z", group)
    open_at("2026-03-01 09:00Z", group)
    reactivate(open_at("2026-03-01 10:00Z", group), "2026-03-01 11:00Z", "2026-03-01 12:00Z")
    claimed = open_at("2026-03-01 13:00Z", group)
    ticket_claim(actor=engineer, ticket=claimed)
    solved = open_at("2026-03-01 14:00Z", group)
    ticket_update(actor=engineer, ticket=solved, changes={"status": "solved"})
    open_at("2026-03-01 15:00Z", other_group)

    [summary] = queues_visible_to(engineer).groups

    assert (summary.new, summary.reactivated, summary.answered, summary.total) == (2, 1, 0, 3)
    assert work_counts(engineer).queue == 3
    assert work_counts(engineer).portfolio == 1


def test_work_counts_take_one_query(engineer, group, open_at, django_assert_num_queries):
    open_at("2026-03-01 08:00Z", group)
    open_at("2026-03-01 09:00Z", None)

    with django_assert_num_queries(1):
        counts = work_counts(engineer)

    assert (counts.queue, counts.portfolio, counts.escalated) == (2, 0, 0)


def test_the_overview_takes_two_queries(
    engineer, manager, group, other_group, open_at, django_assert_num_queries
):
    open_at("2026-03-01 08:00Z", group)
    open_at("2026-03-01 09:00Z", None)

    for person in (engineer, manager):
        with django_assert_num_queries(2):
            overview = queues_visible_to(person)
        assert overview.ungrouped.total == 1


# --- escalated to me --------------------------------------------------------------------------


def test_escalated_to_me_is_my_tier_for_no_group_or_mine_and_what_i_accepted(
    backline, agent, group, other_group, open_at
):
    # Given a tier-2 engineer of the query engine group
    backline.skill_groups.add(group)
    ticket = open_at("2026-03-01 08:00Z", group)
    for_anyone = escalate(ticket, agent, at="2026-03-02 09:00Z")
    for_my_group = escalate(ticket, agent, group=group, at="2026-03-02 10:00Z")
    escalate(ticket, agent, group=other_group)  # another group's
    escalate(ticket, agent, to_tier=Tier.ENGINEERING)  # another tier's
    mine = escalate(
        ticket,
        agent,
        status=EscalationStatus.ACCEPTED,
        accepted_by=backline,
        at="2026-03-01 09:00Z",
    )
    escalate(ticket, agent, status=EscalationStatus.RESOLVED, accepted_by=backline)

    page = escalated_to(backline)

    # Then waiting ones come first, oldest first, then those I hold
    assert [e.pk for e in page.items] == [for_anyone.pk, for_my_group.pk, mine.pk]
    assert work_counts(backline).escalated == 3


def test_escalations_on_restricted_tickets_are_left_out(backline, agent, group, open_at):
    ticket = open_at("2026-03-01 08:00Z", group)
    ticket_update(actor=agent, ticket=ticket, changes={"restricted": True})
    escalate(ticket, agent)

    assert escalated_to(backline).items == []
    assert work_counts(backline).escalated == 0


def test_managers_see_every_waiting_escalation(manager, agent, group, other_group, open_at):
    ticket = open_at("2026-03-01 08:00Z", group)
    escalate(ticket, agent, group=other_group)
    escalate(ticket, agent, to_tier=Tier.ENGINEERING)

    assert len(escalated_to(manager).items) == 2
