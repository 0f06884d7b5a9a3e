"""Reads of staffing: arrivals per hour of week, measured handle times, engineers needed per hour
against the people on shift, all in one chosen time zone."""

from __future__ import annotations

import math
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.chat.choices import TAKE_TARGET_PERCENT, TAKE_TARGET_SECONDS, ChatStatus
from tierdesk.chat.models import ChatSession
from tierdesk.core.errors import ValidationFailed
from tierdesk.phone.choices import ANSWER_TARGET_SECONDS, ANSWER_TARGET_SHARE, Direction
from tierdesk.phone.models import Call
from tierdesk.routing.models import Shift
from tierdesk.sla.attainment import known_time_zone
from tierdesk.staffing.erlang import agents_after_shrinkage, erlang_c
from tierdesk.tickets.choices import Channel
from tierdesk.tickets.models import Ticket

HOURS_OF_WEEK = 168
DEFAULT_WEEKS = 8
MAX_WEEKS = 52
DEFAULT_SHRINKAGE = 0.30
# Email handle time is not measured (nobody clocks the reading and writing of a reply), so the
# plan takes a planner's estimate per ticket; 12 minutes is the desk's working figure.
DEFAULT_EMAIL_MINUTES = 12.0
# Handle times taken when a queued channel has no measurement yet in the window (a new desk):
# six minutes of talk, ten minutes of chat. The page says when it used them.
FALLBACK_HANDLE_SECONDS = {"phone": 360.0, "chat": 600.0}

# The channels planned, and the ticket channels each one's arrivals are counted from. Proactive
# tickets are the desk's own outreach, not demand, and are left out.
CHANNELS: dict[str, tuple[str, ...]] = {
    "chat": (Channel.CHAT,),
    "phone": (Channel.PHONE,),
    "email": (Channel.EMAIL, Channel.PORTAL, Channel.API),
}
QUEUED = ("chat", "phone")


@dataclass(frozen=True)
class Target:
    """A queued channel's service level: `level` of contacts answered within `seconds`."""

    seconds: int
    level: float


# The desk's own service levels (chat.choices and phone.choices), so the plan staffs for the
# targets the desk reports against.
TARGETS = {
    "chat": Target(seconds=TAKE_TARGET_SECONDS, level=TAKE_TARGET_PERCENT / 100),
    "phone": Target(seconds=ANSWER_TARGET_SECONDS, level=ANSWER_TARGET_SHARE),
}


@dataclass(frozen=True)
class PlanQuery:
    """A validated question: the last `weeks` weeks before `end`, bucketed in `time_zone`."""

    weeks: int
    time_zone: str
    shrinkage: float
    email_minutes: float
    end: datetime

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def start(self) -> datetime:
        return self.end - timedelta(weeks=self.weeks)


def _number(value: str | float | None, default: float) -> float | None:
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def plan_query(
    *,
    weeks: str | int | None = None,
    tz: str | None = None,
    default_tz: str = "UTC",
    shrinkage_percent: str | float | None = None,
    email_minutes: str | float | None = None,
    now: datetime | None = None,
) -> PlanQuery:
    """The plan's question checked: ValidationFailed naming each refused field (`weeks` 1 to 52,
    `tz` an IANA name, `shrinkage` a percentage from 0 up to 100 excluded, `email_minutes` more
    than 0). The window ends at the start of the current hour, so each hour of the week is
    counted exactly `weeks` times."""
    errors: dict[str, str] = {}
    weeks_number = _number(weeks, DEFAULT_WEEKS)
    if (
        weeks_number is None
        or weeks_number != int(weeks_number)
        or not 1 <= weeks_number <= MAX_WEEKS
    ):
        errors["weeks"] = _("Give a whole number of weeks from 1 to %(max)s.") % {"max": MAX_WEEKS}
    zone_name = (tz or "").strip() or default_tz
    if not known_time_zone(zone_name):
        errors["tz"] = _("Unknown time zone; give an IANA name such as Europe/Berlin.")
    shrinkage = _number(shrinkage_percent, DEFAULT_SHRINKAGE * 100)
    if shrinkage is None or not 0 <= shrinkage < 100:
        errors["shrinkage"] = _("Give a percentage from 0 up to but excluding 100.")
    minutes = _number(email_minutes, DEFAULT_EMAIL_MINUTES)
    if minutes is None or not 0 < minutes <= 24 * 60:
        errors["email_minutes"] = _("Give the minutes an email ticket takes, more than 0.")
    if errors:
        raise ValidationFailed(errors)
    assert weeks_number is not None and shrinkage is not None and minutes is not None
    moment = now or timezone.now()
    return PlanQuery(
        weeks=int(weeks_number),
        time_zone=zone_name,
        shrinkage=shrinkage / 100,
        email_minutes=minutes,
        end=moment.replace(minute=0, second=0, microsecond=0),
    )


def slot_of(moment: datetime, zone: zoneinfo.ZoneInfo) -> int:
    """The hour of week of a moment in a zone: 0 is Monday 00:00-01:00, 167 Sunday 23:00."""
    local = moment.astimezone(zone)
    return local.weekday() * 24 + local.hour


def arrivals_per_hour_of_week(query: PlanQuery) -> dict[str, list[float]]:
    """Per planned channel, the average tickets created in each of the 168 hours of the week
    (in the query's zone) over the query's weeks: count in that hour / weeks. One grouped query;
    the database buckets in the zone."""
    to_plan = {ticket_channel: name for name, group in CHANNELS.items() for ticket_channel in group}
    rows = (
        Ticket.objects.filter(
            created_at__gte=query.start,
            created_at__lt=query.end,
            channel__in=list(to_plan),
        )
        .annotate(
            weekday=ExtractIsoWeekDay("created_at", tzinfo=query.zone),
            hour=ExtractHour("created_at", tzinfo=query.zone),
        )
        .values("channel", "weekday", "hour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    arrivals = {name: [0.0] * HOURS_OF_WEEK for name in CHANNELS}
    for row in rows:
        slot = (row["weekday"] - 1) * 24 + row["hour"]
        arrivals[to_plan[row["channel"]]][slot] += row["n"] / query.weeks
    return arrivals


@dataclass(frozen=True)
class HandleTime:
    """A channel's handle time per contact, and whether it was measured (and from how many)."""

    channel: str
    seconds: float
    samples: int
    measured: bool


def handle_times(query: PlanQuery) -> dict[str, HandleTime]:
    """Handle time per planned channel over the query's window. Phone: the mean talk time of
    answered inbound calls offered in it. Chat: the mean time from taken to ended of ended chats
    taken in it. Email: not measured; the query's minutes per ticket. A queued channel with
    nothing measured takes FALLBACK_HANDLE_SECONDS."""
    talks: list[float] = [
        float(seconds or 0)
        for seconds in Call.objects.filter(
            direction=Direction.INBOUND,
            offered_at__gte=query.start,
            offered_at__lt=query.end,
            answered_at__isnull=False,
            talk_seconds__isnull=False,
        ).values_list("talk_seconds", flat=True)
    ]
    chats = [
        (ended - taken).total_seconds() if ended and taken else 0.0
        for taken, ended in ChatSession.objects.filter(
            status=ChatStatus.ENDED,
            taken_at__gte=query.start,
            taken_at__lt=query.end,
            ended_at__isnull=False,
        ).values_list("taken_at", "ended_at")
    ]
    found: dict[str, list[float]] = {
        "phone": talks,
        "chat": [max(0.0, seconds) for seconds in chats],
    }
    times = {
        name: HandleTime(name, sum(values) / len(values), len(values), True)
        if values
        else HandleTime(name, FALLBACK_HANDLE_SECONDS[name], 0, False)
        for name, values in found.items()
    }
    times["email"] = HandleTime("email", query.email_minutes * 60, 0, False)
    return times


def on_shift_per_hour_of_week(zone: zoneinfo.ZoneInfo, reference: date) -> list[float]:
    """People on shift in each hour of the week in `zone`, from routing's weekly shifts of
    active people. Each shift is in its person's own time zone and is placed on the week of
    `reference` (a Monday) to find its hours in `zone`; a person covering part of an hour counts
    as that share of a person (09:30-17:00 is half a person at 9). A shift running past Sunday
    midnight wraps to Monday."""
    covered = [0.0] * HOURS_OF_WEEK
    shifts = Shift.objects.filter(person__is_active=True).values_list(
        "weekday", "start", "end", "person__time_zone"
    )
    for weekday, start, end, person_zone in shifts:
        own = zoneinfo.ZoneInfo(person_zone if known_time_zone(person_zone) else "UTC")
        day = reference + timedelta(days=weekday)
        begins = datetime.combine(day, start, tzinfo=own)
        ends = datetime.combine(day, end, tzinfo=own)
        if ends <= begins:
            ends += timedelta(days=1)
        local = begins.astimezone(zone)
        # Hours from the zone's Monday 00:00 of the shift's week, as a float.
        position = local.weekday() * 24 + local.hour + local.minute / 60 + local.second / 3600
        remaining = (ends - begins).total_seconds() / 3600
        while remaining > 1e-9:
            slot_start = math.floor(position)
            piece = min(remaining, slot_start + 1 - position)
            covered[slot_start % HOURS_OF_WEEK] += piece
            position += piece
            remaining -= piece
    return [round(value, 4) for value in covered]


@dataclass(frozen=True)
class HourPlan:
    """One hour of the week: arrivals and engineers needed per channel, the total to schedule
    after shrinkage, the people on shift, and the gap (on shift - to schedule)."""

    slot: int
    arrivals: dict[str, float]
    needed: dict[str, int]
    needed_total: int
    needed_scheduled: int
    on_shift: float

    @property
    def weekday(self) -> int:
        return self.slot // 24

    @property
    def hour(self) -> int:
        return self.slot % 24

    @property
    def gap(self) -> float:
        return round(self.on_shift - self.needed_scheduled, 4)

    @property
    def short(self) -> bool:
        return self.gap < 0


@dataclass(frozen=True)
class StaffingPlan:
    """The plan of a query: per hour of week needed against on shift, with what it assumed."""

    query: PlanQuery
    handle_times: dict[str, HandleTime]
    targets: dict[str, Target]
    hours: list[HourPlan]
    has_shifts: bool
    totals: dict[str, float] = field(default_factory=dict)


def email_engineers(arrivals: float, handle_seconds: float) -> int:
    """Engineers that clear an hour's email-like arrivals within the hour, so each is answered
    well inside a first-response target of hours: ceil(arrivals * handle time / 3600)."""
    return math.ceil(round(arrivals * handle_seconds / 3600, 9))


def needed_for(channel: str, arrivals: float, handle: HandleTime) -> int:
    """Engineers a channel needs in one hour with `arrivals` contacts: Erlang C at the channel's
    target for chat and phone (one contact per engineer at a time), the clearing rate for
    email; 0 with no arrivals."""
    if arrivals <= 0:
        return 0
    if channel in TARGETS:
        target = TARGETS[channel]
        return erlang_c(
            arrivals=arrivals,
            interval_seconds=3600,
            aht_seconds=handle.seconds,
            target_seconds=target.seconds,
            target_level=target.level,
        ).agents
    return email_engineers(arrivals, handle.seconds)


def staffing_plan(query: PlanQuery) -> StaffingPlan:
    """Engineers needed per hour of week from the arrivals and handle times of the query's
    window, each channel staffed on its own (an engineer works one channel in an hour) and the
    sum scaled for shrinkage (ceil(sum / (1 - shrinkage))), against the people on shift in the
    same hour of the zone's current week."""
    arrivals = arrivals_per_hour_of_week(query)
    times = handle_times(query)
    local_now = query.end.astimezone(query.zone)
    monday = local_now.date() - timedelta(days=local_now.weekday())
    on_shift = on_shift_per_hour_of_week(query.zone, monday)
    # The same average arrivals recur in many hours; Erlang C is asked once per value.
    cache: dict[tuple[str, float], int] = {}
    hours = []
    for slot in range(HOURS_OF_WEEK):
        slot_arrivals = {name: round(arrivals[name][slot], 4) for name in CHANNELS}
        needed = {}
        for name, value in slot_arrivals.items():
            if (name, value) not in cache:
                cache[(name, value)] = needed_for(name, value, times[name])
            needed[name] = cache[(name, value)]
        total = sum(needed.values())
        hours.append(
            HourPlan(
                slot=slot,
                arrivals=slot_arrivals,
                needed=needed,
                needed_total=total,
                needed_scheduled=agents_after_shrinkage(total, query.shrinkage),
                on_shift=on_shift[slot],
            )
        )
    by_total: dict[str, float] = defaultdict(float)
    for hour in hours:
        by_total["needed_hours"] += hour.needed_scheduled
        by_total["on_shift_hours"] += hour.on_shift
        by_total["short_hours"] += 1 if hour.short else 0
        by_total["missing_hours"] += -hour.gap if hour.short else 0
    return StaffingPlan(
        query=query,
        handle_times=times,
        targets=TARGETS,
        hours=hours,
        has_shifts=any(on_shift),
        totals={key: round(value, 2) for key, value in by_total.items()},
    )
