"""Reads of live chat: who finds which chat, the waiting list in flat queries, the lines a
customer sees, the take-time figures, and the widget site of an origin."""

from __future__ import annotations

import pytest
import time_machine

from tierdesk.chat import selectors
from tierdesk.chat.models import ChatWidgetSite
from tierdesk.chat.services import chat_end, chat_reply, chat_take
from tierdesk.core.errors import NotFound, PermissionDenied
from tierdesk.tickets.services import ticket_add_note, ticket_update


def test_staff_find_a_chat_customers_do_not(waiting_chat, agent, alice):
    assert selectors.chat_get_for_user(agent, waiting_chat.pk) == waiting_chat
    with pytest.raises(NotFound):
        selectors.chat_get_for_user(alice, waiting_chat.pk)
    with pytest.raises(NotFound):
        selectors.chat_get_for_user(agent, 2**70)


def test_a_restricted_chat_ticket_is_found_only_by_its_readers(waiting_chat, agent, manager):
    ticket_update(actor=manager, ticket=waiting_chat.ticket, changes={"restricted": True})

    with pytest.raises(NotFound):
        selectors.chat_get_for_user(agent, waiting_chat.pk)
    assert selectors.chat_get_for_user(manager, waiting_chat.pk) == waiting_chat
    assert selectors.waiting_chats(agent).waiting == []


def test_the_secret_opens_the_chat_and_nothing_else_does(waiting_chat):
    assert selectors.chat_get_by_token(waiting_chat.pk, waiting_chat.token) == waiting_chat
    with pytest.raises(PermissionDenied):
        selectors.chat_get_by_token(waiting_chat.pk, "")
    with pytest.raises(PermissionDenied):
        selectors.chat_get_by_token(waiting_chat.pk, waiting_chat.token[:-1])
    with pytest.raises(NotFound):
        selectors.chat_get_by_token(waiting_chat.pk + 1, waiting_chat.token)


def test_customers_never_read_internal_notes(active_chat, agent):
    ticket_add_note(actor=agent, ticket=active_chat.ticket, body="Customer is on the old plan")
    chat_reply(actor=agent, chat=active_chat, body="Hello")

    public = selectors.chat_lines(active_chat)
    everything = selectors.chat_lines(active_chat, internal=True)

    assert [m.body_text for m in public][1:] == ["Hello"]
    assert len(everything) == 3
    first = public[0].pk
    assert [m.body_text for m in selectors.chat_lines(active_chat, after=first)] == ["Hello"]


def test_the_waiting_list_is_oldest_first_with_my_active_chats(start, agent):
    with time_machine.travel("2026-03-02 09:00:00Z", tick=False):
        older, _ = start(email="a@acme.test")
    with time_machine.travel("2026-03-02 09:00:05Z", tick=False):
        newer, _ = start(email="b@acme.test")
        mine, _ = start(email="c@acme.test")
        chat_take(actor=agent, chat=mine)

    lists = selectors.waiting_chats(agent)

    assert lists.waiting == [older, newer]
    assert lists.mine == [mine]
    assert all(chat.may_take for chat in lists.waiting)


def test_the_waiting_list_takes_three_queries_whatever_its_length(
    start, agent, django_assert_num_queries
):
    def read():
        lists = selectors.waiting_chats(agent)
        for chat in lists.waiting + lists.mine:
            _ = (chat.ticket.group, chat.customer.organization, chat.taken_by, chat.site)

    start(email="one@acme.test")
    with django_assert_num_queries(3):
        read()
    for n in range(6):
        chat, _ = start(email=f"many{n}@acme.test")
        if n % 2:
            chat_take(actor=agent, chat=chat)
    with django_assert_num_queries(3):
        read()


def test_the_waiting_fingerprint_changes_when_a_chat_arrives_or_is_taken(start, agent):
    before = selectors.waiting_fingerprint(agent)
    chat, _ = start()
    arrived = selectors.waiting_fingerprint(agent)
    chat_take(actor=agent, chat=chat)

    assert len({before, arrived, selectors.waiting_fingerprint(agent)}) == 3


def test_the_figures_count_taken_chats_and_waits_past_the_target(start, agent, settings):
    # Given, on one day: taken after 10 s and after 40 s, a customer who left after 10 s (not
    # counted), one who left after 50 s (missed), one still waiting for 35 s (missed already),
    # and one still waiting for 5 s (undecided); and one chat taken within 20 s six days earlier
    def chat_at(start_at, email):
        with time_machine.travel(start_at, tick=False):
            chat, _ = start(email=email)
        return chat

    def at(moment, action):
        with time_machine.travel(moment, tick=False):
            action()

    week_old = chat_at("2026-02-25 10:00:00Z", "w@acme.test")
    at("2026-02-25 10:00:20Z", lambda: chat_take(actor=agent, chat=week_old))
    quick = chat_at("2026-03-03 08:00:00Z", "q@acme.test")
    at("2026-03-03 08:00:10Z", lambda: chat_take(actor=agent, chat=quick))
    at("2026-03-03 08:00:14Z", lambda: chat_reply(actor=agent, chat=quick, body="hi"))
    slow = chat_at("2026-03-03 08:10:00Z", "s@acme.test")
    at("2026-03-03 08:10:40Z", lambda: chat_take(actor=agent, chat=slow))
    at("2026-03-03 08:10:46Z", lambda: chat_reply(actor=agent, chat=slow, body="sorry"))
    gave_up_early = chat_at("2026-03-03 08:20:00Z", "e@acme.test")
    at("2026-03-03 08:20:10Z", lambda: chat_end(chat=gave_up_early))
    gave_up_late = chat_at("2026-03-03 08:30:00Z", "l@acme.test")
    at("2026-03-03 08:30:50Z", lambda: chat_end(chat=gave_up_late))
    chat_at("2026-03-03 08:59:25Z", "waiting-long@acme.test")
    chat_at("2026-03-03 08:59:55Z", "waiting-short@acme.test")

    # When the figures are read at 09:00 UTC
    with time_machine.travel("2026-03-03 09:00:00Z", tick=False):
        today, week = selectors.chat_take_figures()

    # Then today: 4 counted (quick, slow, left late, waiting long), 1 within 30 s
    assert (today.started, today.counted, today.within_target, today.missed) == (6, 4, 1, 3)
    assert today.percent == 25.0 and today.target_met is False
    assert today.average_wait == 25.0  # (10 + 40) / 2, taken chats only
    assert today.average_first_answer == 5.0  # (4 + 6) / 2
    # And over 7 days the week-old chat counts too
    assert (week.started, week.counted, week.within_target) == (7, 5, 2)
    assert week.percent == 40.0


def test_today_starts_at_midnight_in_the_readers_time_zone(start, agent):
    from django.utils import timezone

    with time_machine.travel("2026-03-02 16:00:00Z", tick=False):
        chat, _ = start()
        chat_take(actor=agent, chat=chat)
    # At 09:00 UTC on the 3rd, 16:00 UTC on the 2nd was yesterday in UTC, but 01:00 on the 3rd,
    # today, in Tokyo.
    with time_machine.travel("2026-03-03 09:00:00Z", tick=False):
        assert selectors.chat_take_figures()[0].counted == 0
        with timezone.override("Asia/Tokyo"):
            assert selectors.chat_take_figures()[0].counted == 1


def test_figures_without_chats_have_no_percentage(db):
    today, week = selectors.chat_take_figures()

    assert (today.counted, today.percent, today.target_met) == (0, None, None)
    assert (week.counted, week.percent) == (0, None)


def test_an_origin_finds_its_active_site_exactly(site):
    ChatWidgetSite.objects.create(
        name="Old", allowed_origins=["https://old.acme.test"], is_active=False
    )

    assert selectors.widget_site_for_origin("https://WWW.acme-docs.test/") == site
    assert selectors.widget_site_for_origin("https://www.acme-docs.test.evil.test") is None
    assert selectors.widget_site_for_origin("http://www.acme-docs.test") is None
    assert selectors.widget_site_for_origin("https://old.acme.test") is None
    assert selectors.widget_site_for_origin("null") is None
