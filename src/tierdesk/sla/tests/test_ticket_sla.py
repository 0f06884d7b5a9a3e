"""A ticket's SLA state where people read it: the card on the ticket page, the ticket detail API
and the timeline's warning and breach lines."""

from __future__ import annotations

import math
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse
from django.utils import formats, translation
from django.utils.text import capfirst

from tierdesk.core.tests.api_support import API, client_for
from tierdesk.sla.models import SlaClock
from tierdesk.sla.panels import clock_row, signed_remaining, ticket_panel
from tierdesk.sla.selectors import ClockView
from tierdesk.sla.services import clocks_refresh_stale
from tierdesk.sla.templatetags.sla import sla_duration
from tierdesk.tickets.choices import EventKind, Priority
from tierdesk.tickets.events import record_event
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_open, ticket_reply, ticket_update

# A Tuesday afternoon in New York (the default calendar), well inside business hours.
T = datetime(2025, 3, 4, 14, 20, tzinfo=UTC)
HOUR = 3600
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def open_at(at: datetime, requester, subject: str = "Dashboards time out", **extra):
    with time_machine.travel(at, tick=False):
        return ticket_open(actor=requester, subject=subject, body="Every dashboard", **extra)


def reply_at(at: datetime, agent, ticket, **extra):
    with time_machine.travel(at, tick=False):
        return ticket_reply(actor=agent, ticket=ticket, body="Looking into it", **extra)


def page_at(client, at: datetime, ticket) -> str:
    with time_machine.travel(at, tick=False):
        response = client.get(reverse("tickets:detail", args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


def card(body: str) -> str:
    """The SLA card's HTML, so assertions do not match text elsewhere on the page."""
    start = body.index('<div id="sla"')
    return body[start : body.index("</div>\n", body.rindex('class="sla-clock"', start))]


def clock_html(body: str, metric: str, cycle: int = 1) -> str:
    html = card(body)
    start = html.index(f'data-metric="{metric}" data-cycle="{cycle}"')
    end = html.find('<div class="sla-clock"', start)
    return html[start : end if end != -1 else None]


def shown(at: datetime, zone=UTC) -> str:
    return formats.date_format(at.astimezone(zone), "SHORT_DATETIME_FORMAT")


# --- the card ----------------------------------------------------------------------------------


def test_card_shows_a_running_clock_with_its_due_time_in_the_viewers_zone(client, agent, alice):
    # Given an agent in Tokyo and an enterprise customer's ticket opened at T
    agent.time_zone = "Asia/Tokyo"
    agent.save(update_fields=["time_zone"])
    ticket = open_at(T, alice)
    client.force_login(agent)
    # When the agent opens the ticket 20 minutes later
    body = page_at(client, T + minutes(20), ticket)
    # Then the first response clock shows its policy, its target, its due time in Tokyo time and
    # 40 minutes left
    first = clock_html(body, "first_response")
    assert "First response" in first
    assert "Premium and enterprise" in first
    assert "1 h, around the clock" in first
    assert 'data-state="running"' in first
    assert shown(T + timedelta(hours=1), TOKYO) in first
    assert 'data-remaining="2400"' in first and "in 40 min" in first
    # And the resolution clock (48 h) is listed after it, as the later due time
    html = card(body)
    assert html.index('data-metric="first_response"') < html.index('data-metric="resolution"')
    assert "in 47 h 40 min" in clock_html(body, "resolution")


def test_card_shows_a_met_clock_with_the_time_it_took_and_its_moves(client, agent, alice):
    ticket = open_at(T, alice)
    reply_at(T + minutes(30), agent, ticket)
    client.force_login(agent)

    body = page_at(client, T + minutes(45), ticket)

    first = clock_html(body, "first_response")
    assert 'data-state="stopped"' in first and 'data-outcome="met"' in first
    assert "sla-met" in first and 'data-elapsed="1800">30 min<' in first
    # The moves, each with its time, in words
    assert "Started: the ticket was opened" in first
    assert "Target: Premium and enterprise, 1 h, around the clock" in first
    assert "Stopped: a reply was sent" in first
    assert shown(T + minutes(30)) in first
    # Running clocks come before stopped ones
    html = card(body)
    assert html.index('data-metric="resolution"') < html.index('data-metric="first_response"')


def test_card_shows_a_breached_clock_and_an_overdue_one(client, agent, alice):
    # Given a ticket answered after 90 minutes, and one nobody answered for 72 minutes
    late = open_at(T, alice)
    reply_at(T + minutes(90), agent, late)
    waiting = open_at(T, alice, subject="Exports fail")
    client.force_login(agent)

    answered_late = clock_html(page_at(client, T + minutes(100), late), "first_response")
    overdue = clock_html(page_at(client, T + minutes(72), waiting), "first_response")

    assert 'data-outcome="breached"' in answered_late and "sla-breached" in answered_late
    assert 'data-elapsed="5400">1 h 30 min<' in answered_late
    assert 'data-outcome="breached"' in overdue and 'data-state="running"' in overdue
    assert 'data-remaining="-720"' in overdue and "overdue by 12 min" in overdue


def test_card_shows_a_paused_clock_keeping_what_it_had_left(client, agent, alice):
    # Given a ticket set pending with the first reply, 30 minutes after it opened
    ticket = open_at(T, alice)
    reply_at(T + minutes(30), agent, ticket, status="pending")
    client.force_login(agent)
    # When the agent looks five hours later
    resolution = clock_html(page_at(client, T + timedelta(hours=5), ticket), "resolution")
    # Then the resolution clock is paused with the 47 h 30 min it had left, and no due time
    assert 'data-state="paused"' in resolution
    assert 'data-remaining="171000"' in resolution and "47 h 30 min left, paused" in resolution
    assert "while paused" in resolution
    assert "Paused: the ticket is Pending" in resolution


def test_card_names_the_change_that_brought_another_target(client, agent, alice):
    # Given a ticket made urgent ten minutes after it opened
    ticket = open_at(T, alice)
    with time_machine.travel(T + minutes(10), tick=False):
        ticket_update(actor=agent, ticket=ticket, changes={"priority": "urgent"})
    client.force_login(agent)

    first = clock_html(page_at(client, T + minutes(20), ticket), "first_response")

    # Then the urgent policy's 30 minutes apply from the start, and the move says why
    assert "Premium and enterprise, urgent" in first
    assert "in 10 min" in first
    # ("Priority: Urgent" from the move's field and value; older moves say "priority: Urgent")
    move = "target: premium and enterprise, urgent, 30 min, around the clock — priority: urgent"
    assert move in first.lower()


def test_business_hours_target_names_its_calendar(client, agent, globex, oscar):
    # Given a standard-plan customer in Japan: the catch-all policy, on Tokyo's business hours
    ticket = open_at(T, oscar)  # 23:20 in Tokyo: closed until 09:00
    client.force_login(agent)

    first = clock_html(page_at(client, T + minutes(20), ticket), "first_response")

    assert "Email, portal and API" in first
    assert "1 h, business hours of Tokyo" in first
    # Due an hour after Tokyo opens (09:00 JST is 00:00 UTC, on Wednesday)
    assert shown(datetime(2025, 3, 5, 1, 0, tzinfo=UTC)) in first
    assert "in 1 h" in first


def test_card_says_overdue_when_the_due_time_passed_as_the_desk_closed(client, agent, oscar):
    # Given a Tokyo customer's ticket opened at 17:00 on a Tuesday: due at 18:00, closing time
    opened = datetime(2025, 3, 4, 8, 0, tzinfo=UTC)
    due = opened + timedelta(hours=1)
    ticket = open_at(opened, oscar)
    client.force_login(agent)
    # When the agent looks at 20:00 in Tokyo, with no business time since the due time
    evening = clock_html(page_at(client, opened + timedelta(hours=3), ticket), "first_response")
    # Then the clock is overdue since its due time, not "in 0 s"
    assert 'data-outcome="breached"' in evening and 'data-state="running"' in evening
    assert 'data-remaining="0" class="sla-overdue"' in evening
    assert f"overdue since {shown(due)}" in " ".join(evening.split())
    assert "in 0 s" not in evening
    # And the next morning at 10:30 it is overdue by the business time since opening at 09:00
    morning = clock_html(
        page_at(client, datetime(2025, 3, 5, 1, 30, tzinfo=UTC), ticket), "first_response"
    )
    assert 'data-remaining="-5400"' in morning and "overdue by 1 h 30 min" in morning


def test_ticket_api_never_says_minus_zero_for_a_clock_overdue_while_closed(agent, oscar):
    opened = datetime(2025, 3, 4, 8, 0, tzinfo=UTC)
    ticket = open_at(opened, oscar)
    api = client_for(agent)

    with time_machine.travel(opened + timedelta(hours=3), tick=False):
        response = api.get(f"{API}/tickets/{ticket.number}")
        first = _first_response(api, ticket)

    assert first["breached"] is True and first["met"] is False
    assert first["remaining_seconds"] == 0 and math.copysign(1, first["remaining_seconds"]) == 1
    assert b"-0.0" not in response.content


@pytest.mark.parametrize("remaining", [-0.0, -0.0004, 0.0])
def test_remaining_a_sliver_past_the_due_time_is_zero_not_minus_zero(remaining):
    clock = SlaClock(metric="first_response", cycle=1, state="running", target_seconds=60)
    value = signed_remaining(ClockView(clock, remaining, 60, remaining < 0))
    assert value == 0 and math.copysign(1, value) == 1


def test_target_moves_name_the_field_and_value_in_the_readers_language():
    # Given a clock whose history holds target moves with "field" and "value", and an older one
    # with only its "label"
    at = "2025-03-04T14:30:00+00:00"
    target = {"move": "target", "at": at, "policy": "Urgent", "seconds": 1800}
    clock = SlaClock(
        metric="first_response",
        cycle=1,
        policy_name="Urgent",
        target_seconds=1800,
        business_hours=False,
        history=[
            {**target, "label": "priority: urgent", "field": "priority", "value": "urgent"},
            {**target, "label": "channel: phone", "field": "channel", "value": "phone"},
            {**target, "label": "status: on_hold", "field": "status", "value": "on_hold"},
            {**target, "label": "tags: vip, beta", "field": "tags", "value": ["vip", "beta"]},
            {**target, "label": "tags: ", "field": "tags", "value": []},
            {**target, "label": "priority: Urgent"},
            {**target, "label": "region: apac", "field": "region", "value": "apac"},
        ],
    )
    # When the card describes it, in English and in Japanese
    texts = [m.text.split(" — ", 1)[1] for m in clock_row(ClockView(clock, 60, 0, False)).moves]
    with translation.override("ja"):
        ja = clock_row(ClockView(clock, 60, 0, False)).moves[0].text
    # Then field and value are the ticket field's name and the choice's label
    assert texts == [
        "Priority: Urgent",
        "Channel: Phone",
        "Status: On hold",
        "Tags: vip, beta",
        "Tags: none",
        "priority: Urgent",  # an older move: its stored label
        "region: apac",  # not a field of a ticket: the stored label
    ]
    assert clock_row(ClockView(clock, 60, 0, False)).moves[0].at == datetime.fromisoformat(at)
    with translation.override("ja"):
        expected = (
            f"{capfirst(Ticket._meta.get_field('priority').verbose_name)}: {Priority.URGENT.label}"
        )
    assert ja.endswith(expected) and expected != "Priority: Urgent"


def test_card_shows_a_stored_target_move_with_its_field(client, agent, alice):
    # Given a ticket whose clock was stored with a target move naming field and value
    ticket = open_at(T, alice)
    clocks_refresh_stale(now=T)
    clock = SlaClock.objects.get(ticket=ticket, metric="first_response")
    clock.history = [
        *clock.history,
        {
            "move": "target",
            "at": (T + minutes(5)).isoformat(),
            "policy": "Premium and enterprise, urgent",
            "seconds": 1800,
            "business_hours": False,
            "label": "priority: urgent",
            "field": "priority",
            "value": "urgent",
        },
    ]
    clock.save(update_fields=["history"])
    client.force_login(agent)

    first = clock_html(page_at(client, T + minutes(10), ticket), "first_response")

    assert "30 min, around the clock — Priority: Urgent" in first


def test_customers_never_get_the_card(alice, ticket, client):
    request = RequestFactory().get("/")
    request.user = alice
    assert ticket_panel(request, ticket) is None
    client.force_login(alice)
    body = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert 'id="sla"' not in body and "Premium and enterprise" not in body


def test_sla_duration_reads_as_people_say_it():
    assert [sla_duration(s) for s in (None, 45, 2400, 3600, 4800, -720, 27 * HOUR)] == [
        "—",
        "45 s",
        "40 min",
        "1 h",
        "1 h 20 min",
        "12 min",
        "27 h",
    ]


# --- the API -----------------------------------------------------------------------------------


def test_ticket_api_gives_staff_the_clocks_with_their_numbers(agent, alice):
    # Given a ticket opened at T by an enterprise customer (first response 1 h, calendar time)
    ticket = open_at(T, alice)
    api = client_for(agent)
    # When staff read it 20 minutes later
    with time_machine.travel(T + minutes(20), tick=False):
        response = api.get(f"{API}/tickets/{ticket.number}")
    # Then `sla` holds both clocks with what is left, in seconds
    assert response.status_code == 200
    clocks = {c["metric"]: c for c in response.json()["sla"]}
    assert set(clocks) == {"first_response", "resolution"}
    first = clocks["first_response"]
    assert first == {
        "metric": "first_response",
        "cycle": 1,
        "policy": "Premium and enterprise",
        "target_seconds": HOUR,
        "business_hours": False,
        "calendar": None,
        "state": "running",
        "started_at": "2025-03-04T14:20:00Z",
        "stopped_at": None,
        "due_at": "2025-03-04T15:20:00Z",
        "met": None,
        "breached": False,
        "elapsed_seconds": 1200.0,
        "remaining_seconds": 2400.0,
    }
    assert clocks["resolution"]["remaining_seconds"] == 48 * HOUR - 1200


def test_ticket_api_reports_met_breached_and_overdue(agent, alice):
    met = open_at(T, alice)
    reply_at(T + minutes(30), agent, met)
    overdue = open_at(T, alice, subject="Exports fail")
    api = client_for(agent)

    with time_machine.travel(T + minutes(75), tick=False):
        met_first = _first_response(api, met)
        overdue_first = _first_response(api, overdue)

    assert met_first["state"] == "stopped" and met_first["met"] is True
    assert met_first["elapsed_seconds"] == 1800 and met_first["remaining_seconds"] is None
    assert overdue_first["state"] == "running" and overdue_first["breached"] is True
    assert overdue_first["met"] is False and overdue_first["remaining_seconds"] == -900


def _first_response(api, ticket) -> dict:
    sla = api.get(f"{API}/tickets/{ticket.number}").json()["sla"]
    return next(c for c in sla if c["metric"] == "first_response")


def test_customers_read_their_ticket_without_sla_targets(alice, ticket):
    body = client_for(alice).get(f"{API}/tickets/{ticket.number}").json()
    assert body["sla"] == []


def test_ticket_lists_carry_no_sla(agent, ticket):
    items = client_for(agent).get(f"{API}/tickets").json()["items"]
    assert items and "sla" not in items[0]


# --- the timeline ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("to_value", "words"),
    [
        ("breached", "First response target breached"),
        ("warning", "First response target at risk"),
    ],
)
def test_timeline_shows_warnings_and_breaches_in_words(client, agent, alice, to_value, words):
    ticket = open_at(T, alice)
    with time_machine.travel(T + minutes(61), tick=False):
        record_event(
            ticket,
            actor=None,
            kind=EventKind.SLA,
            at=T + minutes(61),
            field="first_response",
            new=to_value,
            data={
                "cycle": 1,
                "due_at": (T + minutes(60)).isoformat(),
                "policy": "Premium and enterprise",
            },
        )
    client.force_login(agent)

    timeline = page_at(client, T + minutes(62), ticket).split('id="timeline"', 1)[1]

    due = formats.time_format(T + minutes(60), "TIME_FORMAT")
    assert f"{words} (due {due}, policy Premium and enterprise)" in " ".join(timeline.split())


def test_timeline_names_the_cycle_of_a_later_response(client, agent, alice):
    ticket = open_at(T, alice)
    record_event(
        ticket,
        actor=None,
        kind=EventKind.SLA,
        at=T + timedelta(days=2),
        field="next_response",
        new="breached",
        data={"cycle": 2, "due_at": (T + timedelta(days=1)).isoformat(), "policy": "Urgent"},
    )
    client.force_login(agent)

    timeline = " ".join(page_at(client, T + timedelta(days=2), ticket).split())

    due = shown(T + timedelta(days=1))
    assert f"Next response 2 target breached (due {due}, policy Urgent)" in timeline


def test_customers_do_not_see_sla_events(client, alice):
    ticket = open_at(T, alice)
    record_event(
        ticket,
        actor=None,
        kind=EventKind.SLA,
        at=T + minutes(61),
        field="first_response",
        new="breached",
        data={"cycle": 1, "due_at": (T + minutes(60)).isoformat(), "policy": "Premium"},
    )
    client.force_login(alice)
    body = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert "target breached" not in body
