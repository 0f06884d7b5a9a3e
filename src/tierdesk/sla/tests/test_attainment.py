"""Attainment from hand-built clocks: counts, percentage, goals, percentiles, each grouping key,
period buckets in a time zone, range boundaries, filters, and the question's validation."""

from __future__ import annotations

import itertools
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tierdesk.accounts.models import SkillGroup
from tierdesk.core.errors import ValidationFailed
from tierdesk.sla.attainment import (
    MAX_DAYS,
    attainment,
    attainment_query,
    percentile,
    period_starts,
)
from tierdesk.sla.choices import ClockState, Metric, Outcome
from tierdesk.sla.models import SlaClock
from tierdesk.tickets.choices import Channel, Priority
from tierdesk.tickets.models import Ticket

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# A Monday.
T0 = datetime(2024, 5, 6, tzinfo=UTC)
START = T0
END = T0 + timedelta(days=28)
NOW = T0 + timedelta(days=40)

_cycles = itertools.count(100)


def make_ticket(requester, **fields) -> Ticket:
    """A ticket written straight to the table: no events, so nothing computes clocks for it."""
    return Ticket.objects.create(
        subject="Dashboards time out",
        requester=requester,
        organization=requester.organization,
        created_at=T0 - timedelta(days=60),
        updated_at=T0 - timedelta(days=60),
        **fields,
    )


def make_clock(
    ticket: Ticket,
    *,
    decided_at: datetime | None,
    outcome: str = Outcome.MET,
    elapsed: float = 60.0,
    metric: str = Metric.FIRST_RESPONSE,
    state: str = ClockState.STOPPED,
    goal: Decimal | int = 90,
    channel: str = Channel.EMAIL,
    priority: str = Priority.NORMAL,
    group: SkillGroup | None = None,
    policy_name: str = "Email, portal and API",
    due_at: datetime | None = None,
) -> SlaClock:
    """A clock with the outcome decided at `decided_at`, as sla.clocks would have stored it."""
    moment = decided_at or due_at or T0
    return SlaClock.objects.create(
        ticket=ticket,
        metric=metric,
        cycle=next(_cycles),
        policy_name=policy_name,
        target_seconds=3600,
        goal_percent=Decimal(goal),
        started_at=moment - timedelta(hours=1),
        stopped_at=moment if state == ClockState.STOPPED else None,
        due_at=due_at or moment,
        state=state,
        outcome=outcome,
        decided_at=decided_at,
        elapsed_seconds=elapsed,
        channel=channel,
        priority=priority,
        group=group,
        computed_at=moment,
    )


def rows_of(**kwargs):
    kwargs.setdefault("start", START)
    kwargs.setdefault("end", END)
    kwargs.setdefault("now", NOW)
    return attainment(**kwargs)


@pytest.fixture
def tkt(alice):
    return make_ticket(alice)


# --- counts, percentage, goal ------------------------------------------------------------------


def test_met_and_breached_clocks_give_the_percentage_against_the_goal(tkt):
    # Given three met first responses and one breached, goal 90%
    for hour in (1, 2, 3):
        make_clock(tkt, decided_at=T0 + timedelta(hours=hour))
    make_clock(tkt, decided_at=T0 + timedelta(hours=4), outcome=Outcome.BREACHED, elapsed=5000)

    # When attainment is read per target
    (row,) = rows_of()

    # Then 3 of 4 met: 75%, under the 90% goal
    assert row.metric == Metric.FIRST_RESPONSE
    assert (row.met, row.breached, row.total) == (3, 1, 4)
    assert row.attainment_percent == 75.0
    assert row.goal_percent == Decimal("90.00")
    assert row.goal_met is False


def test_each_target_is_a_row_of_its_own_in_the_order_of_the_metrics(tkt):
    make_clock(tkt, decided_at=T0, metric=Metric.RESOLUTION)
    make_clock(tkt, decided_at=T0, metric=Metric.FIRST_RESPONSE)
    make_clock(tkt, decided_at=T0, metric=Metric.NEXT_RESPONSE, outcome=Outcome.BREACHED)

    rows = rows_of()

    assert [r.metric for r in rows] == ["first_response", "next_response", "resolution"]
    assert [r.attainment_percent for r in rows] == [100.0, 0.0, 100.0]
    assert [r.goal_met for r in rows] == [True, False, True]


def test_exactly_the_goal_meets_it(tkt):
    for i in range(9):
        make_clock(tkt, decided_at=T0 + timedelta(minutes=i))
    make_clock(tkt, decided_at=T0, outcome=Outcome.BREACHED)

    (row,) = rows_of()

    assert row.attainment_percent == 90.0
    assert row.goal_met is True


def test_a_row_mixing_goals_weighs_each_goal_by_its_clocks(tkt):
    # Given three clocks of a 90% target and one of an 80% target, one of the four breached
    for _ in range(3):
        make_clock(tkt, decided_at=T0, goal=90)
    make_clock(tkt, decided_at=T0, goal=80, outcome=Outcome.BREACHED)

    (row,) = rows_of()

    # Then the row's goal is (3 x 90 + 80) / 4, and 75% does not reach it
    assert row.goal_percent == Decimal("87.50")
    assert (row.goal_min_percent, row.goal_max_percent) == (Decimal(80), Decimal(90))
    assert row.goal_met is False


def test_percentiles_are_of_the_measured_time_of_stopped_clocks(tkt):
    # Given ten stopped clocks measured 10 s .. 100 s (one breached), and a running clock past
    # its due time whose elapsed time is not final
    for i in range(1, 11):
        outcome = Outcome.BREACHED if i == 10 else Outcome.MET
        make_clock(tkt, decided_at=T0 + timedelta(hours=i), elapsed=10.0 * i, outcome=outcome)
    make_clock(
        tkt,
        decided_at=T0 + timedelta(hours=1),
        state=ClockState.RUNNING,
        outcome=Outcome.BREACHED,
        elapsed=99999,
    )

    (row,) = rows_of()

    # Then the percentiles interpolate between ranks over the ten stopped clocks only
    assert (row.met, row.breached) == (9, 2)
    assert row.p50_seconds == 55.0
    assert row.p90_seconds == 91.0
    assert row.p95_seconds == 95.5


def test_a_single_clock_is_every_percentile(tkt):
    make_clock(tkt, decided_at=T0, elapsed=42.5)

    (row,) = rows_of()

    assert row.p50_seconds == row.p90_seconds == row.p95_seconds == 42.5


def test_percentile_of_nothing_is_none():
    assert percentile([], 0.5) is None
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5


# --- what counts -------------------------------------------------------------------------------


def test_the_range_includes_its_start_and_excludes_its_end(tkt):
    make_clock(tkt, decided_at=START - timedelta(microseconds=1))
    make_clock(tkt, decided_at=START)
    make_clock(tkt, decided_at=END - timedelta(microseconds=1), outcome=Outcome.BREACHED)
    make_clock(tkt, decided_at=END)

    (row,) = rows_of()

    assert (row.met, row.breached) == (1, 1)


def test_undecided_clocks_do_not_count(tkt):
    # A running clock not yet due and a paused one: nothing decided
    make_clock(
        tkt,
        decided_at=None,
        outcome=Outcome.PENDING,
        state=ClockState.RUNNING,
        due_at=NOW + timedelta(hours=1),
    )
    make_clock(tkt, decided_at=None, outcome=Outcome.PENDING, state=ClockState.PAUSED)

    assert rows_of() == []


def test_a_running_clock_breached_at_its_due_time_counts_as_breached(tkt):
    # Given a running clock whose breach was decided at its due time, in the period
    make_clock(
        tkt,
        decided_at=T0 + timedelta(days=2),
        outcome=Outcome.BREACHED,
        state=ClockState.RUNNING,
    )

    (row,) = rows_of()

    assert (row.met, row.breached) == (0, 1)
    assert row.p50_seconds is None


def test_a_running_clock_past_its_due_time_not_yet_recomputed_counts_as_breached(tkt):
    # Given a running clock stored before its due time passed (outcome not written yet)
    due = T0 + timedelta(days=3)
    make_clock(
        tkt,
        decided_at=None,
        outcome=Outcome.PENDING,
        state=ClockState.RUNNING,
        due_at=due,
    )

    # Then it is breached at its due time once that is past, and not before
    (row,) = rows_of(now=due + timedelta(seconds=1))
    assert (row.met, row.breached) == (0, 1)
    assert row.goal_met is False
    assert rows_of(now=due) == []
    # And it falls in the period of its due time
    (row,) = rows_of(group_by=["metric", "day"], now=NOW)
    assert row.period == date(2024, 5, 9)


# --- keys and periods --------------------------------------------------------------------------


def test_rows_per_channel_and_priority(tkt):
    make_clock(tkt, decided_at=T0, channel=Channel.EMAIL, priority=Priority.HIGH)
    make_clock(tkt, decided_at=T0, channel=Channel.EMAIL, priority=Priority.HIGH)
    make_clock(
        tkt, decided_at=T0, channel=Channel.CHAT, priority=Priority.HIGH, outcome=Outcome.BREACHED
    )
    make_clock(tkt, decided_at=T0, channel=Channel.EMAIL, priority=Priority.LOW)

    by_channel = rows_of(group_by=["channel"])
    assert [(r.channel, r.priority, r.met, r.breached) for r in by_channel] == [
        ("email", None, 3, 0),
        ("chat", None, 0, 1),
    ]
    both = rows_of(group_by=["metric", "channel", "priority"])
    assert [(r.channel, r.priority, r.total) for r in both] == [
        ("email", "low", 1),
        ("email", "high", 2),
        ("chat", "high", 1),
    ]


def test_rows_per_group_name_each_group_and_keep_tickets_in_none(tkt):
    query_engine = SkillGroup.objects.create(name="Query engine")
    billing = SkillGroup.objects.create(name="Billing")
    make_clock(tkt, decided_at=T0, group=query_engine)
    make_clock(tkt, decided_at=T0, group=query_engine, outcome=Outcome.BREACHED)
    make_clock(tkt, decided_at=T0, group=billing)
    make_clock(tkt, decided_at=T0)

    rows = rows_of(group_by=["group"])

    assert [(r.group_id, r.group_name, r.met, r.breached) for r in rows] == [
        (billing.pk, "Billing", 1, 0),
        (query_engine.pk, "Query engine", 1, 1),
        (None, None, 1, 0),
    ]


def test_rows_per_policy_use_the_name_the_clock_recorded(tkt):
    make_clock(tkt, decided_at=T0, policy_name="Urgent")
    make_clock(tkt, decided_at=T0, policy_name="Email, portal and API")
    make_clock(tkt, decided_at=T0, policy_name="Urgent", outcome=Outcome.BREACHED)

    rows = rows_of(group_by=["policy"])

    assert [(r.policy, r.met, r.breached) for r in rows] == [
        ("Email, portal and API", 1, 0),
        ("Urgent", 1, 1),
    ]


def test_daily_buckets_are_utc_days(tkt):
    make_clock(tkt, decided_at=T0 + timedelta(hours=23, minutes=59))
    make_clock(tkt, decided_at=T0 + timedelta(days=1), outcome=Outcome.BREACHED)

    rows = rows_of(group_by=["day"])

    assert [(r.period, r.met, r.breached) for r in rows] == [
        (date(2024, 5, 6), 1, 0),
        (date(2024, 5, 7), 0, 1),
    ]


def test_daily_buckets_split_at_midnight_in_the_time_zone(tkt):
    # Given clocks at 14:59 and 15:00 UTC on 6 May (23:59 and 00:00 in Tokyo), and one at 23:30
    # UTC on 7 May (08:30 on 8 May in Tokyo)
    make_clock(tkt, decided_at=T0 + timedelta(hours=14, minutes=59))
    make_clock(tkt, decided_at=T0 + timedelta(hours=15), outcome=Outcome.BREACHED)
    make_clock(tkt, decided_at=T0 + timedelta(days=1, hours=23, minutes=30), elapsed=30)

    # When read per day in Tokyo
    rows = rows_of(group_by=["day"], time_zone="Asia/Tokyo")

    # Then each counts on its Tokyo date, the 23:30 UTC one on the next day
    assert [(r.period, r.met, r.breached) for r in rows] == [
        (date(2024, 5, 6), 1, 0),
        (date(2024, 5, 7), 0, 1),
        (date(2024, 5, 8), 1, 0),
    ]
    # And its measured time follows it there
    assert rows[2].p50_seconds == 30
    # While in UTC the first two share 6 May
    assert [(r.period, r.total) for r in rows_of(group_by=["day"])] == [
        (date(2024, 5, 6), 2),
        (date(2024, 5, 7), 1),
    ]


def test_an_overdue_running_clock_falls_in_the_local_day_of_its_due_time(tkt):
    # Due at 23:30 UTC on 8 May: 08:30 on 9 May in Tokyo
    make_clock(
        tkt,
        decided_at=None,
        outcome=Outcome.PENDING,
        state=ClockState.RUNNING,
        due_at=datetime(2024, 5, 8, 23, 30, tzinfo=UTC),
    )

    (row,) = rows_of(group_by=["day"], time_zone=TOKYO)

    assert (row.period, row.breached) == (date(2024, 5, 9), 1)


def test_weeks_start_on_monday_in_the_time_zone_across_a_daylight_saving_change(tkt):
    # New York leaves daylight saving time on Sunday 3 November 2024: Monday 28 October starts
    # at 04:00 UTC (EDT), Monday 4 November at 05:00 UTC (EST)
    make_clock(tkt, decided_at=datetime(2024, 10, 28, 3, 59, tzinfo=UTC))  # Sun 27 Oct 23:59
    make_clock(tkt, decided_at=datetime(2024, 10, 28, 4, 0, tzinfo=UTC))  # Mon 28 Oct 00:00
    make_clock(tkt, decided_at=datetime(2024, 11, 4, 4, 30, tzinfo=UTC))  # Sun 3 Nov 23:30
    make_clock(
        tkt, decided_at=datetime(2024, 11, 4, 5, 0, tzinfo=UTC), outcome=Outcome.BREACHED
    )  # Mon 4 Nov 00:00

    start = datetime(2024, 10, 1, tzinfo=UTC)
    end = datetime(2024, 12, 1, tzinfo=UTC)
    rows = rows_of(group_by=["week"], start=start, end=end, time_zone=NEW_YORK)

    # Then the week of 28 October holds its Sunday evening after the change, and no more
    assert [(r.period, r.met, r.breached) for r in rows] == [
        (date(2024, 10, 21), 1, 0),
        (date(2024, 10, 28), 2, 0),
        (date(2024, 11, 4), 0, 1),
    ]
    # And the chart's buckets are the same Mondays
    weeks = period_starts(
        datetime(2024, 10, 28, 4, tzinfo=UTC),
        datetime(2024, 11, 11, 5, tzinfo=UTC),
        "week",
        NEW_YORK,
    )
    assert weeks == [date(2024, 10, 28), date(2024, 11, 4)]


def test_months_are_calendar_months_of_the_time_zone(tkt):
    # 31 May 15:30 UTC is 1 June 00:30 in Tokyo
    make_clock(tkt, decided_at=datetime(2024, 5, 31, 15, 30, tzinfo=UTC))

    (row,) = rows_of(group_by=["month"], end=datetime(2024, 7, 1, tzinfo=UTC), time_zone=TOKYO)

    assert row.period == date(2024, 6, 1)


def test_weeks_start_on_monday(tkt):
    # Sunday 12 May closes the week of Monday 6 May; Monday 13 May opens the next
    make_clock(tkt, decided_at=datetime(2024, 5, 12, 23, 0, tzinfo=UTC))
    make_clock(tkt, decided_at=datetime(2024, 5, 13, 0, 0, tzinfo=UTC), outcome=Outcome.BREACHED)
    make_clock(tkt, decided_at=datetime(2024, 5, 14, 9, 0, tzinfo=UTC))

    rows = rows_of(group_by=["week"])

    assert [(r.period, r.met, r.breached) for r in rows] == [
        (date(2024, 5, 6), 1, 0),
        (date(2024, 5, 13), 1, 1),
    ]


def test_months_are_calendar_months(tkt):
    make_clock(tkt, decided_at=datetime(2024, 5, 31, 23, 59, tzinfo=UTC))
    make_clock(tkt, decided_at=datetime(2024, 6, 1, 0, 0, tzinfo=UTC))

    rows = rows_of(group_by=["month"], end=datetime(2024, 7, 1, tzinfo=UTC))

    assert [(r.period, r.total) for r in rows] == [(date(2024, 5, 1), 1), (date(2024, 6, 1), 1)]


def test_percentiles_follow_the_rows_keys(tkt):
    make_clock(tkt, decided_at=T0, channel=Channel.EMAIL, elapsed=100)
    make_clock(tkt, decided_at=T0, channel=Channel.EMAIL, elapsed=300)
    make_clock(tkt, decided_at=T0 + timedelta(days=7), channel=Channel.CHAT, elapsed=20)

    rows = rows_of(group_by=["channel", "week"])

    assert [(r.channel, r.period, r.p50_seconds) for r in rows] == [
        ("email", date(2024, 5, 6), 200.0),
        ("chat", date(2024, 5, 13), 20.0),
    ]


def test_filters_narrow_the_clocks(tkt):
    group = SkillGroup.objects.create(name="Query engine")
    make_clock(tkt, decided_at=T0, channel=Channel.CHAT, group=group, policy_name="Live chat")
    make_clock(tkt, decided_at=T0, channel=Channel.EMAIL, priority=Priority.URGENT)
    make_clock(tkt, decided_at=T0, metric=Metric.RESOLUTION, outcome=Outcome.BREACHED)

    assert [r.total for r in rows_of(channel="chat")] == [1]
    assert [r.total for r in rows_of(priority="urgent")] == [1]
    assert [r.total for r in rows_of(group=group.pk)] == [1]
    assert [r.total for r in rows_of(policy="Live chat")] == [1]
    assert [(r.metric, r.breached) for r in rows_of(metric="resolution")] == [("resolution", 1)]


def test_the_queries_do_not_grow_with_the_rows(tkt, django_assert_max_num_queries):
    groups = [SkillGroup.objects.create(name=f"Group {i}") for i in range(5)]
    for i, group in enumerate(groups):
        for day in range(5):
            make_clock(tkt, decided_at=T0 + timedelta(days=day), group=group, elapsed=i)

    with django_assert_max_num_queries(4):
        rows = rows_of(group_by=["group", "day"])

    assert len(rows) == 25

    # Bucketing in a time zone stays in SQL: the same four queries
    with django_assert_max_num_queries(4):
        rows = rows_of(group_by=["group", "week"], time_zone=NEW_YORK)

    # Monday 00:00 UTC is still Sunday in New York: two weeks per group
    assert len(rows) == 10


# --- the question ------------------------------------------------------------------------------


def test_by_default_the_question_is_the_last_28_days_per_target():
    question = attainment_query(now=datetime(2024, 6, 2, 15, 0, tzinfo=UTC))

    assert question.start == datetime(2024, 5, 6, tzinfo=UTC)
    assert question.end == datetime(2024, 6, 3, tzinfo=UTC)
    assert question.group_by == ("metric",)


def test_a_date_to_includes_that_whole_day_and_a_datetime_to_excludes_itself():
    by_dates = attainment_query(start="2024-05-01", end="2024-05-31")
    assert by_dates.start == datetime(2024, 5, 1, tzinfo=UTC)
    assert by_dates.end == datetime(2024, 6, 1, tzinfo=UTC)

    by_times = attainment_query(start="2024-05-01T09:00:00+09:00", end="2024-05-02T00:00:00Z")
    assert by_times.start == datetime(2024, 5, 1, 0, 0, tzinfo=UTC)
    assert by_times.end == datetime(2024, 5, 2, tzinfo=UTC)


def test_dates_are_whole_days_of_the_time_zone():
    # A date means midnight to midnight there: in Tokyo, 15:00 UTC the day before
    tokyo = attainment_query(start="2024-05-01", end="2024-05-31", tz="Asia/Tokyo")
    assert tokyo.start == datetime(2024, 4, 30, 15, tzinfo=UTC)
    assert tokyo.end == datetime(2024, 5, 31, 15, tzinfo=UTC)
    assert (tokyo.time_zone, tokyo.first_day, tokyo.last_day) == (
        "Asia/Tokyo",
        date(2024, 5, 1),
        date(2024, 5, 31),
    )

    # In Moscow, 21:00 UTC the day before
    moscow = attainment_query(start=date(2024, 5, 1), end=date(2024, 5, 1), tz="Europe/Moscow")
    assert (moscow.start, moscow.end) == (
        datetime(2024, 4, 30, 21, tzinfo=UTC),
        datetime(2024, 5, 1, 21, tzinfo=UTC),
    )

    # A date and time keeps the offset it was given in
    exact = attainment_query(start="2024-05-01T09:00:00Z", end="2024-05-02", tz="Asia/Tokyo")
    assert (exact.start, exact.end) == (
        datetime(2024, 5, 1, 9, tzinfo=UTC),
        datetime(2024, 5, 2, 15, tzinfo=UTC),
    )


def test_today_is_the_time_zones_and_the_asker_s_zone_is_the_default():
    # 20:00 UTC on 2 June is already 3 June in Tokyo
    now = datetime(2024, 6, 2, 20, 0, tzinfo=UTC)

    question = attainment_query(default_tz="Asia/Tokyo", now=now)

    assert question.time_zone == "Asia/Tokyo"
    assert (question.first_day, question.last_day) == (date(2024, 5, 7), date(2024, 6, 3))
    assert question.end == datetime(2024, 6, 3, 15, tzinfo=UTC)
    # An explicit tz wins over the default, and a default the system does not know is UTC
    assert attainment_query(tz="UTC", default_tz="Asia/Tokyo", now=now).time_zone == "UTC"
    assert attainment_query(default_tz="Mars/Olympus", now=now).time_zone == "UTC"


def test_the_default_28_days_are_local_days_across_a_daylight_saving_change():
    # On 20 November in New York the last 28 days start at midnight on 24 October, EDT
    now = datetime(2024, 11, 20, 12, tzinfo=UTC)

    question = attainment_query(tz="America/New_York", now=now)

    assert question.start == datetime(2024, 10, 24, 4, tzinfo=UTC)
    assert question.end == datetime(2024, 11, 21, 5, tzinfo=UTC)
    assert question.days == 28


def test_an_unknown_time_zone_is_refused_naming_tz():
    reason = "Give a time zone by its IANA name, such as Asia/Tokyo or UTC."
    for name in ("Mars/Olympus", "JST+9", "../../etc/passwd", "Asia/Tokyo\x00", "x" * 200):
        assert refused(tz=name) == {"tz": [reason]}, name
    # Other refusals still come with it
    assert set(refused(tz="Nowhere", group_by="colour")) == {"tz", "group_by"}


def test_group_by_takes_repeats_and_commas_and_always_keys_by_metric():
    question = attainment_query(group_by=["week,channel", "group"])

    assert question.group_by == ("metric", "channel", "group", "week")
    assert question.period == "week"


def refused(**kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        attainment_query(**kwargs)
    return caught.value.errors


def test_an_end_before_the_start_is_refused_naming_to():
    assert refused(start="2024-05-10", end="2024-05-01") == {"to": ["Give an end after the start."]}


def test_more_than_two_years_is_refused_naming_to():
    start = date(2022, 1, 1)
    attainment_query(start=start, end=start + timedelta(days=MAX_DAYS - 1))
    errors = refused(start=start, end=start + timedelta(days=MAX_DAYS))
    assert errors == {"to": [f"Give a period of at most {MAX_DAYS} days."]}


def test_unreadable_and_naive_times_are_refused_naming_each():
    errors = refused(start="yesterday", end="2024-05-01T09:00:00")
    assert set(errors) == {"from", "to"}
    assert "time zone" in errors["to"][0]


def test_unknown_keys_and_two_periods_are_refused_naming_group_by():
    assert "colour" in refused(group_by="channel,colour")["group_by"][0]
    assert refused(group_by=["day", "week"]) == {
        "group_by": ["Choose at most one of day, week, month."]
    }


def test_unknown_filter_values_are_refused_naming_each(db):
    errors = refused(channel="fax", priority="asap", metric="happiness", group="42")

    assert set(errors) == {"channel", "priority", "metric", "group"}
    assert refused(group="x") == {"group": ["Give the id of a group."]}


# --- buckets -----------------------------------------------------------------------------------


def test_period_starts_cover_every_bucket_the_range_touches_in_the_time_zone():
    # 15:00 UTC on 31 May is 1 June in Tokyo
    start = datetime(2024, 5, 31, 15, tzinfo=UTC)
    end = datetime(2024, 6, 2, 15, tzinfo=UTC)

    assert period_starts(start, end, "day", TOKYO) == [date(2024, 6, 1), date(2024, 6, 2)]
    assert period_starts(start, end, "month", TOKYO) == [date(2024, 6, 1)]
    assert period_starts(start, end, "month") == [date(2024, 5, 1), date(2024, 6, 1)]


def test_period_starts_cover_every_bucket_the_range_touches():
    start = datetime(2024, 5, 8, 12, tzinfo=UTC)
    end = datetime(2024, 6, 3, tzinfo=UTC)

    assert period_starts(start, end, "week") == [
        date(2024, 5, 6),
        date(2024, 5, 13),
        date(2024, 5, 20),
        date(2024, 5, 27),
    ]
    assert period_starts(start, end, "month") == [date(2024, 5, 1), date(2024, 6, 1)]
    days = period_starts(start, end, "day")
    assert (days[0], days[-1], len(days)) == (date(2024, 5, 8), date(2024, 6, 2), 26)
