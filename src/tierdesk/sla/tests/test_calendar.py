"""Business-hours arithmetic: worked examples in Tokyo, Moscow and New York (weekends, holidays,
daylight saving), properties of add and seconds_between, and a minute-by-minute reference."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import accumulate
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierdesk.sla.calendar import (
    AROUND_THE_CLOCK,
    WEEKDAYS,
    BusinessHours,
    Span,
    format_hours,
    parse_hours,
    validate_holiday_country,
)

HOUR = 3600
DAY = 24 * HOUR
TOKYO_TZ = ZoneInfo("Asia/Tokyo")
MOSCOW_TZ = ZoneInfo("Europe/Moscow")
NEW_YORK_TZ = ZoneInfo("America/New_York")


def local(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz)


def weekdays(start: str, end: str) -> dict[int, list[Span]]:
    return parse_hours({day: [[start, end]] for day in WEEKDAYS[:5]}, {})


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


TOKYO = BusinessHours(
    time_zone="Asia/Tokyo", weekly=weekdays("09:00", "18:00"), holiday_country="JP"
)
MOSCOW = BusinessHours(
    time_zone="Europe/Moscow", weekly=weekdays("09:00", "18:00"), holiday_country="RU"
)
NEW_YORK = BusinessHours(
    time_zone="America/New_York", weekly=weekdays("09:00", "17:00"), holiday_country="US"
)
NIGHTS = BusinessHours(
    time_zone="America/New_York", weekly={day: [Span(22 * 60, 6 * 60)] for day in range(7)}
)


# --- worked examples: Tokyo -------------------------------------------------------------------


def test_four_hours_from_friday_afternoon_in_tokyo_land_on_monday_morning():
    # Given Friday 16:00 with two business hours left in the day
    start = local(TOKYO_TZ, 2026, 4, 24, 16)

    # When four business hours are added
    due = TOKYO.add(start, 4 * HOUR)

    # Then the weekend is skipped and the clock ends Monday 11:00, in UTC
    assert due == local(TOKYO_TZ, 2026, 4, 27, 11)
    assert due.tzinfo is UTC
    assert TOKYO.seconds_between(start, due) == 4 * HOUR


def test_showa_day_is_skipped():
    assert TOKYO.add(local(TOKYO_TZ, 2026, 4, 28, 16), 4 * HOUR) == local(TOKYO_TZ, 2026, 4, 30, 11)


def test_golden_week_is_skipped_as_a_whole():
    # May 2-3 weekend, May 4-5 holidays and May 6 the substitute for Constitution Day on a Sunday.
    assert TOKYO.add(local(TOKYO_TZ, 2026, 5, 1, 16), 4 * HOUR) == local(TOKYO_TZ, 2026, 5, 7, 11)
    # Apr 27, 28, 30, May 1, 7 and 8 are the business days of these two weeks.
    start, end = local(TOKYO_TZ, 2026, 4, 27), local(TOKYO_TZ, 2026, 5, 11)
    assert TOKYO.seconds_between(start, end) == 6 * 9 * HOUR


def test_new_year_company_closure_is_closed_dates_on_top_of_the_public_holiday():
    closure = [date(2025, 12, 29) + timedelta(days=n) for n in range(6)]
    with_closure = BusinessHours(
        time_zone="Asia/Tokyo",
        weekly=weekdays("09:00", "18:00"),
        holiday_country="JP",
        closed_dates=closure,
    )
    start = local(TOKYO_TZ, 2025, 12, 26, 17)

    assert TOKYO.add(start, 4 * HOUR) == local(TOKYO_TZ, 2025, 12, 29, 12)
    assert with_closure.add(start, 4 * HOUR) == local(TOKYO_TZ, 2026, 1, 5, 12)


def test_a_ticket_created_outside_business_hours_starts_counting_at_the_next_opening():
    early = local(TOKYO_TZ, 2026, 4, 27, 7)
    saturday = local(TOKYO_TZ, 2026, 4, 25, 13)

    assert TOKYO.add(early, HOUR) == local(TOKYO_TZ, 2026, 4, 27, 10)
    assert TOKYO.add(saturday, HOUR) == local(TOKYO_TZ, 2026, 4, 27, 10)
    assert TOKYO.next_open(saturday) == local(TOKYO_TZ, 2026, 4, 27, 9)
    assert TOKYO.seconds_between(saturday, local(TOKYO_TZ, 2026, 4, 27, 9, 30)) == 30 * 60


def test_adding_nothing_returns_the_start_even_when_closed():
    saturday = local(TOKYO_TZ, 2026, 4, 25, 13, 5, 7, 123)

    assert TOKYO.add(saturday, 0) == saturday
    assert TOKYO.add(saturday, 0).tzinfo is UTC


def test_is_open_and_next_open_follow_the_spans():
    assert TOKYO.is_open(local(TOKYO_TZ, 2026, 4, 27, 9))
    assert TOKYO.is_open(local(TOKYO_TZ, 2026, 4, 27, 17, 59, 59))
    assert not TOKYO.is_open(local(TOKYO_TZ, 2026, 4, 27, 18))
    assert not TOKYO.is_open(local(TOKYO_TZ, 2026, 4, 29, 12))
    inside = local(TOKYO_TZ, 2026, 4, 27, 12, 34)
    assert TOKYO.next_open(inside) == inside
    assert TOKYO.next_open(local(TOKYO_TZ, 2026, 4, 28, 18)) == local(TOKYO_TZ, 2026, 4, 30, 9)


# --- worked examples: Moscow ------------------------------------------------------------------


def test_russian_new_year_holidays_are_skipped():
    # Dec 31 2025 is a transferred day off, Jan 1-8 the New Year holidays, Jan 9 another transfer.
    start = local(MOSCOW_TZ, 2025, 12, 30, 16)

    assert MOSCOW.add(start, 4 * HOUR) == local(MOSCOW_TZ, 2026, 1, 12, 11)
    assert MOSCOW.seconds_between(start, local(MOSCOW_TZ, 2026, 1, 12)) == 2 * HOUR


def test_a_transferred_working_saturday_is_worked():
    # Saturday Dec 28 2024 was a working day in Russia (its day off moved to Dec 30)
    start = local(MOSCOW_TZ, 2024, 12, 27, 16)

    # The clock runs on that Saturday, from the holidays package's transferred working days
    assert MOSCOW.add(start, 4 * HOUR) == local(MOSCOW_TZ, 2024, 12, 28, 11)
    # and a special date closing it leaves the holidays to run on to Jan 8
    closed = BusinessHours(
        time_zone="Europe/Moscow",
        weekly=weekdays("09:00", "18:00"),
        holiday_country="RU",
        special_dates={date(2024, 12, 28): []},
    )
    assert closed.add(start, 4 * HOUR) == local(MOSCOW_TZ, 2025, 1, 9, 11)


def test_a_special_date_overrides_a_holiday_and_an_empty_one_closes_a_working_day():
    special = BusinessHours(
        time_zone="Europe/Moscow",
        weekly=weekdays("09:00", "18:00"),
        holiday_country="RU",
        special_dates={date(2026, 1, 5): [Span(10 * 60, 12 * 60)], date(2026, 1, 12): []},
    )

    assert special.add(local(MOSCOW_TZ, 2026, 1, 1), HOUR) == local(MOSCOW_TZ, 2026, 1, 5, 11)
    assert special.add(local(MOSCOW_TZ, 2026, 1, 5, 11), 2 * HOUR) == local(
        MOSCOW_TZ, 2026, 1, 13, 10
    )


# --- worked examples: New York across daylight saving -----------------------------------------


def test_a_friday_to_monday_add_across_the_march_change():
    start = local(NEW_YORK_TZ, 2026, 3, 6, 16)  # EST

    due = NEW_YORK.add(start, 2 * HOUR)

    assert due == local(NEW_YORK_TZ, 2026, 3, 9, 10)  # EDT
    assert due == utc(2026, 3, 9, 14)
    assert NEW_YORK.seconds_between(start, due) == 2 * HOUR


def test_a_friday_to_monday_add_across_the_november_change():
    start = local(NEW_YORK_TZ, 2026, 10, 30, 16)  # EDT

    due = NEW_YORK.add(start, 2 * HOUR)

    assert due == local(NEW_YORK_TZ, 2026, 11, 2, 10)  # EST
    assert due == utc(2026, 11, 2, 15)


def test_an_observed_us_holiday_is_skipped():
    # July 4 2026 is a Saturday, observed on Friday July 3.
    start = local(NEW_YORK_TZ, 2026, 7, 2, 16)

    assert NEW_YORK.add(start, 2 * HOUR) == local(NEW_YORK_TZ, 2026, 7, 6, 10)


def test_a_whole_day_open_lasts_23_and_25_real_hours_on_change_days():
    whole_days = BusinessHours(
        time_zone="America/New_York",
        weekly=parse_hours({day: [["00:00", "24:00"]] for day in WEEKDAYS}, {}),
    )
    spring, fall = date(2026, 3, 8), date(2026, 11, 1)

    def day_length(day: date) -> float:
        midnight = datetime(day.year, day.month, day.day, tzinfo=NEW_YORK_TZ)
        return whole_days.seconds_between(midnight, midnight + timedelta(days=1))

    assert day_length(spring) == 23 * HOUR
    assert day_length(fall) == 25 * HOUR
    assert day_length(date(2026, 3, 9)) == 24 * HOUR
    # Days ending at 24:00 and starting at 00:00 are one business interval.
    start, end = local(NEW_YORK_TZ, 2026, 3, 7), local(NEW_YORK_TZ, 2026, 3, 10)
    assert list(whole_days.open_intervals(start, end)) == [(start, end)]


def test_a_boundary_in_the_skipped_hour_maps_to_the_transition():
    # 02:30 does not exist on March 8 2026 in New York; the wall clock jumps to 03:00 at 07:00 UTC.
    sunday = BusinessHours(time_zone="America/New_York", weekly={6: [Span(150, 300)]})
    start, end = local(NEW_YORK_TZ, 2026, 3, 7), local(NEW_YORK_TZ, 2026, 3, 9)

    assert list(sunday.open_intervals(start, end)) == [(utc(2026, 3, 8, 7), utc(2026, 3, 8, 9))]


def test_the_repeated_hour_follows_the_wall_clock():
    # 01:30-03:00 on November 1 2026: 01:30-02:00 EDT, then 01:00-01:30 EST is before 01:30 and
    # closed, then 01:30 EST to 03:00 EST is open again.
    sunday = BusinessHours(time_zone="America/New_York", weekly={6: [Span(90, 180)]})
    start, end = local(NEW_YORK_TZ, 2026, 10, 31), local(NEW_YORK_TZ, 2026, 11, 2)

    assert list(sunday.open_intervals(start, end)) == [
        (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6)),
        (utc(2026, 11, 1, 6, 30), utc(2026, 11, 1, 8)),
    ]
    assert sunday.seconds_between(start, end) == 2 * HOUR
    assert not sunday.is_open(utc(2026, 11, 1, 6, 15))


# --- worked examples: overnight, around the clock, 24:00 --------------------------------------


def test_an_overnight_span_across_the_fall_back_night_lasts_nine_hours():
    start, end = local(NEW_YORK_TZ, 2026, 10, 31, 12), local(NEW_YORK_TZ, 2026, 11, 1, 12)

    assert NIGHTS.seconds_between(start, end) == 9 * HOUR
    assert (
        NIGHTS.seconds_between(
            local(NEW_YORK_TZ, 2026, 3, 7, 12), local(NEW_YORK_TZ, 2026, 3, 8, 12)
        )
        == 7 * HOUR
    )


def test_adding_on_an_overnight_calendar():
    start = local(NEW_YORK_TZ, 2026, 10, 31, 23)  # EDT, 03:00 UTC

    # Eight hours from 23:00 EDT is 06:00 EST, exactly the end of the night.
    assert NIGHTS.add(start, 8 * HOUR) == utc(2026, 11, 1, 11)
    assert NIGHTS.add(start, 8.5 * HOUR) == local(NEW_YORK_TZ, 2026, 11, 1, 22, 30)
    assert NIGHTS.is_open(local(NEW_YORK_TZ, 2026, 11, 1, 3))
    assert not NIGHTS.is_open(local(NEW_YORK_TZ, 2026, 11, 1, 12))
    assert NIGHTS.next_open(local(NEW_YORK_TZ, 2026, 11, 1, 12)) == local(
        NEW_YORK_TZ, 2026, 11, 1, 22
    )


def test_around_the_clock_with_holidays_closes_the_holidays_only():
    always = BusinessHours(
        time_zone="Asia/Tokyo", weekly={}, around_the_clock=True, holiday_country="JP"
    )

    assert always.seconds_between(local(TOKYO_TZ, 2026, 4, 28), local(TOKYO_TZ, 2026, 5, 1)) == (
        2 * DAY
    )
    assert always.add(local(TOKYO_TZ, 2026, 4, 28, 23), 2 * HOUR) == local(TOKYO_TZ, 2026, 4, 30, 1)
    assert not always.is_open(local(TOKYO_TZ, 2026, 4, 29, 12))
    assert list(
        always.open_intervals(local(TOKYO_TZ, 2026, 4, 27), local(TOKYO_TZ, 2026, 5, 8))
    ) == [
        (local(TOKYO_TZ, 2026, 4, 27), local(TOKYO_TZ, 2026, 4, 29)),
        (local(TOKYO_TZ, 2026, 4, 30), local(TOKYO_TZ, 2026, 5, 3)),
        (local(TOKYO_TZ, 2026, 5, 7), local(TOKYO_TZ, 2026, 5, 8)),
    ]


def test_around_the_clock_without_holidays_is_plain_arithmetic():
    start = local(NEW_YORK_TZ, 2026, 3, 7, 12, 0, 0, 250)
    new_york_always = BusinessHours(time_zone="America/New_York", weekly={}, around_the_clock=True)

    for always in (AROUND_THE_CLOCK, new_york_always):
        # Real time: adding to a New York datetime directly would add wall-clock time.
        assert always.add(start, 10 * DAY + 0.5) == start.astimezone(UTC) + timedelta(
            days=10, seconds=0.5
        )
        assert always.add(start, DAY).tzinfo is UTC
        # Across the spring-forward night a calendar day is 23 real hours.
        assert always.seconds_between(start, local(NEW_YORK_TZ, 2026, 3, 8, 12, 0, 0, 250)) == (
            23 * HOUR
        )
        assert always.is_open(start)
        assert always.next_open(start) == start
        assert list(always.open_intervals(start, start + timedelta(hours=1))) == [
            (start, start + timedelta(hours=1))
        ]


def test_a_span_ending_at_24_00():
    evenings = BusinessHours(time_zone="Asia/Tokyo", weekly=weekdays("18:00", "24:00"))
    monday = local(TOKYO_TZ, 2026, 4, 27, 23, 30)

    assert evenings.add(monday, HOUR) == local(TOKYO_TZ, 2026, 4, 28, 18, 30)
    assert evenings.is_open(local(TOKYO_TZ, 2026, 4, 27, 23, 59, 59))
    assert not evenings.is_open(local(TOKYO_TZ, 2026, 4, 28))
    assert evenings.add(local(TOKYO_TZ, 2026, 4, 27, 23), HOUR) == local(TOKYO_TZ, 2026, 4, 28)


def test_a_calendar_without_hours_never_opens():
    closed = BusinessHours(time_zone="Asia/Tokyo", weekly={})
    start = local(TOKYO_TZ, 2026, 4, 27)

    assert closed.next_open(start) is None
    assert not closed.is_open(start)
    assert closed.seconds_between(start, start + timedelta(days=30)) == 0
    with pytest.raises(ValueError, match="no business hours"):
        closed.add(start, HOUR)


def test_naive_datetimes_and_negative_durations_are_refused():
    with pytest.raises(ValueError, match="naive"):
        TOKYO.add(datetime(2026, 4, 27, 9), HOUR)  # noqa: DTZ001
    with pytest.raises(ValueError, match="naive"):
        TOKYO.seconds_between(datetime(2026, 4, 27, 9), local(TOKYO_TZ, 2026, 4, 28))  # noqa: DTZ001
    with pytest.raises(ValueError, match="negative"):
        TOKYO.add(local(TOKYO_TZ, 2026, 4, 27, 9), -1)


def test_seconds_between_a_reversed_range_is_zero():
    assert TOKYO.seconds_between(local(TOKYO_TZ, 2026, 4, 28), local(TOKYO_TZ, 2026, 4, 27)) == 0


def test_calendars_with_the_same_key_share_their_computed_days():
    first = BusinessHours(time_zone="Asia/Tokyo", weekly=weekdays("09:00", "18:00"), key=("t", 1))
    first.add(local(TOKYO_TZ, 2026, 4, 27), HOUR)
    second = BusinessHours(time_zone="Asia/Tokyo", weekly=weekdays("09:00", "18:00"), key=("t", 1))
    other = BusinessHours(time_zone="Asia/Tokyo", weekly=weekdays("10:00", "18:00"), key=("t", 2))

    assert second._days is first._days
    assert other._days is not first._days
    assert other.add(local(TOKYO_TZ, 2026, 4, 27), HOUR) == local(TOKYO_TZ, 2026, 4, 27, 11)


def test_unknown_time_zone_and_holiday_country_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        BusinessHours(time_zone="Mars/Olympus", weekly={})
    with pytest.raises(ValueError, match="XX"):
        BusinessHours(time_zone="UTC", weekly={}, holiday_country="XX")


def test_span_bounds():
    assert Span(0, 1440).stop == 1440
    assert Span(22 * 60, 6 * 60).overnight
    with pytest.raises(ValueError):
        Span(1440, 1440)
    with pytest.raises(ValueError):
        Span(60, 0)


# --- the stored form ----------------------------------------------------------------------------


def test_parse_hours_reads_the_stored_form_and_format_hours_inverts_it():
    value = {
        "mon": [["09:00", "12:00"], ["13:00", "18:00"]],
        "fri": [["22:00", "06:00"]],
        "sat": [],
    }
    errors: dict[str, str] = {}

    weekly = parse_hours(value, errors)

    assert errors == {}
    assert weekly == {0: [Span(540, 720), Span(780, 1080)], 4: [Span(1320, 360)]}
    assert format_hours(weekly) == {
        "mon": [["09:00", "12:00"], ["13:00", "18:00"]],
        "tue": [],
        "wed": [],
        "thu": [],
        "fri": [["22:00", "06:00"]],
        "sat": [],
        "sun": [],
    }
    assert parse_hours(format_hours(weekly), errors) == weekly


def test_parse_hours_accepts_24_00_as_an_end_and_midnight_as_the_end_of_the_day():
    errors: dict[str, str] = {}

    assert parse_hours({"mon": [["00:00", "24:00"]], "tue": [["18:00", "00:00"]]}, errors) == {
        0: [Span(0, 1440)],
        1: [Span(1080, 1440)],
    }
    assert errors == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"tue": [["09:00", "25:00"]]}, "tue: 25:00 is not a time of day (HH:MM)"),
        ({"tue": [["9:00", "18:00"]]}, "tue: 9:00 is not a time of day (HH:MM)"),
        ({"wed": [["24:00", "06:00"]]}, "wed: an opening cannot start at 24:00"),
        ({"thu": [["09:00", "09:00"]]}, "thu: 09:00-09:00 is empty"),
        ({"monday": [["09:00", "18:00"]]}, "monday is not a day of the week"),
        ({"fri": ["09:00", "18:00"]}, "fri: each opening is a pair [start, end]"),
        ({"fri": "09:00-18:00"}, "fri: expected a list of [start, end] pairs"),
        (
            {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]},
            "mon: 09:00-13:00 and 12:00-18:00 overlap",
        ),
        (
            {"mon": [["22:00", "07:00"]], "tue": [["06:00", "18:00"]]},
            "mon: 22:00-07:00 runs overnight into tue's 06:00-18:00",
        ),
        (
            {"sun": [["20:00", "10:00"]], "mon": [["09:00", "18:00"]]},
            "sun: 20:00-10:00 runs overnight into mon's 09:00-18:00",
        ),
        (
            {"sat": [["08:00", "07:00"], ["07:30", "09:00"]]},
            "sat: 07:30-09:00 and 08:00-07:00 overlap",
        ),
        (["09:00", "18:00"], "must be an object keyed by day of the week"),
    ],
)
def test_parse_hours_refuses_with_the_day_and_the_reason(value, message):
    errors: dict[str, str] = {}

    assert parse_hours(value, errors, field="opening_hours") == {}
    assert message in errors["opening_hours"]


def test_touching_spans_and_an_overnight_span_ending_where_the_next_day_opens_are_fine():
    errors: dict[str, str] = {}
    value = {
        "mon": [["09:00", "12:00"], ["12:00", "22:00"], ["22:00", "09:00"]],
        "tue": [["09:00", "18:00"]],
    }

    assert len(parse_hours(value, errors)[0]) == 3
    assert errors == {}


def test_validate_holiday_country():
    errors: dict[str, str] = {}
    validate_holiday_country("JP", "", errors)
    validate_holiday_country("US", "CA", errors)
    validate_holiday_country("", "", errors)
    assert errors == {}

    validate_holiday_country("XX", "", errors)
    assert "XX" in errors["holiday_country"]
    errors.clear()
    validate_holiday_country("US", "ZZ", errors)
    assert "ZZ" in errors["holiday_subdivision"]
    assert "holiday_country" not in errors
    errors.clear()
    validate_holiday_country("", "CA", errors)
    assert "holiday_subdivision" in errors


# --- properties -------------------------------------------------------------------------------

ZONES = [("Asia/Tokyo", "JP"), ("Europe/Moscow", "RU"), ("America/New_York", "US")]
# Daylight-saving weeks in New York, the New Year, Golden Week, a Russian working Saturday, the US
# July 4 weekend.
ANCHORS = [
    date(2026, 3, 8),
    date(2026, 11, 1),
    date(2025, 3, 9),
    date(2025, 11, 2),
    date(2026, 1, 1),
    date(2026, 4, 29),
    date(2024, 12, 28),
    date(2026, 7, 3),
]
# Boundaries on the half hour, with extra weight on 01:00-03:00, where the wall clock skips or
# repeats an hour in New York.
MINUTES = st.one_of(
    st.sampled_from([60, 90, 120, 150, 180]), st.integers(0, 47).map(lambda i: i * 30)
)
SPANS = st.builds(Span, MINUTES, MINUTES.map(lambda m: m or 1440))


@st.composite
def anchors(draw) -> date:
    if draw(st.booleans()):
        return draw(st.sampled_from(ANCHORS))
    return draw(st.dates(date(2025, 1, 1), date(2027, 12, 31)))


@st.composite
def scenarios(draw, *, busy: bool):
    """(calendar, its definition for the reference, anchor date). With ``busy``, every weekday has
    at least one opening so that adding a day of business time stays within weeks."""
    zone, country = draw(st.sampled_from(ZONES))
    anchor = draw(anchors())
    near = st.integers(-3, 3).map(lambda n: anchor + timedelta(days=n))
    definition = {
        "time_zone": zone,
        "weekly": {
            weekday: draw(st.lists(SPANS, min_size=1 if busy and weekday < 5 else 0, max_size=2))
            for weekday in range(7)
        },
        "holiday_country": draw(st.sampled_from([country, ""])),
        "closed_dates": draw(st.sets(near, max_size=2)),
        "special_dates": draw(st.dictionaries(near, st.lists(SPANS, max_size=2), max_size=2)),
        "around_the_clock": draw(st.sampled_from([False] * 7 + [True])),
    }
    return BusinessHours(**definition), definition, anchor


def instants(anchor: date, tz_name: str):
    """Microsecond instants within a few days of the anchor, in the calendar's zone or in UTC."""
    midnight = datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC)
    zone = ZoneInfo(tz_name)
    return st.tuples(
        st.integers(-3 * DAY * 10**6, 3 * DAY * 10**6), st.sampled_from([UTC, zone])
    ).map(lambda pair: (midnight + timedelta(microseconds=pair[0])).astimezone(pair[1]))


FIXED = [
    (TOKYO, "Asia/Tokyo"),
    (MOSCOW, "Europe/Moscow"),
    (NEW_YORK, "America/New_York"),
    (NIGHTS, "America/New_York"),
]


@st.composite
def calendars_and_instants(draw, count: int):
    if draw(st.booleans()):
        hours, zone = draw(st.sampled_from(FIXED))
        anchor = draw(anchors())
    else:
        hours, definition, anchor = draw(scenarios(busy=True))
        zone = definition["time_zone"]
    return hours, [draw(instants(anchor, zone)) for _ in range(count)]


DURATIONS = st.one_of(
    st.floats(0, 3 * DAY, allow_nan=False),
    st.integers(0, 48).map(lambda n: n * 1800),
    st.floats(0, 1e-3),
)
PROPERTIES = settings(max_examples=200, deadline=None)


@PROPERTIES
@given(calendars_and_instants(1), DURATIONS)
def test_adding_then_measuring_gives_back_the_duration(case, seconds):
    hours, (start,) = case

    due = hours.add(start, seconds)

    measured = hours.seconds_between(start, due)
    assert abs(measured - seconds) <= 1e-6
    # Exactly the duration rounded to the microsecond (a positive sliver counts as one).
    assert measured == (max(1, round(seconds * 1e6)) if seconds > 0 else 0) / 1e6


@PROPERTIES
@given(calendars_and_instants(1), DURATIONS.filter(lambda s: s > 0))
def test_a_positive_add_ends_right_after_business_time(case, seconds):
    # The result r of a positive add is the first instant by which that much business time has
    # passed: r > start, the microsecond just before r is business time, and a microsecond earlier
    # not quite enough business time has passed.
    hours, (start,) = case
    one = timedelta(microseconds=1)

    due = hours.add(start, seconds)

    assert due > start
    assert hours.seconds_between(due - one, due) == 1e-6
    assert hours.is_open(due - one)
    assert hours.seconds_between(start, due - one) < hours.seconds_between(start, due)


@PROPERTIES
@given(calendars_and_instants(3))
def test_seconds_between_is_additive(case):
    hours, moments = case
    # Instants compared in UTC: Python compares and subtracts two times of one zone by their
    # wall clocks, which reads the repeated hour of a DST change (fold=1) an hour short.
    a, b, c = sorted(moments, key=_utc)

    between = hours.seconds_between
    assert abs(between(a, b) + between(b, c) - between(a, c)) <= 1e-6
    assert between(a, c) <= (_utc(c) - _utc(a)).total_seconds() + 1e-6
    assert _utc(hours.add(a, between(a, c))) <= _utc(c)


@PROPERTIES
@given(calendars_and_instants(2), DURATIONS, DURATIONS)
def test_add_is_monotonic(case, first, second):
    hours, moments = case
    early, late = sorted(moments, key=_utc)
    less, more = sorted((first, second))

    assert _utc(hours.add(early, less)) <= _utc(hours.add(early, more))
    assert _utc(hours.add(early, less)) <= _utc(hours.add(late, less))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# --- a minute-by-minute reference ---------------------------------------------------------------


@cache
def _public_holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year))


@cache
def _weekend_workdays(country: str, year: int) -> frozenset[date]:
    found = holidays.country_holidays(country, years=year)
    return frozenset(getattr(found, "weekend_workdays", ()))


def _spans_on(definition: dict, day: date) -> list[Span]:
    if day in definition["special_dates"]:
        return definition["special_dates"][day]
    country = definition["holiday_country"]
    if day in definition["closed_dates"] or (
        country and day in _public_holidays(country, day.year)
    ):
        return []
    if definition["around_the_clock"]:
        return [Span(0, 1440)]
    if country and day in _weekend_workdays(country, day.year):
        # A weekend day the country made a working day takes the first weekday's hours.
        return next((definition["weekly"][d] for d in range(5) if definition["weekly"].get(d)), [])
    return definition["weekly"].get(day.weekday(), [])


def _open_by_the_wall_clock(definition: dict, instant: datetime) -> bool:
    """Whether a minute is business time, read straight off its local wall-clock time."""
    wall = instant.astimezone(ZoneInfo(definition["time_zone"]))
    day, minute = wall.date(), wall.hour * 60 + wall.minute
    if any(span.start <= minute < span.stop for span in _spans_on(definition, day)):
        return True
    yesterday = _spans_on(definition, day - timedelta(days=1))
    return any(span.overnight and minute < span.end for span in yesterday)


WINDOW = 3 * 1440  # minutes


@settings(max_examples=120, deadline=None)
@given(scenarios(busy=False), st.integers(-2 * 1440, 1440), st.data())
def test_add_and_seconds_between_agree_with_counting_open_minutes(scenario, offset, data):
    hours, definition, anchor = scenario
    origin = datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC) + timedelta(minutes=offset)
    minute = timedelta(minutes=1)
    flags = [_open_by_the_wall_clock(definition, origin + n * minute) for n in range(WINDOW)]
    open_before = [0, *accumulate(flags)]  # open minutes in [origin, origin + n)

    # seconds_between counts the open minutes of any range.
    for _ in range(5):
        i = data.draw(st.integers(0, WINDOW), label="from")
        j = data.draw(st.integers(i, WINDOW), label="to")
        assert hours.seconds_between(origin + i * minute, origin + j * minute) == 60 * (
            open_before[j] - open_before[i]
        )

    # add ends at the end of the k-th open minute from the start.
    for _ in range(5):
        i = data.draw(st.integers(0, WINDOW - 1), label="start")
        k = data.draw(st.integers(1, 600), label="minutes")
        if open_before[WINDOW] - open_before[i] < k:
            continue
        end = next(n for n in range(i + 1, WINDOW + 1) if open_before[n] - open_before[i] == k)
        assert hours.add(origin + i * minute, k * 60) == origin + end * minute

    # is_open and next_open agree minute by minute, at any second within the minute.
    for _ in range(5):
        i = data.draw(st.integers(0, WINDOW - 1), label="at")
        second = data.draw(st.integers(0, 59), label="second")
        at = origin + i * minute + timedelta(seconds=second)
        assert hours.is_open(at) == flags[i]
        following = next((n for n in range(i, WINDOW) if flags[n]), None)
        if flags[i]:
            assert hours.next_open(at) == at
        elif following is not None:
            assert hours.next_open(at) == origin + following * minute

    # open_intervals are the runs of open minutes.
    runs, n = [], 0
    while n < WINDOW:
        if flags[n]:
            m = n
            while m < WINDOW and flags[m]:
                m += 1
            runs.append((origin + n * minute, origin + m * minute))
            n = m
        else:
            n += 1
    assert list(hours.open_intervals(origin, origin + WINDOW * minute)) == runs


def test_the_reference_covers_both_new_york_changes_with_spans_touching_01_00_to_03_00():
    # A fixed case of the reference so the skipped and repeated hours are always exercised.
    definition = {
        "time_zone": "America/New_York",
        "weekly": {6: [Span(60, 120), Span(150, 180)], 5: [Span(23 * 60, 90)], 0: [Span(120, 150)]},
        "holiday_country": "",
        "closed_dates": set(),
        "special_dates": {},
        "around_the_clock": False,
    }
    hours = BusinessHours(**definition)
    for anchor in (datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 10, 31, tzinfo=UTC)):
        minute = timedelta(minutes=1)
        flags = [_open_by_the_wall_clock(definition, anchor + n * minute) for n in range(WINDOW)]
        assert hours.seconds_between(anchor, anchor + WINDOW * minute) == 60 * sum(flags)
        total = sum(flags)
        assert total > 0
        last = max(n for n in range(WINDOW) if flags[n])
        assert hours.add(anchor, total * 60) == anchor + (last + 1) * minute
