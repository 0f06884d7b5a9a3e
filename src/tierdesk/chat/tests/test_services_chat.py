"""Taking a chat, lines from both sides, ending it and the sweep: every move and every refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from conftest import make_person
from tierdesk.accounts.choices import Role, Tier
from tierdesk.accounts.models import SkillGroup
from tierdesk.chat import services
from tierdesk.chat.models import ChatSession
from tierdesk.chat.services import (
    TooManyRequests,
    chat_end,
    chat_reply,
    chat_take,
    chat_visitor_line,
    chat_visitor_seen,
    chats_end_left,
)
from tierdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from tierdesk.tickets.models import Message, TicketEvent

START = "2026-03-02 09:00:00Z"


@pytest.fixture
def colleague(db):
    return make_person("colleague", role=Role.AGENT, tier=Tier.FRONT_LINE)


# --- take --------------------------------------------------------------------------------------------


def test_taking_records_the_wait_and_makes_the_ticket_the_takers(start, agent):
    with time_machine.travel(START, tick=False):
        chat, _ = start()
    with time_machine.travel("2026-03-02 09:00:12.34Z", tick=False):
        taken = chat_take(actor=agent, chat=chat)

    taken.refresh_from_db()
    assert (taken.status, taken.taken_by, taken.wait_seconds) == ("active", agent, 12.3)
    assert taken.taken_at.isoformat() == "2026-03-02T09:00:12.340000+00:00"
    assert taken.ticket.assignee == agent
    assert TicketEvent.objects.filter(ticket=taken.ticket, field="assignee").exists()


def test_a_second_engineer_taking_is_refused_naming_the_holder(waiting_chat, agent, colleague):
    chat_take(actor=agent, chat=waiting_chat)

    with pytest.raises(Conflict) as refused:
        chat_take(actor=colleague, chat=waiting_chat)

    assert "Agent already took this chat" in str(refused.value)
    waiting_chat.refresh_from_db()
    assert waiting_chat.taken_by == agent
    assert waiting_chat.ticket.assignee == agent


def test_taking_a_chat_one_holds_changes_nothing(waiting_chat, agent):
    first = chat_take(actor=agent, chat=waiting_chat)
    again = chat_take(actor=agent, chat=waiting_chat)

    assert again.taken_at == first.taken_at
    assert TicketEvent.objects.filter(ticket=waiting_chat.ticket, field="assignee").count() == 1


def test_an_ended_chat_cannot_be_taken(waiting_chat, agent):
    chat_end(chat=waiting_chat)

    with pytest.raises(Conflict, match="ended"):
        chat_take(actor=agent, chat=waiting_chat)


@pytest.mark.parametrize("who", ["reviewer", "alice"])
def test_reviewers_and_customers_do_not_take_chats(waiting_chat, who, request):
    with pytest.raises(PermissionDenied):
        chat_take(actor=request.getfixturevalue(who), chat=waiting_chat)

    waiting_chat.refresh_from_db()
    assert waiting_chat.status == "waiting"


def test_a_chat_in_a_group_is_taken_by_its_members_and_managers(
    waiting_chat, agent, colleague, manager
):
    group = SkillGroup.objects.create(name="Tier 1 / Japanese")
    colleague.skill_groups.add(group)
    waiting_chat.ticket.group = group
    waiting_chat.ticket.save()

    with pytest.raises(PermissionDenied, match="Tier 1 / Japanese"):
        chat_take(actor=agent, chat=waiting_chat)
    assert services.may_take(colleague, waiting_chat)
    assert services.may_take(manager, waiting_chat)
    chat_take(actor=colleague, chat=waiting_chat)


def test_taking_reassigns_a_ticket_routing_gave_someone_else(waiting_chat, agent, colleague):
    ticket = waiting_chat.ticket
    ticket.assignee = colleague
    ticket.save()

    chat_take(actor=agent, chat=waiting_chat)

    ticket.refresh_from_db()
    assert ticket.assignee == agent


# --- lines -------------------------------------------------------------------------------------------


def test_the_holders_line_is_a_public_chat_reply_and_the_first_records_the_answer_time(
    start, agent
):
    with time_machine.travel(START, tick=False):
        chat, _ = start()
        chat_take(actor=agent, chat=chat)
    with time_machine.travel("2026-03-02 09:00:07Z", tick=False):
        first = chat_reply(actor=agent, chat=chat, body="  Hello Dana, looking now.  ")
    with time_machine.travel("2026-03-02 09:01:00Z", tick=False):
        chat_reply(actor=agent, chat=chat, body="Found it.")

    chat.refresh_from_db()
    assert chat.first_answer_seconds == 7.0
    assert (first.kind, first.channel, first.body_text) == (
        "public",
        "chat",
        "Hello Dana, looking now.",
    )
    ticket = chat.ticket
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert ticket.first_responded_at.isoformat().startswith("2026-03-02T09:00:07")


def test_a_reply_before_taking_is_refused(waiting_chat, agent):
    with pytest.raises(Conflict, match="Take the chat"):
        chat_reply(actor=agent, chat=waiting_chat, body="hi")


def test_a_reply_from_someone_not_holding_the_chat_is_refused(active_chat, colleague):
    with pytest.raises(PermissionDenied, match="Agent holds this chat"):
        chat_reply(actor=colleague, chat=active_chat, body="hi")


def test_a_reply_to_an_ended_chat_is_refused(active_chat, agent):
    chat_end(chat=active_chat, actor=agent)

    with pytest.raises(Conflict, match="ended"):
        chat_reply(actor=agent, chat=active_chat, body="still there?")
    assert Message.objects.filter(ticket=active_chat.ticket).count() == 1


@pytest.mark.parametrize("body", ["", "   ", None, "x" * 5001])
def test_an_empty_or_overlong_reply_names_body(active_chat, agent, body):
    with pytest.raises(ValidationFailed) as refused:
        chat_reply(actor=agent, chat=active_chat, body=body)

    assert set(refused.value.errors) == {"body"}


def test_the_customer_writes_while_waiting_and_while_talking(waiting_chat, agent):
    chat_visitor_line(chat=waiting_chat, body="It started after the upgrade")
    chat_take(actor=agent, chat=waiting_chat)
    chat_visitor_line(chat=waiting_chat, body="Thanks")

    lines = Message.objects.filter(ticket=waiting_chat.ticket).order_by("pk")
    assert [m.body_text for m in lines][1:] == ["It started after the upgrade", "Thanks"]
    assert all(m.author == waiting_chat.customer and m.channel == "chat" for m in lines)


def test_the_customer_cannot_write_to_an_ended_chat(waiting_chat):
    chat_end(chat=waiting_chat)

    with pytest.raises(Conflict):
        chat_visitor_line(chat=waiting_chat, body="hello?")


def test_a_customer_sending_lines_too_fast_is_slowed_down(waiting_chat, monkeypatch):
    monkeypatch.setattr(services, "VISITOR_LINES_PER_MINUTE", 3)
    chat_visitor_line(chat=waiting_chat, body="one")
    chat_visitor_line(chat=waiting_chat, body="two")

    with pytest.raises(TooManyRequests):
        chat_visitor_line(chat=waiting_chat, body="three")


def test_a_customer_line_marks_them_seen(waiting_chat):
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        chat_visitor_line(chat=waiting_chat, body="still here")
        waiting_chat.refresh_from_db()
        assert waiting_chat.visitor_seen_at == timezone.now()


# --- end ---------------------------------------------------------------------------------------------


def test_the_customer_ends_a_waiting_chat_and_its_wait_is_how_long_they_waited(start):
    with time_machine.travel(START, tick=False):
        chat, _ = start()
    with time_machine.travel("2026-03-02 09:00:45Z", tick=False):
        chat_end(chat=chat)

    chat.refresh_from_db()
    assert (chat.status, chat.end_reason, chat.taken_at, chat.wait_seconds) == (
        "ended",
        "visitor",
        None,
        45.0,
    )


def test_the_holder_ends_and_solves(active_chat, agent):
    chat_end(chat=active_chat, actor=agent, solve=True)

    active_chat.refresh_from_db()
    assert (active_chat.status, active_chat.end_reason, active_chat.ended_by) == (
        "ended",
        "agent",
        agent,
    )
    assert active_chat.ticket.status == "solved"


def test_ending_keeps_the_wait_of_a_taken_chat(active_chat, agent):
    wait = ChatSession.objects.get(pk=active_chat.pk).wait_seconds

    chat_end(chat=active_chat, actor=agent)

    assert ChatSession.objects.get(pk=active_chat.pk).wait_seconds == wait


def test_another_agent_cannot_end_the_chat_but_a_manager_can(active_chat, colleague, manager):
    with pytest.raises(PermissionDenied):
        chat_end(chat=active_chat, actor=colleague)

    chat_end(chat=active_chat, actor=manager)
    assert ChatSession.objects.get(pk=active_chat.pk).status == "ended"


def test_an_agent_takes_before_ending_a_waiting_chat_a_manager_need_not(
    waiting_chat, agent, manager
):
    with pytest.raises(PermissionDenied):
        chat_end(chat=waiting_chat, actor=agent)

    chat_end(chat=waiting_chat, actor=manager)
    assert ChatSession.objects.get(pk=waiting_chat.pk).end_reason == "agent"


def test_the_customer_cannot_solve(waiting_chat):
    with pytest.raises(PermissionDenied):
        chat_end(chat=waiting_chat, actor=waiting_chat.customer, solve=True)


def test_ending_an_ended_chat_changes_nothing(active_chat, agent):
    chat_end(chat=active_chat, actor=agent)
    ended_at = ChatSession.objects.get(pk=active_chat.pk).ended_at

    chat_end(chat=active_chat)

    chat = ChatSession.objects.get(pk=active_chat.pk)
    assert (chat.ended_at, chat.end_reason) == (ended_at, "agent")


# --- the customer left -----------------------------------------------------------------------------


def test_the_sweep_ends_chats_whose_customer_left_and_keeps_the_others(start, agent):
    with time_machine.travel(START, tick=False):
        gone_waiting, _ = start(email="gone1@acme.test")
        gone_active, _ = start(email="gone2@acme.test")
        chat_take(actor=agent, chat=gone_active)
        here, _ = start(email="here@acme.test")
    with time_machine.travel("2026-03-02 09:02:30Z", tick=False):
        chat_visitor_seen(chat_id=here.pk)
    with time_machine.travel("2026-03-02 09:03:30Z", tick=False):
        assert chats_end_left() == 2
        assert chats_end_left() == 0

    statuses = dict(ChatSession.objects.values_list("pk", "status"))
    assert statuses == {gone_waiting.pk: "ended", gone_active.pk: "ended", here.pk: "waiting"}
    gone_waiting.refresh_from_db()
    assert (gone_waiting.end_reason, gone_waiting.wait_seconds) == ("left", 210.0)


def test_being_seen_is_written_at_most_every_15_seconds(waiting_chat):
    now = waiting_chat.visitor_seen_at
    assert chat_visitor_seen(chat_id=waiting_chat.pk, now=now + timedelta(seconds=10)) is False
    assert chat_visitor_seen(chat_id=waiting_chat.pk, now=now + timedelta(seconds=16)) is True
