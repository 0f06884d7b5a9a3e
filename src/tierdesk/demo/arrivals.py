"""When tickets arrive and what they are: the daily and hourly shape of arrivals, who writes in,
and the mix of channels, types, product areas and priorities."""

from __future__ import annotations

import bisect
import itertools
import random
import zoneinfo
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta

from tierdesk.accounts.choices import Plan
from tierdesk.demo import content
from tierdesk.demo.cast import REGION_TIME_ZONE, Company, Person
from tierdesk.demo.hours import DAY, HOUR

# Arrivals by local hour: a morning peak, lunch, an afternoon peak; weekends are flat and low.
# fmt: off
WEEKDAY_HOURS = (
    0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 3.0, 5.5, 6.5, 6.3,
    4.2, 5.0, 6.0, 5.8, 5.0, 3.6, 2.0, 1.2, 0.8, 0.6, 0.4, 0.3,
)
WEEKEND_HOURS = (
    0.4, 0.3, 0.2, 0.2, 0.2, 0.3, 0.5, 0.8, 1.2, 1.6, 1.8, 1.8,
    1.6, 1.6, 1.6, 1.5, 1.4, 1.2, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5,
)
# fmt: on
WEEKDAY_VOLUME = (1.08, 1.05, 1.0, 1.0, 0.92, 0.16, 0.12)

# What a B2B analytics vendor's desk receives, by the kind of work (Scenario.kind): how-to
# questions, product defects, customers' error reports (incidents; most turn out to be setup or
# usage), outages (incidents too, but urgent), and requests for something new.
KIND_WEIGHTS = {"question": 40, "problem": 10, "incident": 34, "outage": 4, "feature_request": 12}
AREA_WEIGHTS = {
    "query_engine": 28,
    "ingestion": 15,
    "integrations": 15,
    "dashboards": 12,
    "api": 10,
    "administration": 10,
    "billing": 5,
    "security": 5,
}
CHANNEL_WEIGHTS = {"email": 45, "portal": 26, "chat": 12, "phone": 8, "api": 6, "proactive": 3}
PRIORITY_WEIGHTS = {
    "question": {"low": 25, "normal": 65, "high": 10},
    "problem": {"low": 5, "normal": 50, "high": 37, "urgent": 8},
    "incident": {"low": 6, "normal": 60, "high": 34},
    "outage": {"high": 35, "urgent": 65},
    "feature_request": {"low": 60, "normal": 40},
}
SIZE_WEIGHT = {"small": 1.0, "medium": 2.0, "large": 3.5, "enterprise": 5.0}
PLAN_WEIGHT = {Plan.BASIC: 0.7, Plan.STANDARD: 1.0, Plan.PREMIUM: 1.3, Plan.ENTERPRISE: 1.6}
# The fixed logins get a bigger share of the work so every demo login has a full portfolio.
LOGIN_WEIGHT = {"agent1": 1.6, "agent2": 1.5, "agent3": 1.5, "customer1": 5.0, "customer2": 5.0}


class Picker:
    """Weighted choice by bisection on cumulative weights (random.choices rebuilds them per call)."""

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, weighted: dict | Sequence[tuple[object, float]]):
        pairs = list(weighted.items()) if isinstance(weighted, dict) else list(weighted)
        self.items = [item for item, _ in pairs]
        self.cumulative = list(itertools.accumulate(float(w) for _, w in pairs))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def people_picker(people: Sequence[Person]) -> Picker:
    """Picks one of `people`, the fixed demo logins more often than the rest."""
    return Picker([(p, LOGIN_WEIGHT.get(p.username, 1.0)) for p in people])


class TicketMix:
    """What a new ticket is: its channel, its scenario (type and product area) and priority."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.pick_kind = Picker(KIND_WEIGHTS)
        self.pick_channel = Picker(CHANNEL_WEIGHTS)
        self.pick_priority = {k: Picker(w) for k, w in PRIORITY_WEIGHTS.items()}
        self.pick_scenario = {
            k: Picker([(s, AREA_WEIGHTS[s.area]) for s in content.SCENARIOS if s.kind == k])
            for k in KIND_WEIGHTS
        }

    def draw(self, company: Company) -> tuple[str, content.Scenario, str]:
        """(channel, scenario, priority) of the next ticket from `company`."""
        rng = self.rng
        channel = self.pick_channel(rng)
        if channel == "phone" and company.plan in (Plan.BASIC, Plan.STANDARD):
            channel = "email"  # the phone line is a premium and enterprise benefit
        if channel == "proactive":
            scenario = rng.choice(content.PROACTIVE)
        else:
            scenario = self.pick_scenario[self.pick_kind(rng)](rng)
        return channel, scenario, self.pick_priority[scenario.kind](rng)


class Arrivals:
    """Who writes in and when: companies by size and plan, each in its own time zone's day."""

    def __init__(
        self, companies: Sequence[Company], rng: random.Random, start: datetime, end: datetime
    ):
        self.rng = rng
        self.start = start
        self.start_ts = int(start.timestamp())
        self.end_ts = int(end.timestamp())
        self.pick_company = Picker(
            [(c, SIZE_WEIGHT[c.size] * PLAN_WEIGHT[c.plan]) for c in companies]
        )
        self.pick_requester = {c.id: people_picker(c.contacts) for c in companies}
        self.pick_weekday_hour = Picker(list(enumerate(WEEKDAY_HOURS)))
        self.pick_weekend_hour = Picker(list(enumerate(WEEKEND_HOURS)))
        self._midnights: dict[tuple[str, date], int] = {}

    def __call__(self, total: int) -> Iterator[tuple[int, Company, Person]]:
        """(time, company, requester) in time order, exactly `total` of them, between start and end."""
        first_day = self.start.date()
        last_day = datetime.fromtimestamp(self.end_ts - 1, UTC).date()
        days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
        pending: list[tuple[int, int, Company, Person]] = []
        sequence = itertools.count()
        for day, count in zip(days, _daily_counts(total, days), strict=True):
            for _ in range(count):
                ts, company, requester = self._arrival(day)
                pending.append((ts, next(sequence), company, requester))
            # Later local days start at most 14 hours before their UTC midnight (UTC+14 is the
            # widest offset), so everything earlier than that is final and can go out in order.
            horizon = (
                int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
                + DAY
                - 14 * HOUR
            )
            pending.sort()
            cut = bisect.bisect_left(pending, (horizon,))
            yield from ((ts, company, requester) for ts, _seq, company, requester in pending[:cut])
            del pending[:cut]
        pending.sort()
        yield from ((ts, company, requester) for ts, _seq, company, requester in pending)

    def _arrival(self, day: date) -> tuple[int, Company, Person]:
        """One ticket on local `day`: its company, its requester and a time in the day's shape."""
        rng = self.rng
        pick_hour = self.pick_weekend_hour if day.weekday() >= 5 else self.pick_weekday_hour
        company = self.pick_company(rng)
        requester = self.pick_requester[company.id](rng)
        midnight = self._midnight(company.region, day)
        for _attempt in range(8):
            ts = midnight + pick_hour(rng) * HOUR + int(rng.random() * HOUR)
            if self.start_ts <= ts < self.end_ts:
                break
        else:
            ts = min(max(ts, self.start_ts), self.end_ts - 1)
        return ts, company, requester

    def _midnight(self, region: str, day: date) -> int:
        key = (region, day)
        value = self._midnights.get(key)
        if value is None:
            zone = zoneinfo.ZoneInfo(REGION_TIME_ZONE[region])
            noon = datetime(day.year, day.month, day.day, 12, tzinfo=zone)
            offset = noon.utcoffset() or timedelta(0)
            value = int(
                datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
                - offset.total_seconds()
            )
            self._midnights[key] = value
        return value


def _daily_counts(total: int, days: list[date]) -> list[int]:
    """Tickets per local day: weekday shape and a slow growth, summing exactly to `total`."""
    weights = [
        WEEKDAY_VOLUME[d.weekday()] * (0.85 + 0.3 * i / max(1, len(days) - 1))
        for i, d in enumerate(days)
    ]
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    counts = [int(x) for x in exact]
    short = total - sum(counts)
    for i in sorted(range(len(days)), key=lambda i: (counts[i] - exact[i], i))[:short]:
        counts[i] += 1
    return counts
