"""Staffing reads from hand-built history: arrivals per hour of week in a zone, handle time per
channel, people on shift per hour, and engineers needed against them."""

from __future__ import annotations

import itertools
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import pytest

from conftest import make_person
from tierdesk.accounts.choices import Role, Tier
from tierdesk.chat.choices import ChatStatus
from tierdesk.chat.models import ChatSession
from tierdesk.core.errors import ValidationFailed
from tierdesk.phone.choices import Direction
from tierdesk.phone.models import Call
from tierdesk.routing.models import Shift
from tierdesk.staffing.selectors import (
    FALLBACK_HANDLE_SECONDS,
    HOURS_OF_WEEK,
    arrivals_per_hour_of_week,
    handle_times,
    on_shift_per_hour_of_week,
    plan_query,
    slot_of,
    staffing_plan,
)
from tierdesk.tickets.choices import Channel
from tierdesk.tickets.models import Ticket

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
UTC_ZONE = zoneinfo.ZoneInfo("UTC")
# A Monday; the window of two weeks ends on the Monday two weeks later.
T0 = datetime(2024, 5, 6, tzinfo=UTC)
NOW = T0 + timedelta(weeks=2, minutes=25)
MONDAY_SLOT_10 = 10  # Monday 10:00-11:00
_numbers = itertools.count(1)


def make_ticket(requester, created_at: datetime, channel: str = Channel.EMAIL) -> Ticket:
    return Ticket.objects.create(
        subject="Dashboards time out",
        requester=requester,
        organization=requester.organization,
        channel=channel,
        created_at=created_at,
        updated_at=created_at,
    )


def make_call(
    reporter, offered_at: datetime, *, talk: int | None, direction=Direction.INBOUND
) -> Call:
    return Call.objects.create(
        reported_by=reporter,
        external_id=f"call-{next(_numbers)}",
        direction=direction,
        offered_at=offered_at,
        answered_at=offered_at + timedelta(seconds=10) if talk is not None else None,
        wait_seconds=10,
        talk_seconds=talk,
        created_at=offered_at,
        updated_at=offered_at,
    )


def make_chat(requester, taken_at: datetime | None, seconds: int | None, status=ChatStatus.ENDED):
    ticket = make_ticket(requester, taken_at or T0, Channel.CHAT)
    return ChatSession.objects.create(
        ticket=ticket,
        customer=requester,
        token_hash=f"{next(_numbers):064d}",
        status=status,
        started_at=(taken_at or T0) - timedelta(seconds=20),
        taken_at=taken_at,
        ended_at=taken_at + timedelta(seconds=seconds) if seconds is not None else None,
        visitor_seen_at=taken_at or T0,
    )


def tokyo_query(**extra):
    return plan_query(tz="Asia/Tokyo", weeks=2, now=NOW, **extra)


def test_the_window_ends_at_the_start_of_the_hour_and_runs_back_whole_weeks(db):
    query = tokyo_query()

    assert query.end == T0 + timedelta(weeks=2)
    assert query.start == T0
    assert query.shrinkage == pytest.approx(0.30)
    assert query.email_minutes == 12


def test_a_refused_question_names_each_field(db):
    with pytest.raises(ValidationFailed) as refused:
        plan_query(weeks="0", tz="Mars/Olympus", shrinkage_percent="100", email_minutes="-1")

    assert set(refused.value.errors) == {"weeks", "tz", "shrinkage", "email_minutes"}


def test_slots_count_from_monday_midnight_in_the_zone():
    # Sunday 16:00 UTC is Monday 01:00 in Tokyo.
    assert slot_of(datetime(2024, 5, 12, 16, tzinfo=UTC), TOKYO) == 1
    assert slot_of(datetime(2024, 5, 12, 16, tzinfo=UTC), UTC_ZONE) == 6 * 24 + 16


def test_arrivals_are_averaged_per_hour_of_week_in_the_zone(alice):
    # Given tickets around the two weeks from Monday 6 May, in UTC.
    for minute in (0, 20, 59):  # Mon 01:xx UTC = Mon 10:xx Tokyo, first week
        make_ticket(alice, T0 + timedelta(hours=1, minutes=minute), Channel.CHAT)
    make_ticket(alice, T0 + timedelta(weeks=1, hours=1, minutes=10), Channel.CHAT)
    # Sunday 16:00 UTC = Monday 01:00 Tokyo: email and portal both count as email.
    make_ticket(alice, datetime(2024, 5, 12, 16, 5, tzinfo=UTC), Channel.EMAIL)
    make_ticket(alice, datetime(2024, 5, 12, 16, 55, tzinfo=UTC), Channel.PORTAL)
    make_ticket(alice, datetime(2024, 5, 12, 16, 30, tzinfo=UTC), Channel.API)
    # Tuesday 23:59 UTC = Wednesday 08:59 Tokyo.
    make_ticket(alice, datetime(2024, 5, 7, 23, 59, tzinfo=UTC), Channel.PHONE)
    # Outside the window, and proactive outreach: not arrivals.
    make_ticket(alice, T0 - timedelta(seconds=1), Channel.CHAT)
    make_ticket(alice, T0 + timedelta(weeks=2), Channel.CHAT)
    make_ticket(alice, T0 + timedelta(hours=1), Channel.PROACTIVE)

    # When the arrivals are read in Tokyo over the two weeks.
    arrivals = arrivals_per_hour_of_week(tokyo_query())

    # Then each count is divided by the two weeks, in Tokyo's hours.
    assert set(arrivals) == {"chat", "phone", "email"}
    assert all(len(series) == HOURS_OF_WEEK for series in arrivals.values())
    assert arrivals["chat"][MONDAY_SLOT_10] == pytest.approx(2.0)
    assert arrivals["email"][1] == pytest.approx(1.5)
    assert arrivals["phone"][2 * 24 + 8] == pytest.approx(0.5)
    assert sum(arrivals["chat"]) == pytest.approx(2.0)
    assert sum(arrivals["email"]) == pytest.approx(1.5)
    assert sum(arrivals["phone"]) == pytest.approx(0.5)


def test_the_same_tickets_in_utc_fall_in_utc_hours(alice):
    make_ticket(alice, T0 + timedelta(hours=1, minutes=30), Channel.CHAT)

    arrivals = arrivals_per_hour_of_week(plan_query(tz="UTC", weeks=2, now=NOW))

    assert arrivals["chat"][1] == pytest.approx(0.5)
    assert arrivals["chat"][MONDAY_SLOT_10] == 0


def test_handle_time_per_channel_is_measured_where_it_can_be(alice, agent):
    # Phone: inbound answered calls' talk time; ringing, outbound and old calls are left out.
    make_call(agent, T0 + timedelta(hours=3), talk=100)
    make_call(agent, T0 + timedelta(days=3), talk=200)
    make_call(agent, T0 + timedelta(days=4), talk=None)
    make_call(agent, T0 + timedelta(days=4), talk=5000, direction=Direction.OUTBOUND)
    make_call(agent, T0 - timedelta(days=1), talk=5000)
    # Chat: ended chats from taken to ended; an active one and an old one are left out.
    make_chat(alice, T0 + timedelta(hours=2), 300)
    make_chat(alice, T0 + timedelta(days=5), 500)
    make_chat(alice, T0 + timedelta(days=6), None, status=ChatStatus.ACTIVE)
    make_chat(alice, T0 - timedelta(hours=2), 9000)

    times = handle_times(tokyo_query(email_minutes="15"))

    assert times["phone"].seconds == pytest.approx(150)
    assert (times["phone"].samples, times["phone"].measured) == (2, True)
    assert times["chat"].seconds == pytest.approx(400)
    assert (times["chat"].samples, times["chat"].measured) == (2, True)
    assert times["email"].seconds == 15 * 60
    assert times["email"].measured is False


def test_nothing_measured_falls_back_and_says_so(db):
    times = handle_times(tokyo_query())

    assert times["phone"].seconds == FALLBACK_HANDLE_SECONDS["phone"]
    assert times["chat"].seconds == FALLBACK_HANDLE_SECONDS["chat"]
    assert not times["phone"].measured and not times["chat"].measured
    assert times["email"].seconds == 12 * 60


def engineer(name: str, zone: str):
    return make_person(name, role=Role.AGENT, tier=Tier.FRONT_LINE, time_zone=zone)


def test_shifts_are_counted_per_hour_in_the_zone_with_shares_of_hours(db):
    # Given a UTC engineer 00:00-03:00 on Monday (09:00-12:00 in Tokyo), a Tokyo engineer for
    # half an hour at 10:30, and a UTC night shift from Sunday 22:00 to Monday 02:00.
    utc = engineer("uma", "UTC")
    Shift.objects.create(person=utc, weekday=0, start=time(0), end=time(3))
    Shift.objects.create(
        person=engineer("taro", "Asia/Tokyo"), weekday=0, start=time(10, 30), end=time(11)
    )
    Shift.objects.create(person=engineer("nina", "UTC"), weekday=6, start=time(22), end=time(2))
    gone = engineer("gone", "UTC")
    gone.is_active = False
    gone.save()
    Shift.objects.create(person=gone, weekday=0, start=time(0), end=time(3))

    tokyo = on_shift_per_hour_of_week(TOKYO, date(2024, 5, 6))
    utc_hours = on_shift_per_hour_of_week(UTC_ZONE, date(2024, 5, 6))

    # The night shift is Monday 07:00-11:00 in Tokyo, beside the others' 09:00-12:00 and
    # 10:30-11:00.
    assert tokyo[6] == 0
    assert tokyo[7] == 1 and tokyo[8] == 1
    assert tokyo[9] == 2
    assert tokyo[MONDAY_SLOT_10] == 2.5
    assert tokyo[11] == 1
    assert tokyo[12] == 0
    # In UTC it wraps from the end of the week to its start.
    assert utc_hours[166] == 1 and utc_hours[167] == 1
    assert utc_hours[0] == 2 and utc_hours[1] == 2.5 and utc_hours[2] == 1
    assert sum(utc_hours) == pytest.approx(3 + 0.5 + 4)


def test_needed_against_on_shift_per_hour(alice):
    # Given two weeks with 4 chats and 2 email-like tickets in the same Tokyo hours, chats of
    # 400 s, and one engineer and a half on shift on Monday 10:00 Tokyo.
    for week in (0, 1):
        for minute in (0, 30):
            make_chat(alice, T0 + timedelta(weeks=week, hours=1, minutes=minute), 400)
        make_ticket(alice, T0 + timedelta(weeks=week, hours=1, minutes=15), Channel.EMAIL)
    Shift.objects.create(person=engineer("uma", "UTC"), weekday=0, start=time(0), end=time(3))
    Shift.objects.create(
        person=engineer("taro", "Asia/Tokyo"), weekday=0, start=time(10, 30), end=time(11)
    )

    plan = staffing_plan(tokyo_query(shrinkage_percent="30"))

    hour = plan.hours[MONDAY_SLOT_10]
    # Chat: 2 an hour of 400 s is A = 0.222 Erlangs. One engineer: P(W) = A, and the share
    # answered in 30 s is 1 - 0.222 * e^(-(1 - 0.222) * 30 / 400) = 0.790 < 0.9; two reach 0.98.
    assert hour.arrivals == {"chat": 2.0, "phone": 0.0, "email": 1.0}
    assert hour.needed == {"chat": 2, "phone": 0, "email": 1}  # email: ceil(1 * 720 / 3600)
    assert hour.needed_total == 3
    assert hour.needed_scheduled == 5  # ceil(3 / 0.7) = ceil(4.29)
    assert hour.on_shift == 1.5
    assert hour.gap == -3.5
    assert hour.short
    # An hour on shift with nothing arriving has spare people, not a gap.
    assert plan.hours[9].needed_scheduled == 0 and plan.hours[9].gap == 1
    assert not plan.hours[9].short
    assert plan.has_shifts
    assert plan.totals["short_hours"] == 1
    assert plan.totals["missing_hours"] == 3.5
    assert plan.handle_times["chat"].seconds == pytest.approx(400)


def test_a_desk_without_shifts_is_short_wherever_tickets_arrive(alice):
    make_ticket(alice, T0 + timedelta(hours=1), Channel.EMAIL)

    plan = staffing_plan(tokyo_query(shrinkage_percent="0"))

    assert not plan.has_shifts
    assert [h.slot for h in plan.hours if h.short] == [MONDAY_SLOT_10]
    assert plan.hours[MONDAY_SLOT_10].needed_scheduled == 1
