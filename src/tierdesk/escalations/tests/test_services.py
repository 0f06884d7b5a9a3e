"""Escalation services: each transition, each refusal, and what each does to the ticket."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_person
from tierdesk.accounts.choices import Role, Tier
from tierdesk.accounts.models import SkillGroup
from tierdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from tierdesk.escalations.models import EscalationStatus
from tierdesk.escalations.services import (
    escalate_refusal,
    escalation_accept,
    escalation_create,
    escalation_resolve,
    escalation_return,
    escalation_withdraw,
    ticket_flag_escalation,
)
from tierdesk.escalations.tests.conftest import FULL_PACKAGE, PACKAGE
from tierdesk.tickets.choices import EventKind, MessageKind, Status
from tierdesk.tickets.models import Message, Ticket, TicketEvent
from tierdesk.tickets.services import ticket_attach, ticket_update
from tierdesk.tickets.validation import NewAttachment


def upload(name: str) -> NewAttachment:
    return NewAttachment(
        filename=name, content_type="text/plain", file=SimpleUploadedFile(name, b"log line\n")
    )


ENGINEERING_HOOK = "tierdesk.engineering.services.escalation_to_engineering"


def escalation_events(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ESCALATION).order_by("id"))


def changed(ticket, field):
    return list(
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CHANGED, field=field).order_by(
            "id"
        )
    )


# --- create -----------------------------------------------------------------------------------


def test_escalating_stores_the_package_and_leaves_the_ticket_with_the_requester(
    ticket, agent, escalate
):
    escalation = escalate(agent, ticket, links=["https://status.example/incidents/42"])

    ticket.refresh_from_db()
    assert escalation.status == EscalationStatus.REQUESTED
    assert (escalation.from_tier, escalation.to_tier) == (1, 2)
    assert escalation.summary == PACKAGE["summary"]
    assert escalation.links == ["https://status.example/incidents/42"]
    assert ticket.tier == Tier.FRONT_LINE
    assert ticket.assignee == agent
    [event] = escalation_events(ticket)
    assert event.actor == agent
    assert event.data["action"] == "requested"
    assert event.data["escalation"] == escalation.pk
    assert (event.data["from_tier"], event.data["to_tier"]) == (1, 2)
    assert event.data["summary"] == PACKAGE["summary"]


def test_escalating_without_the_package_names_every_missing_field(ticket, agent):
    with pytest.raises(ValidationFailed) as refusal:
        escalation_create(actor=agent, ticket=ticket, to_tier=Tier.BACK_LINE, summary="  ")

    assert set(refusal.value.errors) == {"summary", "customer_impact", "tried"}
    assert ticket.escalations.count() == 0


def test_tier_3_needs_reproduction_steps_and_environment_too(ticket, backline, escalate):
    ticket_update(actor=backline, ticket=ticket, changes={"tier": Tier.BACK_LINE})

    with pytest.raises(ValidationFailed) as refusal:
        escalate(backline, ticket, to_tier=Tier.ENGINEERING, **dict.fromkeys(FULL_PACKAGE, ""))

    assert set(refusal.value.errors) == set(FULL_PACKAGE)


def test_links_must_be_web_addresses_and_attachments_files_of_this_ticket(
    ticket, agent, alice, escalate
):
    from tierdesk.tickets.services import ticket_open

    other = ticket_open(actor=alice, subject="Another", body="Another problem")
    [foreign] = ticket_attach(
        actor=alice,
        ticket=other,
        attachments=[upload("log.txt")],
    )

    with pytest.raises(ValidationFailed) as refusal:
        escalate(
            agent, ticket, links=["javascript:alert(1)", "ftp://x.example/"], attachments=[foreign]
        )

    assert set(refusal.value.errors) == {"links", "attachments"}
    assert len(refusal.value.errors["links"]) == 2


def test_attachments_of_the_ticket_travel_with_the_package(ticket, agent, alice, escalate):
    [log] = ticket_attach(
        actor=alice,
        ticket=ticket,
        attachments=[upload("trace.log")],
    )

    escalation = escalate(agent, ticket, attachments=[log.pk])

    assert list(escalation.attachments.all()) == [log]


def test_a_ticket_goes_up_one_tier_at_a_time(ticket, agent, escalate):
    with pytest.raises(ValidationFailed) as refusal:
        escalate(agent, ticket, to_tier=Tier.ENGINEERING)

    assert set(refusal.value.errors) == {"to_tier"}


def test_a_second_open_escalation_is_refused(ticket, agent, escalate):
    escalate(agent, ticket)

    with pytest.raises(Conflict):
        escalate(agent, ticket)


def test_reviewers_and_customers_do_not_escalate(ticket, reviewer, alice, escalate):
    with pytest.raises(PermissionDenied):
        escalate(reviewer, ticket)
    with pytest.raises(PermissionDenied):
        escalate(alice, ticket)


def test_solved_tickets_are_not_escalated(ticket, agent, escalate):
    ticket_update(actor=agent, ticket=ticket, changes={"status": Status.SOLVED})

    with pytest.raises(ValidationFailed) as refusal:
        escalate(agent, ticket)

    assert "status" in refusal.value.errors


def test_the_receiving_group_must_be_of_the_target_tier(ticket, agent, front_group, escalate):
    with pytest.raises(ValidationFailed) as refusal:
        escalate(agent, ticket, group=front_group)

    assert set(refusal.value.errors) == {"group"}


def test_without_a_group_the_target_tiers_group_for_the_product_area_receives_it(
    ticket, agent, escalate
):
    receiving = SkillGroup.objects.create(
        name="Tier 2 / Queries", tier=Tier.BACK_LINE, product_area="query_engine"
    )

    assert escalate(agent, ticket).group == receiving


def test_a_tier_3_escalation_opens_the_engineering_issue_in_its_transaction(
    accepted, backline, escalate
):
    ticket = accepted.ticket
    with mock.patch(ENGINEERING_HOOK) as hook:
        escalation = escalate(backline, ticket, to_tier=Tier.ENGINEERING)

    hook.assert_called_once_with(escalation)


def test_a_tier_2_escalation_does_not_call_engineering(ticket, agent, escalate):
    with mock.patch(ENGINEERING_HOOK) as hook:
        escalate(agent, ticket)

    hook.assert_not_called()


# --- who escalates ---------------------------------------------------------------------------


def test_an_agent_does_not_escalate_a_ticket_a_colleague_holds(ticket, agent, escalate):
    mia = make_person("mia", role=Role.AGENT, tier=Tier.FRONT_LINE)
    ticket_update(actor=mia, ticket=ticket, changes={"assignee": mia})

    with pytest.raises(PermissionDenied) as refusal:
        escalate(agent, ticket)

    assert str(refusal.value) == "Mia holds this ticket; only they or a manager escalate it."
    assert ticket.escalations.count() == 0
    ticket.refresh_from_db()
    assert ticket.assignee == mia


def test_a_colleague_cannot_take_a_ticket_by_escalating_it_so_it_never_comes_back_to_them(
    ticket, agent, backline, escalate
):
    """The hole the rule closes: had B escalated A's ticket, the return would hand it to B."""
    ticket_update(actor=agent, ticket=ticket, changes={"assignee": agent})
    bob = make_person("bob", role=Role.AGENT, tier=Tier.FRONT_LINE)
    with pytest.raises(PermissionDenied):
        escalate(bob, ticket)

    escalation = escalate(agent, ticket)
    escalation_accept(actor=backline, escalation=escalation)
    escalation_return(actor=backline, escalation=escalation, reason="Needs the logs")

    ticket.refresh_from_db()
    assert ticket.assignee == agent


def test_tier_1_does_not_send_a_tier_2_ticket_to_engineering(accepted, agent, escalate):
    with mock.patch(ENGINEERING_HOOK) as hook, pytest.raises(PermissionDenied) as refusal:
        escalate(agent, accepted.ticket, to_tier=Tier.ENGINEERING)

    # The tier-2 engineer holds it: they decide what engineering sees.
    assert str(refusal.value) == "Backline holds this ticket; only they or a manager escalate it."
    hook.assert_not_called()
    assert accepted.ticket.escalations.count() == 1


def test_a_tier_2_ticket_nobody_holds_is_escalated_by_tier_2_not_tier_1(ticket, agent, backline):
    ticket_update(actor=backline, ticket=ticket, changes={"tier": Tier.BACK_LINE})

    with pytest.raises(PermissionDenied) as refusal:
        escalation_create(actor=agent, ticket=ticket, to_tier=Tier.ENGINEERING, **FULL_PACKAGE)
    with mock.patch(ENGINEERING_HOOK):
        escalation = escalation_create(
            actor=backline, ticket=ticket, to_tier=Tier.ENGINEERING, **FULL_PACKAGE
        )

    assert str(refusal.value) == (
        "This ticket is at tier 2; escalating it is for tier 2 engineers or a manager."
    )
    assert escalation.requested_by == backline


def test_a_higher_tier_escalates_a_free_lower_tier_ticket(ticket, engineer, escalate):
    assert escalate(engineer, ticket).requested_by == engineer


def test_managers_and_administrators_escalate_any_ticket(
    accepted, manager, admin_user, escalate, alice
):
    from tierdesk.tickets.services import ticket_open

    with mock.patch(ENGINEERING_HOOK):
        to_engineering = escalate(manager, accepted.ticket, to_tier=Tier.ENGINEERING)
    held = ticket_open(actor=alice, subject="Exports fail", body="CSV export is empty")
    holder = make_person("mia", role=Role.AGENT, tier=Tier.FRONT_LINE)
    ticket_update(actor=holder, ticket=held, changes={"assignee": holder})

    assert to_engineering.requested_by == manager
    assert escalate(admin_user, held).requested_by == admin_user
    held.refresh_from_db()
    assert held.assignee == holder


def test_the_refusal_reads_no_holder_for_a_free_or_own_ticket(
    ticket, agent, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert escalate_refusal(agent, ticket) is None
    ticket_update(actor=agent, ticket=ticket, changes={"assignee": agent})
    own = Ticket.objects.get(pk=ticket.pk)
    with django_assert_num_queries(0):
        assert escalate_refusal(agent, own) is None


# --- accept -----------------------------------------------------------------------------------


def test_accepting_moves_the_ticket_to_the_tier_the_acceptor_and_the_group(
    ticket, agent, backline, back_group, escalate
):
    escalation = escalate(agent, ticket, group=back_group)

    escalation_accept(actor=backline, escalation=escalation)

    ticket.refresh_from_db()
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACCEPTED
    assert escalation.accepted_by == backline
    assert escalation.accepted_at is not None
    assert (ticket.tier, ticket.assignee, ticket.group) == (Tier.BACK_LINE, backline, back_group)
    assert [e.data["action"] for e in escalation_events(ticket)] == ["requested", "accepted"]
    assert changed(ticket, "tier")[-1].to_value == "2"


def test_you_do_not_accept_your_own_escalation(ticket, manager, escalate):
    escalation = escalate(manager, ticket)

    with pytest.raises(PermissionDenied):
        escalation_accept(actor=manager, escalation=escalation)


def test_only_the_target_tier_or_a_manager_accepts(ticket, agent, engineer, manager, escalate):
    other_front = make_person("tom", role=Role.AGENT, tier=Tier.FRONT_LINE)
    escalation = escalate(agent, ticket)

    for outsider in (other_front, engineer):
        with pytest.raises(PermissionDenied):
            escalation_accept(actor=outsider, escalation=escalation)
    escalation = escalation_accept(actor=manager, escalation=escalation)

    assert escalation.accepted_by == manager


def test_accepting_an_accepted_escalation_is_a_conflict(accepted, other_backline):
    with pytest.raises(Conflict):
        escalation_accept(actor=other_backline, escalation=accepted)


# --- return -----------------------------------------------------------------------------------


def test_returning_sends_the_ticket_back_with_the_reason_as_a_note(
    ticket, agent, backline, front_group, back_group, escalate
):
    ticket_update(actor=agent, ticket=ticket, changes={"group": front_group})
    escalation = escalate(agent, ticket, group=back_group)
    escalation_accept(actor=backline, escalation=escalation)

    escalation_return(actor=backline, escalation=escalation, reason="Ask for the query plan.")

    ticket.refresh_from_db()
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RETURNED
    assert escalation.return_reason == "Ask for the query plan."
    assert (ticket.tier, ticket.assignee, ticket.group) == (Tier.FRONT_LINE, agent, front_group)
    note = Message.objects.filter(ticket=ticket, kind=MessageKind.INTERNAL).latest("id")
    assert "Ask for the query plan." in note.body_text
    assert note.author == backline
    assert escalation_events(ticket)[-1].data["action"] == "returned"


def test_returning_an_escalation_you_do_not_hold_is_refused(accepted, other_backline):
    with pytest.raises(PermissionDenied):
        escalation_return(actor=other_backline, escalation=accepted, reason="Not mine")

    accepted.refresh_from_db()
    assert accepted.status == EscalationStatus.ACCEPTED


def test_a_manager_may_return_anyones_escalation(accepted, manager):
    accepted = escalation_return(actor=manager, escalation=accepted, reason="Rebalancing the team")

    assert accepted.status == EscalationStatus.RETURNED


def test_a_return_needs_a_reason(accepted, backline):
    with pytest.raises(ValidationFailed) as refusal:
        escalation_return(actor=backline, escalation=accepted, reason=" ")

    assert set(refusal.value.errors) == {"reason"}


def test_a_returned_escalation_is_not_returned_again(accepted, backline):
    escalation_return(actor=backline, escalation=accepted, reason="Needs the logs")

    with pytest.raises(Conflict):
        escalation_return(actor=backline, escalation=accepted, reason="Again")
    with pytest.raises(Conflict):
        escalation_accept(actor=backline, escalation=accepted)


def test_after_a_return_the_ticket_may_be_escalated_again(accepted, backline, agent, escalate):
    escalation_return(actor=backline, escalation=accepted, reason="Needs the logs")

    again = escalate(agent, accepted.ticket)

    assert again.status == EscalationStatus.REQUESTED


# --- resolve ----------------------------------------------------------------------------------


def test_resolving_hands_the_ticket_back_with_the_resolution(accepted, agent, backline):
    escalation_resolve(actor=backline, escalation=accepted, resolution="Index rebuilt; fixed.")

    accepted.refresh_from_db()
    ticket = accepted.ticket
    ticket.refresh_from_db()
    assert accepted.status == EscalationStatus.RESOLVED
    assert accepted.resolution == "Index rebuilt; fixed."
    assert (ticket.tier, ticket.assignee) == (Tier.FRONT_LINE, agent)
    note = Message.objects.filter(ticket=ticket, kind=MessageKind.INTERNAL).latest("id")
    assert "Index rebuilt; fixed." in note.body_text


def test_the_system_resolves_with_the_holder_as_note_author_and_no_event_actor(accepted, backline):
    escalation_resolve(actor=None, escalation=accepted, resolution="Engineering fixed ENG-1.")

    note = Message.objects.filter(ticket=accepted.ticket, kind=MessageKind.INTERNAL).latest("id")
    assert note.author == backline
    event = escalation_events(accepted.ticket)[-1]
    assert (event.data["action"], event.actor) == ("resolved", None)
    assert TicketEvent.objects.filter(message=note).get().actor is None


def test_the_system_may_resolve_a_requested_escalation(ticket, agent, escalate):
    escalation = escalate(agent, ticket)

    escalation_resolve(actor=None, escalation=escalation, resolution="Known issue, fixed in 4.2.2")

    note = Message.objects.filter(ticket=ticket, kind=MessageKind.INTERNAL).latest("id")
    assert note.author == agent
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED


def test_resolving_an_escalation_you_do_not_hold_is_refused(accepted, other_backline, agent):
    for outsider in (other_backline, agent):
        with pytest.raises(PermissionDenied):
            escalation_resolve(actor=outsider, escalation=accepted, resolution="Done")


# --- withdraw ---------------------------------------------------------------------------------


def test_the_requester_withdraws_and_the_ticket_stays_with_them(ticket, agent, escalate):
    escalation = escalate(agent, ticket)

    escalation_withdraw(actor=agent, escalation=escalation, reason="The customer found it.")

    escalation.refresh_from_db()
    ticket.refresh_from_db()
    assert escalation.status == EscalationStatus.WITHDRAWN
    assert escalation.withdraw_reason == "The customer found it."
    assert escalation.withdrawn_at is not None
    assert not escalation.is_open
    assert (ticket.tier, ticket.assignee) == (Tier.FRONT_LINE, agent)
    event = escalation_events(ticket)[-1]
    assert (event.data["action"], event.actor) == ("withdrawn", agent)
    assert event.data["reason"] == "The customer found it."
    note = Message.objects.filter(ticket=ticket, kind=MessageKind.INTERNAL).latest("id")
    assert note.body_text == "Escalation to tier 2 withdrawn: The customer found it."
    assert note.author == agent


def test_after_a_withdrawal_the_ticket_may_be_escalated_again(ticket, agent, escalate):
    first = escalate(agent, ticket)
    escalation_withdraw(actor=agent, escalation=first, reason="Adding the logs")

    again = escalate(agent, ticket)

    assert again.status == EscalationStatus.REQUESTED


def test_a_manager_withdraws_anyones_escalation(ticket, agent, manager, escalate):
    escalation = escalate(agent, ticket)

    escalation = escalation_withdraw(actor=manager, escalation=escalation, reason="Duplicate")

    assert escalation.status == EscalationStatus.WITHDRAWN
    ticket.refresh_from_db()
    assert ticket.assignee == agent


def test_only_the_requester_or_a_manager_withdraws(
    ticket, agent, backline, reviewer, alice, escalate
):
    colleague = make_person("tom", role=Role.AGENT, tier=Tier.FRONT_LINE)
    escalation = escalate(agent, ticket)

    for outsider in (colleague, backline, reviewer, alice):
        with pytest.raises(PermissionDenied) as refusal:
            escalation_withdraw(actor=outsider, escalation=escalation, reason="Not needed")
        if outsider is not alice:
            assert "Agent escalated this ticket" in str(refusal.value)

    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.REQUESTED


def test_an_accepted_escalation_is_not_withdrawn(accepted, agent, manager):
    for actor in (agent, manager):
        with pytest.raises(Conflict) as refusal:
            escalation_withdraw(actor=actor, escalation=accepted, reason="Too late")

    assert "only a requested escalation is withdrawn" in str(refusal.value)
    accepted.refresh_from_db()
    assert accepted.status == EscalationStatus.ACCEPTED
    accepted.ticket.refresh_from_db()
    assert accepted.ticket.tier == Tier.BACK_LINE


def test_a_withdrawn_escalation_is_not_withdrawn_accepted_or_answered_again(
    ticket, agent, backline, escalate
):
    escalation = escalate(agent, ticket)
    escalation_withdraw(actor=agent, escalation=escalation, reason="Adding the logs")

    with pytest.raises(Conflict):
        escalation_withdraw(actor=agent, escalation=escalation, reason="Again")
    with pytest.raises(Conflict):
        escalation_accept(actor=backline, escalation=escalation)
    with pytest.raises(Conflict):
        escalation_resolve(actor=None, escalation=escalation, resolution="Fixed")


def test_a_withdrawal_needs_a_reason(ticket, agent, escalate):
    escalation = escalate(agent, ticket)

    with pytest.raises(ValidationFailed) as refusal:
        escalation_withdraw(actor=agent, escalation=escalation, reason="  ")

    assert set(refusal.value.errors) == {"reason"}


def test_withdrawing_the_escalation_to_engineering_leaves_tier_2_holding_it(
    accepted, backline, escalate
):
    ticket = accepted.ticket
    with mock.patch(ENGINEERING_HOOK):
        to_engineering = escalate(backline, ticket, to_tier=Tier.ENGINEERING)

    escalation_withdraw(actor=backline, escalation=to_engineering, reason="Found the cause")

    ticket.refresh_from_db()
    accepted.refresh_from_db()
    assert (ticket.tier, ticket.assignee) == (Tier.BACK_LINE, backline)
    assert accepted.status == EscalationStatus.ACCEPTED
    # The lower escalation is no longer waiting for the higher one.
    escalation_resolve(actor=backline, escalation=accepted, resolution="Rebuilt the index")


# --- the stack 1 → 2 → 3 ----------------------------------------------------------------------


def test_tier_2_escalates_to_engineering_and_the_answer_comes_back_down_the_stack(
    accepted, agent, backline, engineer, escalate
):
    ticket = accepted.ticket
    with mock.patch(ENGINEERING_HOOK):
        to_engineering = escalate(backline, ticket, to_tier=Tier.ENGINEERING)
    escalation_accept(actor=engineer, escalation=to_engineering)
    ticket.refresh_from_db()
    assert (ticket.tier, ticket.assignee) == (Tier.ENGINEERING, engineer)

    # The lower escalation waits for the higher one.
    with pytest.raises(Conflict):
        escalation_resolve(actor=backline, escalation=accepted, resolution="Early")

    escalation_resolve(actor=None, escalation=to_engineering, resolution="Fixed in 4.2.2")
    ticket.refresh_from_db()
    assert (ticket.tier, ticket.assignee) == (Tier.BACK_LINE, backline)

    escalation_resolve(actor=backline, escalation=accepted, resolution="Upgrade to 4.2.2")
    ticket.refresh_from_db()
    assert (ticket.tier, ticket.assignee) == (Tier.FRONT_LINE, agent)


# --- complaints and incidents -----------------------------------------------------------------


def test_flagging_records_the_flag_and_the_escalation_manager_as_changes(ticket, manager):
    ticket_flag_escalation(
        actor=manager, ticket=ticket, flag="complaint", escalation_manager=manager
    )

    ticket.refresh_from_db()
    assert (ticket.escalation_flag, ticket.escalation_manager) == ("complaint", manager)
    [flag] = changed(ticket, "escalation_flag")
    [owner] = changed(ticket, "escalation_manager")
    assert (flag.to_value, flag.data["to_label"], flag.actor) == ("complaint", "Complaint", manager)
    assert (owner.to_value, owner.data["to_label"]) == (str(manager.pk), manager.display_name)


def test_clearing_the_flag_clears_the_escalation_manager(ticket, manager):
    ticket_flag_escalation(
        actor=manager, ticket=ticket, flag="incident", escalation_manager=manager
    )

    ticket_flag_escalation(actor=manager, ticket=ticket, flag="", escalation_manager=None)

    ticket.refresh_from_db()
    assert (ticket.escalation_flag, ticket.escalation_manager) == ("", None)


def test_agents_flag_but_only_managers_name_the_escalation_manager(ticket, agent, manager):
    ticket_flag_escalation(actor=agent, ticket=ticket, flag="complaint", escalation_manager=None)

    with pytest.raises(PermissionDenied):
        ticket_flag_escalation(
            actor=agent, ticket=ticket, flag="complaint", escalation_manager=manager
        )
    ticket_flag_escalation(
        actor=manager, ticket=ticket, flag="complaint", escalation_manager=manager
    )
    # An agent changing the flag keeps the manager; clearing it would drop the manager.
    ticket_flag_escalation(actor=agent, ticket=ticket, flag="incident", escalation_manager=manager)
    with pytest.raises(PermissionDenied):
        ticket_flag_escalation(actor=agent, ticket=ticket, flag="", escalation_manager=None)


def test_an_escalation_manager_needs_a_flag_and_a_managers_role(ticket, manager, backline):
    with pytest.raises(ValidationFailed) as no_flag:
        ticket_flag_escalation(actor=manager, ticket=ticket, flag="", escalation_manager=manager)
    with pytest.raises(ValidationFailed) as not_manager:
        ticket_flag_escalation(
            actor=manager, ticket=ticket, flag="complaint", escalation_manager=backline
        )

    assert set(no_flag.value.errors) == {"escalation_manager"}
    assert set(not_manager.value.errors) == {"escalation_manager"}
