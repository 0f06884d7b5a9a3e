"""Business-hours arithmetic for SLA clocks: adding and measuring business time on a calendar of
weekly opening hours, public holidays, closed and special dates, in the calendar's own time zone.

Pure Python (no Django), so a clock recompute costs microseconds and the rules are unit-testable.

Business time is the set of real instants whose local wall-clock time falls inside an open span of
its local date; a span belongs to the date it starts on and may run overnight into the next. Each
local date's spans are turned into UTC intervals once (and cached) by splitting them over the
zone's constant-offset pieces, so days of 23 or 25 hours, boundaries inside a skipped hour and the
repeated hour of a fall-back night all follow the wall clock exactly. Internally instants are
integer microseconds since the epoch, so additions and measurements agree to the microsecond.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Collection, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = [
    "AROUND_THE_CLOCK",
    "WEEKDAYS",
    "BusinessHours",
    "Span",
    "format_hours",
    "parse_hours",
    "validate_holiday_country",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_US = 1_000_000
_DAY = 86_400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# A UTC offset is always strictly less than a day (datetime enforces it), so the instants of a local
# date's spans lie within a day either side of their wall-clock times, whatever the zone.
_MAX_OFFSET = _DAY
# Offsets are sampled this far apart when a year's transitions are first looked for; no zone has
# changed its offset twice within six hours.
_SAMPLE_STEP = 6 * 3600
# "Never open" means no opening within about two years.
_SEARCH_DAYS = 800
_SHARED_CACHES: OrderedDict[Hashable, dict[int, tuple[tuple[int, int], ...]]] = OrderedDict()
_SHARED_CACHE_KEYS = 256
_DAY_CACHE_SIZE = 20_000


def _(message: str) -> str:
    """Translate through Django's catalogs when running inside the app; this module imports nothing
    from Django so that it stays a plain, fast library."""
    conf = sys.modules.get("django.conf")
    translation = sys.modules.get("django.utils.translation")
    if conf is None or translation is None or not conf.settings.configured:
        return message
    return translation.gettext(message)


@dataclass(frozen=True, slots=True)
class Span:
    """One opening on a day, in local wall-clock minutes from that day's midnight.

    ``end <= start`` means the span runs overnight and ends at ``end`` minutes of the next day; a
    span belongs to the day it starts on.
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= 1439:
            raise ValueError(f"span start {self.start} is outside 0..1439 minutes")
        if not 1 <= self.end <= 1440:
            raise ValueError(f"span end {self.end} is outside 1..1440 minutes")

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    @property
    def stop(self) -> int:
        """The end in minutes from the midnight of the span's own day (beyond 1440 if overnight)."""
        return self.end + 1440 if self.end <= self.start else self.end


# --- time zones -----------------------------------------------------------------------------------


class _Zone:
    """A zone's constant-offset pieces, found once per year by sampling and bisection (zoneinfo does
    not expose its transitions)."""

    def __init__(self, name: str) -> None:
        self.tz = ZoneInfo(name)
        self._years: dict[int, tuple[list[int], list[int]]] = {}

    def _offset_at(self, u: int) -> int:
        offset = datetime.fromtimestamp(u, self.tz).utcoffset()
        assert offset is not None
        return int(offset.total_seconds())

    def _year(self, year: int) -> tuple[list[int], list[int]]:
        table = self._years.get(year)
        if table is not None:
            return table
        begin = _year_start(year)
        last = _year_start(year + 1) - 1
        starts, offsets = [begin], [self._offset_at(begin)]
        t = begin
        while t < last:
            sample = min(t + _SAMPLE_STEP, last)
            found = self._offset_at(sample)
            lo = t
            while found != offsets[-1]:
                hi = sample
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if self._offset_at(mid) == offsets[-1]:
                        lo = mid
                    else:
                        hi = mid
                starts.append(hi)
                offsets.append(self._offset_at(hi))
                lo = hi
            t = sample
        table = self._years[year] = (starts, offsets)
        return table

    def offset(self, u: int) -> int:
        """The UTC offset in seconds at the instant ``u`` (seconds since the epoch)."""
        starts, offsets = self._year(_year_of(u))
        return offsets[bisect_right(starts, u) - 1]

    def pieces(self, w0: int, w1: int) -> list[tuple[int, int, int]]:
        """(begin, end, offset) pieces of constant offset covering [w0, w1), in seconds."""
        out = []
        for year in range(_year_of(w0), _year_of(w1 - 1) + 1):
            starts, offsets = self._year(year)
            ends = [*starts[1:], _year_start(year + 1)]
            for begin, end, offset in zip(starts, ends, offsets, strict=True):
                begin, end = max(begin, w0), min(end, w1)
                if begin < end:
                    out.append((begin, end, offset))
        return out


@lru_cache(maxsize=512)
def _zone(name: str) -> _Zone:
    return _Zone(name)


def _year_start(year: int) -> int:
    return (date(year, 1, 1).toordinal() - _EPOCH_ORDINAL) * _DAY


def _year_of(u: int) -> int:
    return date.fromordinal(u // _DAY + _EPOCH_ORDINAL).year


@lru_cache(maxsize=1024)
def _holiday_days(country: str, subdivision: str, year: int) -> frozenset[int]:
    """Public holidays of a country (and subdivision) in a year, as day numbers since the epoch."""
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(day.toordinal() - _EPOCH_ORDINAL for day in found)


@lru_cache(maxsize=1024)
def _transferred_workdays(country: str, subdivision: str, year: int) -> frozenset[int]:
    """Weekend days a country's calendar makes working days (Russia moves holidays this way)."""
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    days = getattr(found, "weekend_workdays", None) or ()
    return frozenset(day.toordinal() - _EPOCH_ORDINAL for day in days if day.year == year)


@lru_cache(maxsize=1)
def _supported_countries() -> dict[str, list[str]]:
    return holidays.list_supported_countries(include_aliases=False)


def _to_us(at: datetime) -> int:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at!r}: business-hours arithmetic needs aware datetimes")
    return (at - _EPOCH) // _ONE_US


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


# --- calendars ------------------------------------------------------------------------------------


class BusinessHours:
    """A business-hours calendar: weekly spans in a time zone, less holidays and closed dates, with
    special dates that replace a day's spans (a transferred working Saturday, or a short day).

    ``key``, when given, identifies the calendar's definition (say ``(pk, updated_at)``) so that
    instances built from the same definition share their cache of computed days; it must change
    whenever the definition does.
    """

    def __init__(
        self,
        *,
        time_zone: str,
        weekly: Mapping[int, Sequence[Span]],
        closed_dates: Collection[date] = (),
        special_dates: Mapping[date, Sequence[Span]] | None = None,
        holiday_country: str = "",
        holiday_subdivision: str = "",
        around_the_clock: bool = False,
        key: Hashable = None,
    ) -> None:
        try:
            self._zone = _zone(time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {time_zone!r}") from exc
        if holiday_country:
            errors: dict[str, str] = {}
            validate_holiday_country(holiday_country, holiday_subdivision, errors)
            if errors:
                raise ValueError("; ".join(errors.values()))
        self.time_zone = time_zone
        self.around_the_clock = around_the_clock
        self.holiday_country = holiday_country
        self.holiday_subdivision = holiday_subdivision if holiday_country else ""
        if around_the_clock:
            self._weekly: tuple[tuple[Span, ...], ...] = ((Span(0, 1440),),) * 7
        else:
            for weekday in weekly:
                if weekday not in range(7):
                    raise ValueError(f"weekday {weekday!r} is not 0 (Monday)..6 (Sunday)")
            self._weekly = tuple(tuple(sorted(weekly.get(i, ()), key=_span_key)) for i in range(7))
        self._closed = frozenset(day.toordinal() - _EPOCH_ORDINAL for day in closed_dates)
        self._special = {
            day.toordinal() - _EPOCH_ORDINAL: tuple(sorted(spans, key=_span_key))
            for day, spans in (special_dates or {}).items()
        }
        self.weekly = {i: list(spans) for i, spans in enumerate(self._weekly) if spans}
        self.closed_dates = frozenset(closed_dates)
        self.special_dates = {day: list(spans) for day, spans in (special_dates or {}).items()}
        # Every instant is business time: add and seconds_between become plain arithmetic.
        self._always = around_the_clock and not (holiday_country or self._closed or self._special)
        self._never = not any(self._weekly) and not any(self._special.values())
        if key is None:
            self._days: dict[int, tuple[tuple[int, int], ...]] = {}
        else:
            shared = _SHARED_CACHES.get(key)
            if shared is None:
                shared = _SHARED_CACHES[key] = {}
                while len(_SHARED_CACHES) > _SHARED_CACHE_KEYS:
                    _SHARED_CACHES.popitem(last=False)
            else:
                _SHARED_CACHES.move_to_end(key)
            self._days = shared

    def __repr__(self) -> str:
        kind = "around the clock" if self.around_the_clock else format_hours(self.weekly)
        return f"<BusinessHours {self.time_zone} {kind} holidays={self.holiday_country or '-'}>"

    # --- the public arithmetic --------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` is business time."""
        t = _to_us(at)
        if self._always:
            return True
        for begin, _end in self._intervals_after(t):
            return begin <= t
        return False

    def add(self, start: datetime, seconds: float) -> datetime:
        """The instant (UTC) when ``seconds`` of business time have passed after ``start``.

        Counting starts at ``start`` if it is business time, else at the next opening; the result
        is the first instant by which that much business time has passed, so it may be the end of
        an open interval. ``seconds == 0`` returns ``start`` itself (in UTC), open or not. Raises
        ValueError for negative seconds, and when the calendar has no opening within about two
        years to count in.
        """
        t = _to_us(start)
        if seconds < 0:
            raise ValueError(f"cannot add negative business time ({seconds} seconds)")
        remaining = round(seconds * _US)
        if remaining == 0 and seconds > 0:
            remaining = 1
        if remaining == 0 or self._always:
            return _from_us(t + remaining)
        for begin, end in self._intervals_after(t):
            begin = max(begin, t)
            if remaining <= end - begin:
                return _from_us(begin + remaining)
            remaining -= end - begin
        raise ValueError(f"{self!r} has no business hours within two years of {start.isoformat()}")

    def seconds_between(self, start: datetime, end: datetime) -> float:
        """Business seconds in [start, end); 0 if ``end <= start``."""
        t0, t1 = _to_us(start), _to_us(end)
        if t1 <= t0:
            return 0.0
        if self._always:
            return (t1 - t0) / _US
        total = 0
        for begin, stop in self._intervals_after(t0):
            if begin >= t1:
                break
            total += min(stop, t1) - max(begin, t0)
        return total / _US

    def open_intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Business time within [start, end) as UTC (begin, end) pairs, in order, clipped to the
        range and merged where one interval ends as the next begins."""
        t0, t1 = _to_us(start), _to_us(end)
        if t1 <= t0:
            return
        if self._always:
            yield _from_us(t0), _from_us(t1)
            return
        current: list[int] | None = None
        for begin, stop in self._intervals_after(t0):
            if begin >= t1:
                break
            begin, stop = max(begin, t0), min(stop, t1)
            if current is not None and begin == current[1]:
                current[1] = stop
                continue
            if current is not None:
                yield _from_us(current[0]), _from_us(current[1])
            current = [begin, stop]
        if current is not None:
            yield _from_us(current[0]), _from_us(current[1])

    def next_open(self, at: datetime) -> datetime | None:
        """``at`` itself (in UTC) if it is business time, else the next opening; None when there is
        none within about two years."""
        t = _to_us(at)
        if self._always:
            return _from_us(t)
        for begin, _end in self._intervals_after(t):
            return _from_us(max(begin, t))
        return None

    # --- days and intervals -----------------------------------------------------------------------

    def _spans_of(self, day: int) -> tuple[Span, ...]:
        special = self._special.get(day)
        if special is not None:
            return special
        if day in self._closed:
            return ()
        if self.holiday_country:
            year = date.fromordinal(day + _EPOCH_ORDINAL).year
            if day in _holiday_days(self.holiday_country, self.holiday_subdivision, year):
                return ()
            if day in _transferred_workdays(self.holiday_country, self.holiday_subdivision, year):
                # Worked as an ordinary weekday: the hours of the first weekday that has any.
                return next((spans for spans in self._weekly[:5] if spans), ())
        # 1970-01-01, day 0, was a Thursday.
        return self._weekly[(day + 3) % 7]

    def _compute_day(self, day: int) -> tuple[tuple[int, int], ...]:
        """UTC intervals (microseconds) of the spans starting on local date ``day``, sorted, merged.

        For each constant-offset piece with offset o, the instants whose wall-clock time is in
        [a, b) are [a - o, b - o) restricted to the piece; the union over the pieces is exact even
        where the wall clock skips or repeats an hour.
        """
        spans = self._spans_of(day)
        if not spans:
            return ()
        midnight = day * _DAY
        pieces = self._zone.pieces(midnight - _MAX_OFFSET, midnight + 2 * _DAY + _MAX_OFFSET)
        found = []
        for span in spans:
            a, b = midnight + span.start * 60, midnight + span.stop * 60
            for piece_begin, piece_end, offset in pieces:
                begin, end = max(a - offset, piece_begin), min(b - offset, piece_end)
                if begin < end:
                    found.append((begin, end))
        found.sort()
        merged: list[tuple[int, int]] = []
        for begin, end in found:
            if merged and begin <= merged[-1][1]:
                if end > merged[-1][1]:
                    merged[-1] = (merged[-1][0], end)
            else:
                merged.append((begin, end))
        return tuple((begin * _US, end * _US) for begin, end in merged)

    def _intervals_after(self, t: int) -> Iterator[tuple[int, int]]:
        """Disjoint business intervals (microseconds) ending after ``t``, in order (not necessarily
        merged where contiguous); stops after about two years without any.

        Local dates are walked in order; an interval is yielded once no later date can produce one
        that starts before it ends, since every instant of a date's spans lies after that date's
        midnight less a day.
        """
        if self._never:
            return
        days = self._days
        u = t // _US
        # Spans of earlier dates may still be open (overnight, or after a fall-back night); offsets
        # differ by less than two days, so none from before the third date back can be.
        day = (u + self._zone.offset(u)) // _DAY - 3
        pending: list[tuple[int, int]] = []
        idle = 0
        while idle <= _SEARCH_DAYS:
            intervals = days.get(day)
            if intervals is None:
                if len(days) > _DAY_CACHE_SIZE:
                    days.clear()
                intervals = days[day] = self._compute_day(day)
            day += 1
            if intervals:
                idle = 0
                if pending:
                    pending.extend(intervals)
                    pending.sort()
                    pending = _merge_overlapping(pending)
                else:
                    pending = list(intervals)
            elif not pending:
                idle += 1
                continue
            horizon = (day * _DAY - _MAX_OFFSET) * _US
            emitted = 0
            for begin, end in pending:
                if end > horizon:
                    break
                emitted += 1
                if end > t:
                    yield begin, end
            if emitted:
                del pending[:emitted]


def _merge_overlapping(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for begin, end in intervals:
        if merged and begin < merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((begin, end))
    return merged


def _span_key(span: Span) -> tuple[int, int]:
    return span.start, span.stop


AROUND_THE_CLOCK = BusinessHours(time_zone="UTC", weekly={}, around_the_clock=True)


# --- the stored / API form ------------------------------------------------------------------------

_TIME = re.compile(r"([01]\d|2[0-3]):([0-5]\d)|24:00")


def _minutes(value: Any) -> int | None:
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        return None
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_hours(value: Any, errors: dict[str, str], field: str = "hours") -> dict[int, list[Span]]:
    """Weekly spans from the stored / API form ``{"mon": [["09:00", "18:00"]], ...}``.

    Keys are WEEKDAYS (a missing day is closed); each opening is ``[start, end]`` in HH:MM, with
    "24:00" allowed as an end and ``end <= start`` meaning overnight. On any problem, sets
    ``errors[field]`` to the reasons (each naming the day) and returns {}.
    """
    problems: list[str] = []
    if not isinstance(value, Mapping):
        errors[field] = _(
            "Opening hours must be an object keyed by day of the week (mon, tue, wed, thu, fri, "
            "sat, sun)."
        )
        return {}
    weekly: dict[int, list[Span]] = {}
    for name, openings in value.items():
        if name not in WEEKDAYS:
            problems.append(
                _("%(key)s is not a day of the week (use mon, tue, wed, thu, fri, sat, sun)")
                % {"key": name}
            )
            continue
        if not isinstance(openings, list | tuple):
            problems.append(_("%(day)s: expected a list of [start, end] pairs") % {"day": name})
            continue
        spans = []
        for opening in openings:
            if not isinstance(opening, list | tuple) or len(opening) != 2:
                problems.append(
                    _('%(day)s: each opening is a pair [start, end] like ["09:00", "18:00"]')
                    % {"day": name}
                )
                continue
            start, end = (_minutes(part) for part in opening)
            bad = [
                part for part, minutes in zip(opening, (start, end), strict=True) if minutes is None
            ]
            if bad:
                problems.append(
                    _("%(day)s: %(value)s is not a time of day (HH:MM)")
                    % {"day": name, "value": bad[0]}
                )
                continue
            assert start is not None and end is not None
            if start == 1440:
                problems.append(
                    _("%(day)s: an opening cannot start at 24:00 (use 00:00 of the next day)")
                    % {"day": name}
                )
                continue
            if start == end:
                problems.append(
                    _("%(day)s: %(start)s-%(end)s is empty (start and end are the same time)")
                    % {"day": name, "start": opening[0], "end": opening[1]}
                )
                continue
            # "00:00" as an end is the midnight that closes the day.
            spans.append(Span(start, end or 1440))
        if spans:
            weekly[WEEKDAYS.index(name)] = sorted(spans, key=_span_key)
    if not problems:
        problems = _overlaps(weekly)
    if problems:
        errors[field] = "; ".join(problems)
        return {}
    return weekly


def _overlaps(weekly: Mapping[int, Sequence[Span]]) -> list[str]:
    problems = []
    for weekday in range(7):
        spans = weekly.get(weekday, ())
        for earlier, later in pairwise(spans):
            if later.start < earlier.stop:
                problems.append(
                    _("%(day)s: %(first)s and %(second)s overlap")
                    % {
                        "day": WEEKDAYS[weekday],
                        "first": _span_text(earlier),
                        "second": _span_text(later),
                    }
                )
        if spans and spans[-1].overnight:
            following = (weekday + 1) % 7
            tail = spans[-1]
            for span in weekly.get(following, ()):
                if span.start < tail.end:
                    problems.append(
                        _("%(day)s: %(first)s runs overnight into %(next)s's %(second)s")
                        % {
                            "day": WEEKDAYS[weekday],
                            "first": _span_text(tail),
                            "next": WEEKDAYS[following],
                            "second": _span_text(span),
                        }
                    )
                    break
    return problems


def _span_text(span: Span) -> str:
    return f"{_clock(span.start)}-{_clock(span.end)}"


def format_hours(weekly: Mapping[int, Sequence[Span]]) -> dict[str, list[list[str]]]:
    """The stored / API form of weekly spans (every day present; closed days have no openings)."""
    return {
        name: [
            [_clock(span.start), _clock(span.end)]
            for span in sorted(weekly.get(i, ()), key=_span_key)
        ]
        for i, name in enumerate(WEEKDAYS)
    }


def validate_holiday_country(code: str, subdivision: str, errors: dict[str, str]) -> None:
    """Names ``holiday_country`` / ``holiday_subdivision`` in ``errors`` when the holidays package
    does not know the country (ISO 3166-1 alpha-2) or its subdivision."""
    if not code:
        if subdivision:
            errors["holiday_subdivision"] = _(
                "A holiday subdivision needs a holiday country as well."
            )
        return
    supported = _supported_countries()
    if code not in supported:
        errors["holiday_country"] = _(
            "%(code)s is not a country with a known holiday calendar (use a two-letter ISO code such as JP, RU or US)"
        ) % {"code": code}
        return
    subdivisions = supported[code]
    if subdivision and subdivision not in subdivisions:
        if subdivisions:
            message = _(
                "%(subdivision)s is not a subdivision of %(code)s with a known holiday calendar "
                "(for example %(examples)s)"
            ) % {"subdivision": subdivision, "code": code, "examples": ", ".join(subdivisions[:5])}
        else:
            message = _("%(code)s has no subdivisions with holiday calendars of their own") % {
                "code": code
            }
        errors["holiday_subdivision"] = message
