"""Reads of the service-level setup: calendars with their dates and coming holidays, policies in
the order they are tried, and business-time arithmetic on a calendar. Managers and administrators."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

import holidays
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tierdesk.accounts.models import User
from tierdesk.core.errors import NotFound, ValidationFailed
from tierdesk.sla.book import business_hours_of
from tierdesk.sla.calendar import WEEKDAYS, format_hours, parse_hours
from tierdesk.sla.models import BusinessCalendar, CalendarDate, SlaPolicy, SlaTarget
from tierdesk.sla.setup import SECONDS_MAX, ensure_setup_reader, supported_holiday_countries

# How far a business-time measurement may reach: two years of days to walk at most.
MEASURE_MAX = dt.timedelta(days=731)
# The years business time is counted in; far enough from datetime's limits (years 1 and 9999)
# that walking two years of days or adding 90 days never leaves them.
MEASURE_FIRST_YEAR = 1970
MEASURE_LAST_YEAR = 2200


# --- calendars ----------------------------------------------------------------------------------


def calendars(user: User) -> list[BusinessCalendar]:
    """Every calendar by name, with its dates and the policies that use it (three queries)."""
    ensure_setup_reader(user)
    return list(
        BusinessCalendar.objects.prefetch_related(
            Prefetch("dates", queryset=CalendarDate.objects.order_by("date")),
            Prefetch("policies", queryset=SlaPolicy.objects.order_by("position", "id")),
        ).order_by("name")
    )


def calendar_get(user: User, calendar_id: int) -> BusinessCalendar:
    ensure_setup_reader(user)
    calendar = (
        BusinessCalendar.objects.prefetch_related(
            Prefetch("dates", queryset=CalendarDate.objects.order_by("date")),
            Prefetch("policies", queryset=SlaPolicy.objects.order_by("position", "id")),
        )
        .filter(pk=calendar_id)
        .first()
    )
    if calendar is None:
        raise NotFound(_("No such calendar."))
    return calendar


def calendar_choices(user: User) -> list[tuple[int, str]]:
    ensure_setup_reader(user)
    return list(BusinessCalendar.objects.order_by("name").values_list("pk", "name"))


def weekly_hours(calendar: BusinessCalendar) -> dict[str, list[list[str]]]:
    """The calendar's hours with every day present, closed days empty: {"mon": [["09:00",
    "18:00"]], ..., "sun": []}."""
    return format_hours(parse_hours(calendar.hours or {}, {}))


def hours_summary(calendar: BusinessCalendar) -> list[str]:
    """The weekly hours in words, consecutive days with the same hours together:
    ["Mon-Fri 09:00-18:00"]."""
    if calendar.around_the_clock:
        return [_("Around the clock")]
    names = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    weekly = weekly_hours(calendar)
    lines: list[str] = []
    start = 0
    days = list(WEEKDAYS)
    while start < 7:
        end = start
        while end + 1 < 7 and weekly[days[end + 1]] == weekly[days[start]]:
            end += 1
        spans = weekly[days[start]]
        if spans:
            label = names[start] if start == end else f"{names[start]}-{names[end]}"
            lines.append(f"{label} " + ", ".join(f"{a}-{b}" for a, b in spans))
        start = end + 1
    return lines or [_("Never open")]


@dataclass(frozen=True)
class Holiday:
    """A date in the coming year when the calendar departs from its weekly hours: a public
    holiday of its country ("public") or one of its own dates ("custom", closed unless `hours`)."""

    date: dt.date
    name: str
    source: str
    hours: list[list[str]]


def _holiday_language(country: str, subdivision: str) -> str | None:
    language = (translation.get_language() or "en").split("-")[0]
    supported = holidays.country_holidays(country, subdiv=subdivision or None).supported_languages
    for candidate in (language, f"{language}_US" if language == "en" else ""):
        if candidate and candidate in supported:
            return candidate
    return None


def upcoming_holidays(
    calendar: BusinessCalendar, *, today: dt.date | None = None, days: int = 365
) -> list[Holiday]:
    """Public holidays of the calendar's country and its own dates from `today` (the calendar's
    own today by default) for `days` days, by date; a date of its own replaces a holiday."""
    if today is None:
        today = timezone.now().astimezone(_zone(calendar.time_zone)).date()
    until = today + dt.timedelta(days=days)
    found: dict[dt.date, Holiday] = {}
    if calendar.holiday_country:
        country, subdivision = calendar.holiday_country, calendar.holiday_subdivision
        public = holidays.country_holidays(
            country,
            subdiv=subdivision or None,
            years=range(today.year, until.year + 1),
            language=_holiday_language(country, subdivision),
        )
        for day, name in public.items():
            if today <= day < until:
                found[day] = Holiday(day, name, "public", [])
    for entry in calendar.dates.all():
        if today <= entry.date < until:
            found[entry.date] = Holiday(entry.date, entry.name, "custom", list(entry.hours))
    return [found[day] for day in sorted(found)]


@lru_cache(maxsize=64)
def _zone(name: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _camel_words(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)


@lru_cache(maxsize=1)
def holiday_countries() -> list[tuple[str, str]]:
    """(code, name) of every country with a holiday calendar, by name. The names are the
    holidays package's own, in English."""
    from holidays.registry import COUNTRIES

    names = {entry[1]: _camel_words(entry[0]) for entry in COUNTRIES.values()}
    codes = supported_holiday_countries()
    return sorted(((code, names.get(code, code)) for code in codes), key=lambda c: c[1])


# --- business time ------------------------------------------------------------------------------


def business_time_due(
    user: User, calendar: BusinessCalendar, start: dt.datetime, seconds: float
) -> dt.datetime:
    """The instant by which `seconds` of the calendar's business time have passed after
    `start`. Refusals name "from" or "seconds"."""
    ensure_setup_reader(user)
    errors = _instant_errors(from_=start)
    if not 0 <= seconds <= SECONDS_MAX:
        errors["seconds"] = _("Give seconds from 0 to %(max)d (90 days).") % {"max": SECONDS_MAX}
    if errors:
        raise ValidationFailed(errors)
    try:
        return business_hours_of(calendar).add(start, seconds)
    except (ValueError, OverflowError):
        # A calendar never open (or not for years on end) has no such instant.
        raise ValidationFailed(
            seconds=_("The calendar is not open long enough after from to count that much.")
        ) from None


def business_time_between(
    user: User, calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime
) -> float:
    """Business seconds of the calendar from `start` to `end` (at most two years later).
    Refusals name "from" or "to"."""
    ensure_setup_reader(user)
    errors = _instant_errors(from_=start, to=end)
    if not errors and end < start:
        errors["to"] = _("Give an instant after from.")
    elif not errors and end - start > MEASURE_MAX:
        errors["to"] = _("Measure at most two years at a time.")
    if errors:
        raise ValidationFailed(errors)
    try:
        return business_hours_of(calendar).seconds_between(start, end)
    except (ValueError, OverflowError):
        raise ValidationFailed(
            to=_("Business time cannot be counted between these instants on this calendar.")
        ) from None


def _instant_errors(**instants: dt.datetime) -> dict[str, str]:
    """Refuse instants outside the years business time is counted in: holidays are known and
    dates stay representable however far the arithmetic walks (keyword `from_` is "from")."""
    errors: dict[str, str] = {}
    for name, at in instants.items():
        if not MEASURE_FIRST_YEAR <= at.year <= MEASURE_LAST_YEAR:
            errors[name.rstrip("_")] = _("Give an instant in the years %(first)d to %(last)d.") % {
                "first": MEASURE_FIRST_YEAR,
                "last": MEASURE_LAST_YEAR,
            }
    return errors


# --- policies -----------------------------------------------------------------------------------


def _policies() -> QuerySet[SlaPolicy]:
    # Metrics sort alphabetically in the order a ticket meets them: first response to resolution.
    return SlaPolicy.objects.select_related("calendar").prefetch_related(
        "organizations", Prefetch("targets", queryset=SlaTarget.objects.order_by("metric"))
    )


def policies(user: User) -> list[SlaPolicy]:
    """Every policy, active or not, in the order they are tried; each carries `place` (1 is
    tried first). Four queries for any number."""
    ensure_setup_reader(user)
    found = list(_policies().order_by("position", "id"))
    for place, policy in enumerate(found, start=1):
        policy.place = place  # type: ignore[attr-defined]
    return found


def policy_get(user: User, policy_id: int) -> SlaPolicy:
    ensure_setup_reader(user)
    policy = _policies().filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(_("No such SLA policy."))
    policy.place = (  # type: ignore[attr-defined]
        SlaPolicy.objects.filter(
            Q(position__lt=policy.position) | Q(position=policy.position, pk__lt=policy.pk)
        ).count()
        + 1
    )
    return policy
