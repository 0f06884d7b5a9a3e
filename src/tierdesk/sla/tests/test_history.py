"""Reading a ticket's history for its clocks: which events become facts, who opened it, when the
customer of a call or a chat started waiting and was answered, and a first response a callback
gave."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from conftest import make_person
from tierdesk.accounts.choices import Plan, Region, Role
from tierdesk.chat.services import chat_start_visitor, chat_take
from tierdesk.phone.services import call_report
from tierdesk.routing.services import routing_rule_create
from tierdesk.sla.clocks import (
    ANSWERED,
    ATTRIBUTES,
    CUSTOMER,
    OPENED,
    REPLY,
    STATUS,
    Attributes,
    TicketHistory,
)
from tierdesk.sla.history import histories
from tierdesk.tickets.choices import Channel, EventKind, Priority, Status
from tierdesk.tickets.models import Ticket, TicketEvent
from tierdesk.tickets.services import ticket_add_note, ticket_open, ticket_reply, ticket_update

T0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with time_machine.travel(moment, tick=False):
        yield


def history_of(ticket: Ticket) -> TicketHistory:
    loaded = Ticket.objects.select_related("organization", "requester").get(pk=ticket.pk)
    return histories([loaded])[ticket.pk]


def kinds(history: TicketHistory) -> list[tuple[datetime, str, str]]:
    return [(f.at, f.kind, f.status or f.label) for f in history.facts]


def test_a_customers_ticket_reads_as_opened_replies_and_status_changes(alice, agent):
    with at(T0):
        ticket = ticket_open(actor=alice, subject="Slow", body="Everything is slow")
    with at(minutes(5)):
        ticket_add_note(actor=agent, ticket=ticket, body="Probably the cache")
    with at(minutes(10)):
        ticket_reply(actor=agent, ticket=ticket, body="Which version?", status=Status.PENDING)
    with at(minutes(20)):
        ticket_reply(actor=alice, ticket=ticket, body="4.2")
    with at(minutes(30)):
        ticket_update(actor=agent, ticket=ticket, changes={"priority": Priority.HIGH})

    history = history_of(ticket)

    assert history.first_response_from == T0
    assert history.attributes == Attributes(
        channel=Channel.PORTAL,
        priority=Priority.NORMAL,
        plan=Plan.ENTERPRISE,
        organization_id=alice.organization_id,
        region=Region.AMERICAS,
    )
    # The opening message is not a reply, nor the note; first_responded_at, which the reply
    # set, is not a fact of its own.
    assert kinds(history) == [
        (T0, OPENED, ""),
        (minutes(10), REPLY, ""),
        (minutes(10), STATUS, Status.PENDING),
        (minutes(20), CUSTOMER, ""),
        (minutes(20), STATUS, Status.OPEN),
        (minutes(30), ATTRIBUTES, "priority: high"),
    ]
    assert history.facts[-1].attributes.priority == Priority.HIGH
    # What changed, apart, for the ticket page to word in the reader's language.
    assert (history.facts[-1].field, history.facts[-1].value) == ("priority", Priority.HIGH)


def test_a_ticket_the_desk_opened_has_nobody_waiting_for_a_first_response(alice, agent):
    with at(T0):
        ticket = ticket_open(
            actor=agent, requester=alice, subject="Renewal", body="Your licence", channel="email"
        )

    history = history_of(ticket)

    assert history.first_response_from is None
    assert kinds(history) == [(T0, OPENED, "")]


def test_a_routing_rule_that_changes_priority_and_tags_at_open_is_read(alice, admin_user):
    routing_rule_create(
        actor=admin_user,
        name="Outages",
        conditions={"keywords": ["outage"]},
        actions={"priority": "urgent", "add_tags": ["outage", "sev1"]},
    )
    with at(T0):
        ticket = ticket_open(actor=alice, subject="Outage", body="Down", tags=["prod"])

    history = history_of(ticket)

    # Opened as the customer wrote it; the rule's changes follow at the same instant.
    assert (history.attributes.priority, history.attributes.tags) == (Priority.NORMAL, ("prod",))
    changes = [f for f in history.facts if f.kind == ATTRIBUTES]
    assert [f.at for f in changes] == [T0, T0]
    assert changes[-1].attributes.priority == Priority.URGENT
    assert changes[-1].attributes.tags == ("prod", "outage", "sev1")
    assert {(f.field, f.value) for f in changes} == {
        ("priority", Priority.URGENT),
        ("tags", ("prod", "outage", "sev1")),
    }
    assert history.facts[0].kind == OPENED


def test_a_ticket_written_without_its_opening_event_opens_with_the_values_it_changed_from(
    alice, agent
):
    with at(T0):
        ticket = ticket_open(actor=alice, subject="Imported", body="From the old desk")
    with at(minutes(30)):
        ticket_update(actor=agent, ticket=ticket, changes={"priority": Priority.URGENT})
    TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CREATED).delete()

    history = history_of(ticket)

    assert history.attributes.priority == Priority.NORMAL
    assert kinds(history) == [(T0, OPENED, ""), (minutes(30), ATTRIBUTES, "priority: urgent")]


# --- phone and chat -----------------------------------------------------------------------------


@pytest.fixture
def pbx(db):
    return make_person("pbx", role=Role.AGENT)


@pytest.fixture
def caller(acme):
    return make_person("dana", organization=acme, phone="+1 555 010 2030")


def report(pbx, external_id: str, when: datetime, **fields):
    with at(when):
        return call_report(actor=pbx, source="pbx", external_id=external_id, fields=fields).call


def test_a_call_answered_before_its_ticket_was_written_is_answered_right_after_the_opening(
    pbx, caller, agent
):
    call = report(
        pbx,
        "c-1",
        minutes(6),
        caller_number="+15550102030",
        offered_at=T0,
        answered_at=minutes(0.25),
        ended_at=minutes(5),
    )
    with at(minutes(10)):
        ticket_reply(actor=agent, ticket=call.ticket, body="As discussed", status=Status.SOLVED)

    history = history_of(call.ticket)

    assert history.first_response_from == T0
    assert kinds(history) == [
        (minutes(6), OPENED, ""),
        (minutes(0.25), ANSWERED, ""),
        (minutes(10), REPLY, ""),
        (minutes(10), STATUS, Status.SOLVED),
    ]


def test_a_call_answered_while_its_ticket_is_open_is_answered_at_its_time(pbx, caller, agent):
    call = report(pbx, "c-2", minutes(0.1), caller_number="+15550102030", offered_at=T0)
    with at(minutes(1)):
        ticket_update(actor=agent, ticket=call.ticket, changes={"priority": Priority.HIGH})
    report(pbx, "c-2", minutes(3), answered_at=minutes(2))

    history = history_of(call.ticket)

    assert kinds(history) == [
        (minutes(0.1), OPENED, ""),
        (minutes(1), ATTRIBUTES, "priority: high"),
        (minutes(2), ANSWERED, ""),
    ]


def test_a_call_the_desk_made_leaves_nobody_waiting(pbx, caller):
    call = report(
        pbx,
        "c-3",
        minutes(2),
        caller_number="+15550102030",
        direction="outbound",
        offered_at=T0,
        answered_at=minutes(0.5),
    )

    history = history_of(call.ticket)

    assert history.first_response_from is None
    assert [f.kind for f in history.facts] == [OPENED]


def test_a_call_joined_to_a_ticket_the_desk_opened_leaves_nobody_waiting(pbx, caller, agent):
    with at(T0):
        ticket = ticket_open(
            actor=agent, requester=caller, subject="Callback", body="Call Dana", channel="phone"
        )
    report(
        pbx,
        "c-5",
        minutes(10),
        caller_number="+15550102030",
        offered_at=minutes(5),
        answered_at=minutes(9),
        ticket=ticket.pk,
    )

    history = history_of(ticket)

    assert history.first_response_from is None
    assert [f.kind for f in history.facts] == [OPENED]


def test_a_chat_waits_from_its_start_to_its_take(acme, agent):
    with at(T0):
        chat = chat_start_visitor(name="Dana", email="dana@acme.test", message="Help").chat
    with at(minutes(0.5)):
        chat_take(actor=agent, chat=chat)

    history = history_of(chat.ticket)

    assert history.first_response_from == T0
    assert [(f.at, f.kind) for f in history.facts] == [(T0, OPENED), (minutes(0.5), ANSWERED)]


def test_histories_of_many_tickets_take_three_queries(
    alice, agent, pbx, caller, django_assert_max_num_queries
):
    tickets = []
    for n in range(5):
        with at(minutes(n)):
            tickets.append(ticket_open(actor=alice, subject=f"Ticket {n}", body="Body"))
            ticket_reply(actor=agent, ticket=tickets[-1], body="On it")
    tickets.append(
        report(pbx, "c-4", minutes(9), caller_number="+15550102030", offered_at=T0).ticket
    )
    with at(minutes(10)):
        chat = chat_start_visitor(name="Dana", email="dana@acme.test", message="Help").chat
    tickets.append(chat.ticket)
    loaded = list(
        Ticket.objects.select_related("organization", "requester").filter(
            pk__in=[t.pk for t in tickets]
        )
    )

    with django_assert_max_num_queries(3):
        found = histories(loaded)

    assert len(found) == 7


# --- a first response given by a call on a waiting ticket ---------------------------------------


def test_a_callback_answered_on_a_waiting_ticket_is_its_answer(alice, pbx, agent):
    with at(T0):
        ticket = ticket_open(actor=alice, subject="Question", body="How?", channel="email")
    report(
        pbx,
        "cb-1",
        minutes(21),
        caller_number="+15550102030",
        direction="outbound",
        offered_at=minutes(19),
        answered_at=minutes(20),
        ticket=ticket.pk,
        agent=agent,
    )
    with at(minutes(30)):
        ticket_reply(actor=agent, ticket=ticket, body="As discussed on the phone")

    history = history_of(ticket)

    assert history.first_response_from == T0
    assert kinds(history) == [
        (T0, OPENED, ""),
        (minutes(20), ANSWERED, ""),
        (minutes(30), REPLY, ""),
        (minutes(30), STATUS, Status.OPEN),
    ]


def test_a_recorded_first_response_keeps_the_facts_in_time_order(alice, agent):
    with at(T0):
        ticket = ticket_open(actor=alice, subject="Question", body="How?")
    with at(minutes(10)):
        ticket_update(actor=agent, ticket=ticket, changes={"priority": Priority.HIGH})
    # Written as the phone service writes it, naming an answer before the priority change and
    # one after the event itself: each is held between the fact before and the event.
    for value, answered in [(minutes(5), minutes(10)), (minutes(40), minutes(20))]:
        TicketEvent.objects.filter(ticket=ticket, field="first_responded_at").delete()
        TicketEvent.objects.create(
            ticket=ticket,
            actor=agent,
            kind=EventKind.CHANGED,
            field="first_responded_at",
            from_value="",
            to_value=str(value),
            created_at=minutes(20),
        )

        assert kinds(history_of(ticket))[-1] == (answered, ANSWERED, "")


def test_a_call_answered_on_a_ticket_a_call_opened_and_answered_is_one_answer(pbx, caller):
    call = report(
        pbx,
        "c-6",
        minutes(1),
        caller_number="+15550102030",
        offered_at=T0,
        answered_at=minutes(0.2),
    )
    report(
        pbx,
        "c-7",
        minutes(30),
        caller_number="+15550102030",
        offered_at=minutes(28),
        answered_at=minutes(29),
        ticket=call.ticket.pk,
    )

    history = history_of(call.ticket)

    assert [f.kind for f in history.facts].count(ANSWERED) == 1
