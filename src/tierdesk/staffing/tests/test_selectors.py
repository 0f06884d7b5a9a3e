"""Staffing reads from hand-built history: arrivals per hour of week in a zone, handle time per
channel, people on shift per hour, and engineers needed against them."""

from __future__ import annotations

import itertools
import math
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
    HandleTime,
    arrivals_per_hour_of_week,
    email_workload,
    handle_times,
    needed_for,
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


def make_chat(
    requester,
    taken_at: datetime | None,
    seconds: int | None,
    status=ChatStatus.ENDED,
    *,
    started_at: datetime | None = None,
):
    # A chat is requested 20 s before it is taken unless told otherwise.
    started_at = started_at or (taken_at or T0) - timedelta(seconds=20)
    ticket = make_ticket(requester, started_at, Channel.CHAT)
    return ChatSession.objects.create(
        ticket=ticket,
        customer=requester,
        token_hash=f"{next(_numbers):064d}",
        status=status,
        started_at=started_at,
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
    assert query.email_target_hours == 4
    assert query.email_window_hours == 4
    assert query.chat_concurrency == 2


def test_a_refused_question_names_each_field(db):
    with pytest.raises(ValidationFailed) as refused:
        plan_query(
            weeks="0",
            tz="Mars/Olympus",
            shrinkage_percent="100",
            email_minutes="-1",
            email_target_hours="0",
            chat_concurrency="7",
        )

    assert set(refused.value.errors) == {
        "weeks",
        "tz",
        "shrinkage",
        "email_minutes",
        "email_target_hours",
        "chat_concurrency",
    }


@pytest.mark.parametrize("hours", ["0", "-2", "72.5", "soon", "nan", "inf"])
def test_the_email_target_must_be_more_than_0_and_at_most_72_hours(db, hours):
    with pytest.raises(ValidationFailed) as refused:
        plan_query(email_target_hours=hours)

    assert set(refused.value.errors) == {"email_target_hours"}


@pytest.mark.parametrize(
    ("hours", "window"), [("0.2", 1), ("1", 1), ("2.4", 2), ("2.5", 3), ("4", 4), ("72", 72)]
)
def test_the_email_target_is_taken_in_whole_hours_at_least_one(db, hours, window):
    assert plan_query(email_target_hours=hours).email_window_hours == window


@pytest.mark.parametrize("concurrency", ["0", "7", "1.5", "two"])
def test_chat_concurrency_is_a_whole_number_from_1_to_6(db, concurrency):
    with pytest.raises(ValidationFailed) as refused:
        plan_query(chat_concurrency=concurrency)

    assert set(refused.value.errors) == {"chat_concurrency"}
    assert plan_query(chat_concurrency="6").chat_concurrency == 6
    assert plan_query(chat_concurrency="1.0").chat_concurrency == 1


def test_slots_count_from_monday_midnight_in_the_zone():
    # Sunday 16:00 UTC is Monday 01:00 in Tokyo.
    assert slot_of(datetime(2024, 5, 12, 16, tzinfo=UTC), TOKYO) == 1
    assert slot_of(datetime(2024, 5, 12, 16, tzinfo=UTC), UTC_ZONE) == 6 * 24 + 16


def test_without_calls_or_chats_arrivals_are_tickets_averaged_per_hour_of_week_in_the_zone(alice):
    # Given tickets around the two weeks from Monday 6 May, in UTC, and no calls or chats.
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
    found = arrivals_per_hour_of_week(tokyo_query())

    # Then each count is divided by the two weeks, in Tokyo's hours, and counted from tickets.
    arrivals = found.per_hour
    assert found.source == {"chat": "tickets", "phone": "tickets", "email": "tickets"}
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

    arrivals = arrivals_per_hour_of_week(plan_query(tz="UTC", weeks=2, now=NOW)).per_hour

    assert arrivals["chat"][1] == pytest.approx(0.5)
    assert arrivals["chat"][MONDAY_SLOT_10] == 0


def test_phone_arrivals_are_the_inbound_calls_offered_answered_or_not(alice, agent):
    # Given Monday 10:xx Tokyo (01:xx UTC): two answered calls and one the caller gave up on
    # in the first week, one ringing in the second; an outbound call and calls outside the
    # window; and phone tickets, which no longer count once there are calls.
    make_call(agent, T0 + timedelta(hours=1, minutes=5), talk=100)
    make_call(agent, T0 + timedelta(hours=1, minutes=40), talk=200)
    make_call(agent, T0 + timedelta(hours=1, minutes=50), talk=None)
    make_call(agent, T0 + timedelta(weeks=1, hours=1, minutes=59), talk=None)
    make_call(agent, T0 + timedelta(hours=1, minutes=10), talk=60, direction=Direction.OUTBOUND)
    make_call(agent, T0 - timedelta(seconds=1), talk=60)
    make_call(agent, T0 + timedelta(weeks=2), talk=60)
    for minute in (0, 10, 20):
        make_ticket(alice, T0 + timedelta(hours=1, minutes=minute), Channel.PHONE)

    found = arrivals_per_hour_of_week(tokyo_query())

    # Then 4 inbound calls offered over 2 weeks is 2 an hour; the tickets are not added.
    assert found.source["phone"] == "calls"
    assert found.per_hour["phone"][MONDAY_SLOT_10] == pytest.approx(2.0)
    assert sum(found.per_hour["phone"]) == pytest.approx(2.0)
    assert found.source["chat"] == "tickets"


def test_chat_arrivals_are_the_chats_requested_taken_or_not(alice):
    # Given chats requested on Monday 10:xx Tokyo: one ended, one still waiting (never taken),
    # one active; one requested at 09:59:50 Tokyo and taken at 10:00:10 belongs to 09:00.
    make_chat(alice, T0 + timedelta(hours=1, minutes=5), 300)
    make_chat(alice, None, None, ChatStatus.WAITING, started_at=T0 + timedelta(hours=1, minutes=7))
    make_chat(alice, T0 + timedelta(weeks=1, hours=1, minutes=30), None, ChatStatus.ACTIVE)
    make_chat(alice, T0 + timedelta(hours=1, seconds=10), 300)

    found = arrivals_per_hour_of_week(tokyo_query())

    # Then 3 chats over 2 weeks is 1.5 an hour at 10:00, and 0.5 at 09:00: by request time.
    assert found.source["chat"] == "chats"
    assert found.per_hour["chat"][MONDAY_SLOT_10] == pytest.approx(1.5)
    assert found.per_hour["chat"][9] == pytest.approx(0.5)
    assert sum(found.per_hour["chat"]) == pytest.approx(2.0)
    assert found.source["phone"] == "tickets"


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
    # 400 s, and one engineer and a half on shift on Monday 10:00 Tokyo; one chat at a time and
    # email cleared within the hour (a first-response target of 1 hour).
    for week in (0, 1):
        for minute in (5, 30):
            make_chat(alice, T0 + timedelta(weeks=week, hours=1, minutes=minute), 400)
        make_ticket(alice, T0 + timedelta(weeks=week, hours=1, minutes=15), Channel.EMAIL)
    Shift.objects.create(person=engineer("uma", "UTC"), weekday=0, start=time(0), end=time(3))
    Shift.objects.create(
        person=engineer("taro", "Asia/Tokyo"), weekday=0, start=time(10, 30), end=time(11)
    )

    plan = staffing_plan(
        tokyo_query(shrinkage_percent="30", email_target_hours="1", chat_concurrency="1")
    )

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
    assert plan.arrivals_from == {"chat": "chats", "phone": "tickets", "email": "tickets"}
    assert hour.beyond_calculator == ()
    assert plan.totals["beyond_calculator_hours"] == 0


def test_a_desk_without_shifts_is_short_wherever_tickets_arrive(alice):
    make_ticket(alice, T0 + timedelta(hours=1), Channel.EMAIL)

    plan = staffing_plan(tokyo_query(shrinkage_percent="0", email_target_hours="1"))

    assert not plan.has_shifts
    assert [h.slot for h in plan.hours if h.short] == [MONDAY_SLOT_10]
    assert plan.hours[MONDAY_SLOT_10].needed_scheduled == 1


def test_email_is_worked_off_within_the_first_response_target(alice):
    # Given 10 email tickets an hour on average at Monday 10:00 Tokyo (20 over two weeks) and
    # 4 an hour at Sunday 22:00 Tokyo (8), 12 minutes each, a target of 4 hours, no shrinkage.
    for week in (0, 1):
        for minute in range(10):
            make_ticket(alice, T0 + timedelta(weeks=week, hours=1, minutes=minute))
        for minute in range(4):
            # Sunday 13:xx UTC is Sunday 22:xx in Tokyo.
            make_ticket(
                alice, datetime(2024, 5, 5, 13, minute, tzinfo=UTC) + timedelta(weeks=1 + week)
            )

    plan = staffing_plan(tokyo_query(shrinkage_percent="0", email_target_hours="4"))

    email = [hour.needed["email"] for hour in plan.hours]
    # 10 an hour of 720 s is 2 engineer-hours of work, spread over 10:00-13:59:
    # ceil(10 * 720 / (3600 * 4)) = ceil(0.5) = 1 in each of the four hours, none at 14:00.
    assert email[9] == 0
    assert email[10:14] == [1, 1, 1, 1]
    assert email[14] == 0
    # Sunday 22:00 (slot 166) is worked into Monday 00:00-01:59 across the end of the week:
    # ceil(4 * 720 / 14400) = ceil(0.2) = 1 in slots 166, 167, 0 and 1; nothing at 02:00.
    assert email[166:] == [1, 1] and email[0:2] == [1, 1] and email[2] == 0
    assert sum(email) == 8
    # The arrivals shown stay those of the hour they arrived in.
    assert plan.hours[11].arrivals["email"] == 0
    assert plan.hours[MONDAY_SLOT_10].arrivals["email"] == 10


def test_a_one_hour_email_target_is_the_old_clear_within_the_hour_rule(alice):
    # Given uneven email over one week of three: hour h of every seventh gets h % 5 + 1
    # tickets, so the averages are thirds (0.3333 shown), of 45 minutes each.
    moments = [
        T0 + timedelta(hours=hour, minutes=minute)
        for hour in range(0, 168, 7)
        for minute in range(hour % 5 + 1)
    ]
    for moment in moments:
        make_ticket(alice, moment)
    query = plan_query(
        tz="UTC",
        weeks=3,
        now=NOW + timedelta(weeks=1),
        email_minutes="45",
        email_target_hours="1",
    )

    plan = staffing_plan(query)

    # Then every hour needs the old ceil(arrivals * 2700 / 3600), float noise guarded...
    for hour in plan.hours:
        old = math.ceil(round(hour.arrivals["email"] * 2700 / 3600, 9))
        assert hour.needed["email"] == old
    # ... by hand: slot 0 has 1/3 an hour, 0.25 engineers -> 1; slot 7 has 3/3, 0.75 -> 1;
    # slot 14 has 5/3, 1.25 -> 2; slot 28 has 4/3 = 1.3333 shown, 0.999975 -> 1; slot 1 none.
    needed = {slot: plan.hours[slot].needed["email"] for slot in (0, 1, 7, 14, 28)}
    assert needed == {0: 1, 1: 0, 7: 1, 14: 2, 28: 1}


def test_a_one_hour_email_need_is_not_raised_by_float_noise(alice):
    # 3 tickets an hour of 20 minutes are 3 * 1200 / 3600 = 1.0000000000000002 in floats.
    for minute in (0, 10, 20):
        make_ticket(alice, T0 + timedelta(weeks=1, hours=1, minutes=minute))

    plan = staffing_plan(
        plan_query(tz="UTC", weeks=1, now=NOW, email_minutes="20", email_target_hours="1")
    )

    assert plan.hours[1].needed["email"] == 1


def test_the_email_workload_spreads_each_hour_over_the_window_and_wraps():
    arrivals = [0.0] * HOURS_OF_WEEK
    arrivals[0] = 6.0
    arrivals[167] = 3.0

    # Window 3: slot 167 gets 3/3; slot 0 gets (6 + 3)/3; slot 1 (6 + 3)/3; slot 2 6/3.
    workload = email_workload(arrivals, 3)

    assert workload[166] == 0
    assert workload[167] == pytest.approx(1.0)
    assert workload[0] == pytest.approx(3.0)
    assert workload[1] == pytest.approx(3.0)
    assert workload[2] == pytest.approx(2.0)
    assert workload[3] == 0
    assert sum(workload) == pytest.approx(sum(arrivals))
    assert email_workload(arrivals, 1) == arrivals


def test_chats_taken_at_once_lower_the_chat_engineers(alice):
    # Given 2 chats an hour of 400 s at Monday 10:00 Tokyo.
    for week in (0, 1):
        for minute in (5, 30):
            make_chat(alice, T0 + timedelta(weeks=week, hours=1, minutes=minute), 400)

    one = staffing_plan(tokyo_query(chat_concurrency="1")).hours[MONDAY_SLOT_10]
    two = staffing_plan(tokyo_query(chat_concurrency="2")).hours[MONDAY_SLOT_10]

    # One at a time: A = 2 * 400 / 3600 = 0.222; one engineer answers 1 - 0.222 *
    # e^(-0.778 * 30 / 400) = 0.790 in 30 s, short of 90%: 2 engineers.
    assert one.needed["chat"] == 2
    # Two at once: Erlang C on 400 / 2 = 200 s, A = 0.111; one engineer answers
    # 1 - 0.111 * e^(-0.889 * 30 / 200) = 1 - 0.111 * 0.875 = 0.903 in 30 s: 1 engineer.
    assert two.needed["chat"] == 1


PHONE_360 = HandleTime("phone", 360.0, 10, True)
CHAT_600 = HandleTime("chat", 600.0, 10, True)


def test_absurd_arrivals_are_estimated_from_the_traffic_not_refused():
    # 10 million calls an hour of 360 s is 1,000,000 Erlangs, past the calculator's 20,000
    # agents: ceil(1e6 / 0.85) = ceil(1,176,470.59) = 1,176,471, marked as beyond it.
    phone = needed_for("phone", 10_000_000, PHONE_360)
    # Chat at two at once: 1e7 * 300 / 3600 = 833,333.3 Erlangs; / 0.85 = 980,392.2 -> 980,393.
    chat = needed_for("chat", 10_000_000, CHAT_600, concurrency=2)

    assert (phone.engineers, phone.beyond_calculator) == (1_176_471, True)
    assert (chat.engineers, chat.beyond_calculator) == (980_393, True)
    # Ordinary arrivals stay with Erlang C: 100 an hour of 360 s is A = 10 Erlangs; 14 agents
    # (P(W) = 0.174) answer 1 - 0.174 * e^(-4 * 20 / 360) = 86.1% within 20 s, 15 agents
    # (P(W) = 0.102) 1 - 0.102 * e^(-5 * 20 / 360) = 92.3%: 15 for 90%.
    ordinary = needed_for("phone", 100, PHONE_360)
    assert (ordinary.engineers, ordinary.beyond_calculator) == (15, False)
    assert needed_for("phone", 0, PHONE_360).engineers == 0


def test_an_hour_beyond_the_calculator_is_marked_in_the_plan(agent):
    # Given one inbound call on Monday 10:00 Tokyo whose talk time was recorded in the wrong
    # unit: 200,000,000 s. Over two weeks 0.5 an hour: A = 0.5 * 2e8 / 3600 = 27,777.8 Erlangs.
    make_call(agent, T0 + timedelta(hours=1, minutes=5), talk=200_000_000)

    plan = staffing_plan(tokyo_query(shrinkage_percent="0"))

    hour = plan.hours[MONDAY_SLOT_10]
    # ceil(27,777.78 / 0.85) = ceil(32,679.74) = 32,680.
    assert hour.needed["phone"] == 32_680
    assert hour.beyond_calculator == ("phone",)
    assert plan.totals["beyond_calculator_hours"] == 1
    assert all(not h.beyond_calculator for h in plan.hours if h.slot != MONDAY_SLOT_10)
