"""Bulk demo data: months of tickets with their messages and events, written row for row the way
the ticket services write them, fast enough to load a million tickets in minutes.

Every ticket is simulated from its arrival: the front line claims and answers it in business
hours, asks for details, escalates to the back line and on to engineering, solves it; customers
reply, confirm or reopen; solved tickets close on their own after TIERDESK_AUTOCLOSE_DAYS. Each
move is recorded exactly as tickets.services records it (kinds created / message / note /
changed, people and groups by id, labels in `data`), so metrics computed from events see the
same history as on a live desk. The simulation stops at `now`: recent tickets stay open.
"""

from __future__ import annotations

import bisect
import contextlib
import html
import itertools
import json
import math
import multiprocessing
import os
import random
import re
import time
import traceback
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from queue import Empty

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, connections, transaction

from tierdesk.accounts.choices import Language, Plan, Region
from tierdesk.core.text import text_to_html
from tierdesk.demo import content
from tierdesk.demo.cast import (
    BACK_LINE_FOR_AREA,
    ENGINEERING_DEFAULT,
    ENGINEERING_FOR_AREA,
    REGION_TIME_ZONE,
    Cast,
    Company,
    Person,
    cast_ensure,
)
from tierdesk.demo.period import demo_period
from tierdesk.tickets.models import Message, Ticket, TicketEvent

DAY = 86_400
HOUR = 3_600
# A chunk is written in one transaction: big enough that commits cost nothing, small enough that
# memory stays flat whatever the total (5,000 tickets are about 80,000 rows).
CHUNK_TICKETS = 5_000


_Chunk = tuple[list[tuple], list[tuple], list[tuple], list[tuple]]


class DemoDataExists(RuntimeError):
    """The database already holds tickets; seeding again would mix two demo desks."""


@dataclass(frozen=True)
class SeedReport:
    """What a seeding run wrote and how long it took."""

    tickets: int
    messages: int
    events: int
    seconds: float
    start: datetime
    end: datetime

    @property
    def rows(self) -> int:
        return self.tickets + self.messages + self.events


def demo_tickets_present() -> bool:
    """Whether the database holds any ticket (then `tierdesk demo` serves it as it is)."""
    return Ticket.objects.exists()


# --- time ------------------------------------------------------------------------------------

# 1970-01-01 was a Thursday: shifting by three days makes hour 0 of the week Monday 00:00 UTC.
_EPOCH_WEEK_SHIFT = 3 * 24


def _wait_table(is_open: Callable[[int, int], bool]) -> list[int]:
    """For each UTC hour of the week (Monday 00:00 = 0): whole hours until the next open hour."""
    opened = [is_open(h // 24, h % 24) for h in range(168)]
    table = []
    for h in range(168):
        wait = 0
        while not opened[(h + wait) % 168]:
            wait += 1
        table.append(wait)
    return table


def _local_hours(offset_hours: int, first: int, last: int, weekend: tuple[int, int] | None = None):
    def is_open(day: int, hour: int) -> bool:
        local = (day * 24 + hour + offset_hours) % 168
        local_day, local_hour = divmod(local, 24)
        if local_day < 5:
            return first <= local_hour < last
        return weekend is not None and weekend[0] <= local_hour < weekend[1]

    return is_open


# Support teams in UTC, roughly: follow-the-sun for English, home hours for Japanese and Russian.
TEAM_HOURS = {
    "Tier 1 / English": _wait_table(_local_hours(0, 7, 22, weekend=(10, 16))),
    "Tier 1 / Japanese": _wait_table(_local_hours(9, 9, 18)),
    "Tier 1 / Russian": _wait_table(_local_hours(3, 9, 19)),
    "back_line": _wait_table(_local_hours(0, 0, 20)),
    "engineering": _wait_table(_local_hours(0, 7, 17)),
    "always": [0] * 168,
}
# Customers answer in their own office hours (standard offsets; daylight saving is noise here).
REGION_OFFSET = {
    Region.JAPAN: 9,
    Region.RUSSIA: 3,
    Region.EMEA: 0,
    Region.AMERICAS: -5,
    Region.APAC: 8,
}
CUSTOMER_HOURS = {
    region: _wait_table(_local_hours(offset, 8, 19)) for region, offset in REGION_OFFSET.items()
}

# Arrivals by local hour: a morning peak, lunch, an afternoon peak; weekends are flat and low.
WEEKDAY_HOURS = (
    0.2,
    0.1,
    0.1,
    0.1,
    0.1,
    0.2,
    0.5,
    1.2,
    3.0,
    5.5,
    6.5,
    6.3,
    4.2,
    5.0,
    6.0,
    5.8,
    5.0,
    3.6,
    2.0,
    1.2,
    0.8,
    0.6,
    0.4,
    0.3,
)
WEEKEND_HOURS = (
    0.4,
    0.3,
    0.2,
    0.2,
    0.2,
    0.3,
    0.5,
    0.8,
    1.2,
    1.6,
    1.8,
    1.8,
    1.6,
    1.6,
    1.6,
    1.5,
    1.4,
    1.2,
    1.0,
    0.9,
    0.8,
    0.7,
    0.6,
    0.5,
)
WEEKDAY_VOLUME = (1.08, 1.05, 1.0, 1.0, 0.92, 0.16, 0.12)

# --- mix -------------------------------------------------------------------------------------

TYPE_WEIGHTS = {"question": 40, "problem": 32, "incident": 12, "feature_request": 16}
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
    "problem": {"low": 5, "normal": 55, "high": 32, "urgent": 8},
    "incident": {"high": 35, "urgent": 65},
    "feature_request": {"low": 60, "normal": 40},
}
SIZE_WEIGHT = {"small": 1.0, "medium": 2.0, "large": 3.5, "enterprise": 5.0}
PLAN_WEIGHT = {Plan.BASIC: 0.7, Plan.STANDARD: 1.0, Plan.PREMIUM: 1.3, Plan.ENTERPRISE: 1.6}
# Faster first responses for the plans that pay for them.
PLAN_SPEED = {Plan.BASIC: 1.6, Plan.STANDARD: 1.0, Plan.PREMIUM: 0.7, Plan.ENTERPRISE: 0.5}
FIRST_RESPONSE_MEDIAN = {"urgent": 600, "high": 2_400, "normal": 5_400, "low": 14_400}
FRONT_LINE_FOR_LANGUAGE = {
    Language.ENGLISH: "Tier 1 / English",
    Language.JAPANESE: "Tier 1 / Japanese",
    Language.RUSSIAN: "Tier 1 / Russian",
}
# The fixed logins get a bigger share of the work so every demo login has a full portfolio.
LOGIN_WEIGHT = {"agent1": 1.6, "agent2": 1.5, "agent3": 1.5, "customer1": 5.0, "customer2": 5.0}
RESTRICTED_SHARE = 0.12  # of security tickets
REOPEN_SHARE = 0.06
PRIORITY_ORDER = ("low", "normal", "high", "urgent")


class _Picker:
    """Weighted choice by bisection on cumulative weights (random.choices rebuilds them per call)."""

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, weighted: dict | Sequence[tuple[object, float]]):
        pairs = list(weighted.items()) if isinstance(weighted, dict) else list(weighted)
        self.items = [item for item, _ in pairs]
        self.cumulative = list(itertools.accumulate(float(w) for _, w in pairs))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


class _Vars(dict):
    """Template values for one ticket: people's names up front, product details drawn on first use
    and then kept, so every message of a thread names the same version and cluster."""

    __slots__ = ("rng", "values")

    def __init__(
        self, rng: random.Random, base: dict[str, str], values: dict[str, tuple[str, ...]]
    ):
        super().__init__(base)
        self.rng = rng
        self.values = values

    def __missing__(self, key: str) -> str:
        value = self.rng.choice(self.values[key])
        self[key] = value
        return value


class _Horizon(Exception):
    """The simulated ticket reached `now`: what happens later has not happened yet."""


class _State:
    __slots__ = (
        "assignee",
        "channel",
        "closed",
        "front",
        "front_hours",
        "frt",
        "group",
        "lang",
        "number",
        "priority",
        "readers",
        "requester",
        "restricted",
        "solved",
        "status",
        "tier",
        "updated",
        "vars",
    )


# Where text_to_html's paragraph split (a newline, any whitespace, a newline) differs from "\n\n".
_BLANK_LINES = re.compile(r"\n[^\S\n]+\n|\n\n\n")


def _html(text: str) -> str:
    """core.text.text_to_html for the seeder's texts, without its regular expressions when there is
    no web address to link. A test holds the two equal over a seeded desk."""
    if "http" in text or _BLANK_LINES.search(text):
        return text_to_html(text)
    escaped = html.escape(text.strip())
    return (
        "<p>"
        + escaped.replace("\n\n", "\0").replace("\n", "<br>").replace("\0", "</p>\n<p>")
        + "</p>"
    )


def _json_label(value: str) -> str:
    return json.dumps(value)


class DemoDesk:
    """Generates tickets for one cast and writes them in chunks through the database connection."""

    def __init__(
        self,
        cast: Cast,
        *,
        seed: int,
        start: datetime,
        end: datetime,
        progress: Callable[[int, int, float], None] | None = None,
    ):
        self.rng = random.Random(seed)
        self.cast = cast
        self.start_ts = int(start.timestamp())
        self.end_ts = int(end.timestamp())
        self.start = start
        self.end = end
        self.progress = progress
        self.postgres = connection.vendor == "postgresql"
        self.autoclose = settings.TIERDESK_AUTOCLOSE_DAYS * DAY
        self._days: dict[int, str] = {}
        # " HH:MM:SS" for every second of a day: formatting millions of timestamps is then a lookup.
        suffix = "+00:00" if self.postgres else ""
        self._clock = [
            f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{suffix}" for s in range(DAY)
        ]
        self._midnights: dict[tuple[str, date], int] = {}
        self.tickets: list[tuple] = []
        self.messages: list[tuple] = []
        self.events: list[tuple] = []
        self.readers: list[tuple] = []

        companies = [c for c in cast.companies if c.contacts]
        if not companies:
            raise LookupError("The demo cast has no customer contacts.")
        self.pick_company = _Picker(
            [(c, SIZE_WEIGHT[c.size] * PLAN_WEIGHT[c.plan]) for c in companies]
        )
        self.pick_requester = {
            c.id: _Picker([(p, LOGIN_WEIGHT.get(p.username, 1.0)) for p in c.contacts])
            for c in companies
        }
        self.pick_members = {
            name: _Picker([(p, LOGIN_WEIGHT.get(p.username, 1.0)) for p in people])
            for name, people in cast.group_members.items()
            if people
        }
        self.region_values = {region: content.values_for_region(region) for region in REGION_OFFSET}
        self.pick_speakers = {
            (name, lang): _Picker([(p, LOGIN_WEIGHT.get(p.username, 1.0)) for p in speakers])
            for name, people in cast.group_members.items()
            for lang in Language.values
            if (speakers := [p for p in people if lang in p.languages])
        }
        self.pick_type = _Picker(TYPE_WEIGHTS)
        self.pick_channel = _Picker(CHANNEL_WEIGHTS)
        self.pick_priority = {t: _Picker(w) for t, w in PRIORITY_WEIGHTS.items()}
        self.pick_scenario = {
            t: _Picker([(s, AREA_WEIGHTS[s.area]) for s in content.SCENARIOS if s.type == t])
            for t in TYPE_WEIGHTS
        }
        self.pick_weekday_hour = _Picker(list(enumerate(WEEKDAY_HOURS)))
        self.pick_weekend_hour = _Picker(list(enumerate(WEEKEND_HOURS)))
        self.group_label = {gid: _json_label(name) for name, gid in cast.groups.items()}
        self.tags_json = {
            s.key: json.dumps(list(s.tags)) for s in (*content.SCENARIOS, *content.PROACTIVE)
        }
        self.person_label: dict[int, str] = {}
        for company in companies:
            for person in company.contacts:
                self.person_label[person.id] = _json_label(person.name)
        for person in cast.staff.values():
            self.person_label[person.id] = _json_label(person.name)
        self.base_vars = {
            person.id: {
                "first": person.first,
                "last": person.last,
                "name": person.name,
                "company": company.name,
                "plan": company.plan,
            }
            for company in companies
            for person in company.contacts
        }

    # --- rows ----------------------------------------------------------------------------------

    def _dt(self, ts: int) -> str:
        """A timestamp as the database stores it: naive UTC text on SQLite, explicit UTC elsewhere."""
        day, seconds = divmod(ts, DAY)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = datetime.fromtimestamp(day * DAY, UTC).strftime("%Y-%m-%d")
            self._days[day] = prefix
        return prefix + self._clock[seconds]

    def _label_dt(self, ts: int) -> str:
        """A timestamp as an event's to_value: str() of an aware datetime, as tickets.events._label does."""
        text = self._dt(ts)
        return text if self.postgres else text + "+00:00"

    def _event(
        self,
        st: _State,
        ts: int,
        actor_id: int | None,
        kind: str,
        field: str = "",
        old: str = "",
        new: str = "",
        message_id: int | None = None,
        data: str = "{}",
    ) -> None:
        if ts > self.end_ts:
            raise _Horizon
        self.events.append(
            (
                next(self.event_ids),
                st.number,
                actor_id,
                kind,
                field,
                old,
                new,
                message_id,
                data,
                self._dt(ts),
            )
        )
        st.updated = ts

    def _message(
        self, st: _State, ts: int, author: Person, text: str, internal: bool = False
    ) -> None:
        if ts > self.end_ts:
            raise _Horizon
        message_id = next(self.message_ids)
        self.messages.append(
            (
                message_id,
                st.number,
                author.id,
                "internal" if internal else "public",
                st.channel,
                text,
                _html(text),
                self._dt(ts),
            )
        )
        self._event(st, ts, author.id, "note" if internal else "message", message_id=message_id)

    def _change(
        self,
        st: _State,
        ts: int,
        actor: Person | None,
        field: str,
        old: str,
        new: str,
        old_label: str,
        new_label: str,
    ) -> None:
        self._event(
            st,
            ts,
            actor.id if actor else None,
            "changed",
            field,
            old,
            new,
            data=f'{{"from_label": {old_label}, "to_label": {new_label}}}',
        )

    def _status(self, st: _State, ts: int, actor: Person | None, status: str) -> None:
        previous = st.status
        if previous == status:
            return
        self._change(st, ts, actor, "status", previous, status, f'"{previous}"', f'"{status}"')
        st.status = status
        if status == "solved":
            st.solved = ts
        elif status == "closed":
            st.closed = ts
        elif previous == "solved":
            st.solved = None

    def _assign(self, st: _State, ts: int, actor: Person, assignee: Person | None) -> None:
        old = st.assignee
        if (old.id if old else None) == (assignee.id if assignee else None):
            return
        self._change(
            st,
            ts,
            actor,
            "assignee",
            str(old.id) if old else "",
            str(assignee.id) if assignee else "",
            self.person_label[old.id] if old else '""',
            self.person_label[assignee.id] if assignee else '""',
        )
        st.assignee = assignee

    def _move(self, st: _State, ts: int, actor: Person, tier: int, group_id: int) -> None:
        """An escalation as ticket_update records it: tier, then group, then the assignee let go."""
        self._change(st, ts, actor, "tier", str(st.tier), str(tier), f'"{st.tier}"', f'"{tier}"')
        st.tier = tier
        self._change(
            st,
            ts,
            actor,
            "group",
            str(st.group),
            str(group_id),
            self.group_label[st.group],
            self.group_label[group_id],
        )
        st.group = group_id
        self._assign(st, ts, actor, None)

    def _share(self, st: _State, ts: int, actor: Person, person: Person) -> None:
        """ticket_share_restricted: a restricted ticket is named to one more reader before they work on it."""
        if not st.restricted or person.id in st.readers:
            return
        self._event(
            st,
            ts,
            actor.id,
            "changed",
            "restricted_to",
            "",
            str(person.id),
            data=f'{{"to_label": {self.person_label[person.id]}}}',
        )
        st.readers.add(person.id)

    def _staff_reply(
        self, st: _State, ts: int, agent: Person, text: str, status: str | None = None
    ) -> None:
        self._message(st, ts, agent, text)
        if st.frt is None:
            label = f'"{self._label_dt(ts)}"'
            self._change(st, ts, agent, "first_responded_at", "", label[1:-1], '""', label)
            st.frt = ts
        next_status = status or ("open" if st.status == "new" else None)
        if next_status:
            self._status(st, ts, agent, next_status)

    def _customer_reply(self, st: _State, ts: int, text: str) -> None:
        self._message(st, ts, st.requester, text)
        if st.status in ("pending", "solved", "on_hold"):
            self._status(st, ts, st.requester, "open")

    # --- texts ---------------------------------------------------------------------------------

    def _say(
        self,
        st: _State,
        templates: dict[str, tuple[str, ...]] | tuple[str, ...],
        agent: Person | None = None,
        lang: str | None = None,
    ) -> str:
        choices = templates[lang or st.lang] if isinstance(templates, dict) else templates
        template = choices[0] if len(choices) == 1 else self.rng.choice(choices)
        if agent is not None:
            st.vars["agent"] = agent.name
            st.vars["agent_last"] = agent.last or agent.name
        return template.format_map(st.vars)

    def _agent_letter(self, st: _State, agent: Person, core: str) -> str:
        return "\n\n".join(
            (
                self._say(st, content.AGENT_GREETING, agent),
                core,
                self._say(st, content.AGENT_SIGNOFF, agent),
            )
        )

    def _customer_letter(self, st: _State, core: str) -> str:
        if st.channel == "chat":
            return core
        return "\n\n".join(
            (
                self._say(st, content.CUSTOMER_GREETING),
                core,
                self._say(st, content.CUSTOMER_SIGNOFF),
            )
        )

    # --- timing --------------------------------------------------------------------------------

    def _open_at(self, hours: list[int], ts: int) -> int:
        """`ts` if the team (or customer) works then, else a little after their next opening."""
        hour = ts // HOUR
        wait = hours[(hour + _EPOCH_WEEK_SHIFT) % 168]
        if wait == 0:
            return ts
        return (hour + wait) * HOUR + int(self.rng.random() * 1_200)

    def _later(self, hours: list[int], ts: int, median: float, sigma: float = 0.9) -> int:
        return self._open_at(hours, ts + 60 + int(self.rng.lognormvariate(math.log(median), sigma)))

    def _pick(self, group: str) -> Person:
        return self.pick_members[group](self.rng)

    def _pick_speaker(self, group: str, lang: str) -> Person | None:
        """A member of `group` who speaks `lang`, or None when nobody there does."""
        picker = self.pick_speakers.get((group, lang))
        return picker(self.rng) if picker else None

    def _voice(self, st: _State, owner: Person, t: int) -> tuple[Person, int]:
        """Who writes to the customer for `owner`, and when: the owner if they speak the customer's
        language; otherwise the front-line engineer relays the answer in the front line's hours."""
        if st.lang in owner.languages or owner is st.front:
            return owner, t
        return st.front, self._open_at(st.front_hours, t + 600 + int(self.rng.random() * 1_800))

    # --- one ticket ----------------------------------------------------------------------------

    def _ticket(self, number: int, created: int, company: Company, requester: Person) -> None:
        rng = self.rng
        channel = self.pick_channel(rng)
        if channel == "phone" and company.plan in (Plan.BASIC, Plan.STANDARD):
            channel = "email"  # the phone line is a premium and enterprise benefit
        if channel == "proactive":
            scenario = rng.choice(content.PROACTIVE)
        else:
            scenario = self.pick_scenario[self.pick_type(rng)](rng)
        priority = self.pick_priority[scenario.type](rng)
        lang = requester.language
        front_line = FRONT_LINE_FOR_LANGUAGE[lang]

        st = _State()
        st.number = number
        st.status = "new"
        st.priority = priority
        st.tier = 1
        st.group = self.cast.groups[front_line]
        st.assignee = None
        st.frt = st.solved = st.closed = None
        st.updated = created
        st.restricted = False
        st.readers = set()
        st.lang = lang
        st.channel = channel
        st.requester = requester
        st.vars = _Vars(rng, self.base_vars[requester.id], self.region_values[company.region])
        subject = " ".join(scenario.subject[lang].format_map(st.vars).split())[:250]
        st.vars["subject"] = subject
        tags = self.tags_json[scenario.key]

        with contextlib.suppress(_Horizon):
            self._play(st, created, company, scenario, priority, front_line, tags)
        dt = self._dt
        self.tickets.append(
            (
                number,
                subject,
                channel,
                scenario.type,
                scenario.area,
                st.priority,
                st.status,
                st.tier,
                lang,
                tags,
                st.restricted,
                dt(created),
                dt(st.updated),
                dt(st.frt) if st.frt else None,
                dt(st.solved) if st.solved else None,
                dt(st.closed) if st.closed else None,
                st.assignee.id if st.assignee else None,
                st.group,
                company.id,
                requester.id,
            )
        )
        if st.restricted:
            self.readers.extend((number, person_id) for person_id in sorted(st.readers))

    def _play(
        self,
        st: _State,
        created: int,
        company: Company,
        scenario: content.Scenario,
        priority: str,
        front_line: str,
        tags: str,
    ) -> None:
        rng = self.rng
        lang = st.lang
        channel = st.channel
        requester = st.requester
        urgent = priority == "urgent"
        front_hours = TEAM_HOURS["always" if urgent else front_line]

        # Opened: by the customer, or by an engineer for a phone call or a proactive notice.
        if channel == "phone":
            opener = self._pick(front_line)
            text = self._say(st, {lang: (content.PHONE_OPENING[lang],)}) + scenario.body[
                lang
            ].format_map(st.vars)
        elif channel == "proactive":
            opener = self._pick_speaker(BACK_LINE_FOR_AREA[scenario.area], lang) or self._pick(
                front_line
            )
            text = self._agent_letter(st, opener, scenario.body[lang].format_map(st.vars))
        else:
            opener = requester
            text = self._customer_letter(st, scenario.body[lang].format_map(st.vars))
        self._event(
            st,
            created,
            opener.id,
            "created",
            data=(
                f'{{"channel": "{channel}", "type": "{scenario.type}", "priority": "{priority}", '
                f'"product_area": "{scenario.area}", "language": "{lang}", "tags": {tags}, '
                f'"requester": {requester.id}, "group": {st.group}}}'
            ),
        )
        self._message(st, created, opener, text)

        st.front_hours = front_hours
        if channel == "proactive":
            st.front = opener
            self._proactive(st, created, opener, scenario)
            return

        # First touch: the front line claims the ticket in its hours.
        if channel == "phone":
            agent, t = opener, created + 60 + int(rng.random() * 240)
        else:
            median = (
                120
                if channel == "chat"
                else FIRST_RESPONSE_MEDIAN[priority] * PLAN_SPEED[company.plan]
            )
            agent, t = self._pick(front_line), self._later(front_hours, created, median)
        self._assign(st, t, agent, agent)
        st.front = agent
        if scenario.area == "security" and rng.random() < RESTRICTED_SHARE:
            self._change(st, t, agent, "restricted", "false", "true", '"false"', '"true"')
            st.restricted = True
            st.readers.add(agent.id)
            self._message(st, t, agent, content.NOTE_RESTRICTED, internal=True)
        if rng.random() < 0.08:
            index = PRIORITY_ORDER.index(priority)
            new = PRIORITY_ORDER[min(3, index + 1) if rng.random() < 0.6 else max(0, index - 1)]
            if new != priority:
                self._change(st, t, agent, "priority", priority, new, f'"{priority}"', f'"{new}"')
                st.priority = new
        if rng.random() < 0.12:
            self._message(
                st,
                t + 60 + int(rng.random() * 600),
                agent,
                self._say(st, content.NOTE_FRONT_LINE),
                internal=True,
            )
            t += 700

        kind = scenario.type
        if kind == "incident":
            self._staff_reply(
                st,
                t,
                agent,
                self._agent_letter(st, agent, self._say(st, content.AGENT_INCIDENT_ACK)),
            )
            if rng.random() < 0.3:
                # A known failure with a runbook: the front line restores service itself.
                answer = scenario.answer[lang].format_map(st.vars)
                self._resolve(st, self._later(front_hours, t, 40 * 60), agent, answer, confirm=0.2)
                return
            t, owner, answer = self._escalate(
                st,
                t + 300 + int(rng.random() * 900),
                agent,
                scenario,
                urgent=True,
                engineering=rng.random() < 0.2,
            )
            self._resolve(st, t, owner, answer, confirm=0.2)
            return
        if kind == "feature_request":
            answer = self._agent_letter(st, agent, scenario.answer[lang].format_map(st.vars))
            if rng.random() < 0.3:
                self._staff_reply(st, t, agent, answer, status="on_hold")
                self._message(
                    st, t + 30, agent, content.NOTE_ON_HOLD.format_map(st.vars), internal=True
                )
                t = self._later(front_hours, t, 25 * DAY, sigma=0.5)
                self._staff_reply(
                    st,
                    t,
                    agent,
                    self._agent_letter(st, agent, self._say(st, content.AGENT_FEATURE_SHIPPED)),
                    status="solved",
                )
                self._after_solved(st, t, agent)
            else:
                self._staff_reply(st, t, agent, answer, status="solved")
                self._after_solved(st, t, agent)
            return

        # Tuned so that about a fifth of all tickets reach tier 2 and one in twenty engineering,
        # as on a front line that solves what it can.
        roll = rng.random()
        if kind == "question":
            path = "answer" if roll < 0.55 else "ask" if roll < 0.97 else "escalate"
        else:
            path = "answer" if roll < 0.15 else "ask" if roll < 0.88 else "escalate"
        if path == "answer":
            self._resolve(
                st,
                t + 120 + int(rng.random() * 1_500),
                agent,
                scenario.answer[lang].format_map(st.vars),
                confirm=0.35,
            )
            return

        if path == "ask":
            self._staff_reply(
                st,
                t,
                agent,
                self._agent_letter(st, agent, self._say(st, content.ASK_INFO)),
                status="pending",
            )
            customer_hours = CUSTOMER_HOURS[company.region]
            if rng.random() < 0.1:
                t = self._open_at(front_hours, t + 5 * DAY + int(rng.random() * DAY))
                self._staff_reply(
                    st,
                    t,
                    agent,
                    self._agent_letter(st, agent, self._say(st, content.AGENT_NO_RESPONSE)),
                    status="solved",
                )
                self._after_solved(st, t, agent)
                return
            t = self._later(customer_hours, t, 5 * HOUR, sigma=1.0)
            self._customer_reply(st, t, self._say(st, content.CUSTOMER_INFO))
            answer_at = self._later(front_hours, t, 2 * HOUR)
            if rng.random() < 0.1:
                self._customer_reply(
                    st, t + (answer_at - t) * 2 // 3, self._say(st, content.CUSTOMER_CHASER)
                )
            t = answer_at
            escalate = rng.random() < (0.08 if kind == "question" else 0.33)
            if not escalate:
                self._resolve(st, t, agent, scenario.answer[lang].format_map(st.vars), confirm=0.3)
                return

        t, owner, answer = self._escalate(
            st,
            t,
            agent,
            scenario,
            urgent=urgent,
            engineering=rng.random() < (0.15 if kind == "question" else 0.25),
        )
        self._resolve(st, t, owner, answer, confirm=0.3)

    def _escalate(
        self,
        st: _State,
        t: int,
        agent: Person,
        scenario: content.Scenario,
        *,
        urgent: bool,
        engineering: bool,
    ) -> tuple[int, Person, str]:
        """Tier 1 → tier 2 (→ tier 3): the package note, the move, the back line's pick-up and analysis.
        Returns when and by whom the answer is ready, and the answer."""
        rng = self.rng
        back_name = BACK_LINE_FOR_AREA[scenario.area]
        back_hours = TEAM_HOURS["always" if urgent else "back_line"]
        owner = self._pick(back_name)
        # The package is written for its reader: in the ticket's language when the back-line
        # engineer reads it, in English otherwise.
        note_lang = st.lang if st.lang in owner.languages else "en"
        self._message(
            st, t, agent, self._say(st, content.NOTE_ESCALATION, lang=note_lang), internal=True
        )
        self._share(st, t, agent, owner)
        self._move(st, t, agent, 2, self.cast.groups[back_name])
        if not urgent and rng.random() < 0.6:
            self._staff_reply(
                st, t, agent, self._agent_letter(st, agent, self._say(st, content.AGENT_ESCALATED))
            )
        t = self._later(back_hours, t, 900 if urgent else 3 * HOUR)
        self._assign(st, t, owner, owner)
        t += 300 + int(rng.random() * 2_400)
        self._message(st, t, owner, self._say(st, content.NOTE_BACK_LINE, lang="en"), internal=True)
        if not engineering:
            t = self._later(back_hours, t, HOUR if urgent else 18 * HOUR)
            return t, owner, scenario.answer[st.lang].format_map(st.vars)

        eng_name = ENGINEERING_FOR_AREA.get(scenario.area, ENGINEERING_DEFAULT)
        eng_hours = TEAM_HOURS["always" if urgent else "engineering"]
        t = self._later(back_hours, t, HOUR if urgent else 6 * HOUR)
        self._message(
            st, t, owner, self._say(st, content.NOTE_TO_ENGINEERING, lang="en"), internal=True
        )
        engineer = self._pick(eng_name)
        self._share(st, t, owner, engineer)
        self._move(st, t, owner, 3, self.cast.groups[eng_name])
        if rng.random() < 0.7:
            voice, t = self._voice(st, owner, t)
            self._staff_reply(
                st,
                t,
                voice,
                self._agent_letter(st, voice, self._say(st, content.ENGINEERING_UNDER_WAY)),
                status="on_hold" if rng.random() < 0.4 else None,
            )
        t = self._later(eng_hours, t, 2 * HOUR if urgent else DAY)
        self._assign(st, t, engineer, engineer)
        t = self._later(eng_hours, t, 3 * HOUR if urgent else 3 * DAY)
        self._message(
            st, t, engineer, self._say(st, content.NOTE_ENGINEERING, lang="en"), internal=True
        )
        t += 600 + int(rng.random() * 3_000)
        return t, engineer, self._say(st, content.ENGINEERING_FIX)

    def _resolve(self, st: _State, t: int, owner: Person, answer: str, *, confirm: float) -> None:
        """The owner answers (through the front line if the owner does not speak the customer's
        language): solved at once, or pending until the customer confirms, marks it solved in the
        portal, or stays silent."""
        rng = self.rng
        owner, t = self._voice(st, owner, t)
        if rng.random() >= confirm:
            self._staff_reply(st, t, owner, self._agent_letter(st, owner, answer), status="solved")
            self._after_solved(st, t, owner)
            return
        core = answer + "\n\n" + self._say(st, content.AGENT_CONFIRM_ASK)
        self._staff_reply(st, t, owner, self._agent_letter(st, owner, core), status="pending")
        region = self.cast_region(st)
        roll = rng.random()
        if roll < 0.75:
            t = self._later(CUSTOMER_HOURS[region], t, 6 * HOUR, sigma=1.0)
            self._customer_reply(
                st, t, self._customer_letter(st, self._say(st, content.CUSTOMER_CONFIRMS))
            )
            t = self._later(TEAM_HOURS["always"], t, 40 * 60)
            self._staff_reply(
                st,
                t,
                owner,
                self._agent_letter(st, owner, self._say(st, content.AGENT_CLOSING)),
                status="solved",
            )
        elif roll < 0.87:
            t = self._later(CUSTOMER_HOURS[region], t, 8 * HOUR, sigma=1.0)
            self._status(st, t, st.requester, "solved")
        else:
            t = t + 5 * DAY + int(rng.random() * DAY)
            self._staff_reply(
                st,
                t,
                owner,
                self._agent_letter(st, owner, self._say(st, content.AGENT_NO_RESPONSE)),
                status="solved",
            )
        self._after_solved(st, t, owner)

    def _after_solved(self, st: _State, t: int, owner: Person) -> None:
        """A few customers write back that the problem returned; the rest close on the autoclose sweep."""
        rng = self.rng
        if rng.random() < REOPEN_SHARE:
            back = t + int(rng.lognormvariate(math.log(20 * HOUR), 0.8))
            if back < t + self.autoclose:
                self._customer_reply(
                    st, back, self._customer_letter(st, self._say(st, content.CUSTOMER_REOPEN))
                )
                t = self._later(TEAM_HOURS["always"], back, 3 * HOUR)
                self._staff_reply(
                    st,
                    t,
                    owner,
                    self._agent_letter(st, owner, self._say(st, content.AGENT_AFTER_REOPEN)),
                    status="solved",
                )
        # The worker's autoclose sweep runs every 15 minutes: a ticket closes within 15 minutes of its due time.
        self._status(st, st.solved + self.autoclose + 60 + int(rng.random() * 900), None, "closed")

    def _proactive(
        self, st: _State, created: int, engineer: Person, scenario: content.Scenario
    ) -> None:
        rng = self.rng
        self._assign(st, created, engineer, engineer)
        region = self.cast_region(st)
        if rng.random() < 0.7:
            t = self._later(CUSTOMER_HOURS[region], created, 6 * HOUR, sigma=1.0)
            self._customer_reply(
                st, t, self._customer_letter(st, self._say(st, content.PROACTIVE_REPLY))
            )
            t = self._later(TEAM_HOURS["back_line"], t, DAY, sigma=0.6)
            answer = self._agent_letter(st, engineer, scenario.answer[st.lang].format_map(st.vars))
            self._staff_reply(st, t, engineer, answer, status="solved")
        else:
            t = created + 7 * DAY + int(rng.random() * DAY)
            self._staff_reply(
                st,
                t,
                engineer,
                self._agent_letter(st, engineer, self._say(st, content.AGENT_NO_RESPONSE)),
                status="solved",
            )
        self._after_solved(st, t, engineer)

    def cast_region(self, st: _State) -> str:
        return self._region_of[st.requester.organization_id]

    # --- arrivals ------------------------------------------------------------------------------

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

    def _daily_counts(self, total: int, days: list[date]) -> list[int]:
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

    def arrivals(self, total: int):
        """(time, company, requester) in time order, exactly `total` of them, between start and end."""
        rng = self.rng
        first_day = self.start.date()
        last_day = datetime.fromtimestamp(self.end_ts - 1, UTC).date()
        days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
        pending: list[tuple[int, int, Company, Person]] = []
        sequence = 0
        for day, count in zip(days, self._daily_counts(total, days), strict=True):
            weekend = day.weekday() >= 5
            pick_hour = self.pick_weekend_hour if weekend else self.pick_weekday_hour
            for _ in range(count):
                company = self.pick_company(rng)
                requester = self.pick_requester[company.id](rng)
                midnight = self._midnight(company.region, day)
                for _attempt in range(8):
                    ts = midnight + pick_hour(rng) * HOUR + int(rng.random() * HOUR)
                    if self.start_ts <= ts < self.end_ts:
                        break
                else:
                    ts = min(max(ts, self.start_ts), self.end_ts - 1)
                pending.append((ts, sequence, company, requester))
                sequence += 1
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

    # --- writing -------------------------------------------------------------------------------

    def chunks(self, total: int, first_number: int) -> Iterator[_Chunk]:
        """The tickets in time order, CHUNK_TICKETS at a time with their messages, events and
        readers. Pure computation: it never touches the database, so it can run in another process."""
        number = first_number
        for ts, company, requester in self.arrivals(total):
            self._ticket(number, ts, company, requester)
            number += 1
            if len(self.tickets) >= CHUNK_TICKETS:
                yield self._take()
        if self.tickets:
            yield self._take()

    def _take(self) -> _Chunk:
        chunk = (self.tickets, self.messages, self.events, self.readers)
        self.tickets, self.messages, self.events, self.readers = [], [], [], []
        return chunk

    def run(self, total: int) -> SeedReport:
        started = time.perf_counter()
        self._region_of = {c.id: c.region for c in self.cast.companies}
        with connection.cursor() as cursor:
            first_number = self._next_id(cursor, Ticket._meta.db_table, "number")
            self.message_ids = itertools.count(self._next_id(cursor, Message._meta.db_table, "id"))
            self.event_ids = itertools.count(
                self._next_id(cursor, TicketEvent._meta.db_table, "id")
            )
        if _can_fork():
            source = _in_child_process(self.chunks, total, first_number)
        else:
            source = self.chunks(total, first_number)
        written = [0, 0, 0]
        reported = 0.0
        with _bulk_session():
            for chunk in source:
                _write(chunk)
                written = [
                    written[0] + len(chunk[0]),
                    written[1] + len(chunk[1]),
                    written[2] + len(chunk[2]),
                ]
                elapsed = time.perf_counter() - started
                # A line every few seconds, and the last one: a million tickets are 200 chunks.
                if self.progress and (elapsed >= reported + 2 or written[0] == total):
                    self.progress(written[0], total, elapsed)
                    reported = elapsed
            self._finish()
        return SeedReport(
            tickets=written[0],
            messages=written[1],
            events=written[2],
            seconds=time.perf_counter() - started,
            start=self.start,
            end=self.end,
        )

    @staticmethod
    def _next_id(cursor, table: str, column: str) -> int:
        cursor.execute(f"SELECT MAX({column}) FROM {table}")
        current = cursor.fetchone()[0]
        return (current or 0) + 1

    def _finish(self) -> None:
        with connection.cursor() as cursor:
            # Ids were given explicitly: move PostgreSQL's sequences past them (SQLite's
            # AUTOINCREMENT bookkeeping follows explicit ids by itself).
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [Ticket, Message, TicketEvent]
            ):
                cursor.execute(sql)
            # Fresh statistics let the planner pick the list indexes on the new volume.
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA analysis_limit=1000")
                cursor.execute("ANALYZE")
            elif connection.vendor == "postgresql":
                for model in (Ticket, Message, TicketEvent):
                    cursor.execute(f"ANALYZE {model._meta.db_table}")


TICKET_COLUMNS = (
    "number",
    "subject",
    "channel",
    "type",
    "product_area",
    "priority",
    "status",
    "tier",
    "language",
    "tags",
    "restricted",
    "created_at",
    "updated_at",
    "first_responded_at",
    "solved_at",
    "closed_at",
    "assignee_id",
    "group_id",
    "organization_id",
    "requester_id",
)
MESSAGE_COLUMNS = (
    "id",
    "ticket_id",
    "author_id",
    "kind",
    "channel",
    "body_text",
    "body_html",
    "created_at",
)
EVENT_COLUMNS = (
    "id",
    "ticket_id",
    "actor_id",
    "kind",
    "field",
    "from_value",
    "to_value",
    "message_id",
    "data",
    "created_at",
)


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    quote = connection.ops.quote_name
    return (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )


def _write(chunk: _Chunk) -> None:
    """One chunk in one transaction: each table in one executemany, or one COPY on PostgreSQL."""
    tickets, messages, events, readers = chunk
    tables = [
        (Ticket._meta.db_table, TICKET_COLUMNS, tickets),
        (Message._meta.db_table, MESSAGE_COLUMNS, messages),
        (TicketEvent._meta.db_table, EVENT_COLUMNS, events),
        (Ticket.restricted_to.through._meta.db_table, ("ticket_id", "user_id"), readers),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns, rows in tables:
            if not rows:
                continue
            if connection.vendor == "postgresql":
                _copy(cursor, table, columns, rows)
            else:
                cursor.executemany(_insert_sql(table, columns), rows)


def _copy(cursor, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """Rows through psycopg's COPY: a round trip per statement makes executemany several times
    slower there. The values are the ones executemany would send (text timestamps and JSON)."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _can_fork() -> bool:
    """Whether generation may move to a child process: not inside a transaction (a test's), whose
    rows another connection could not see, and not on an in-memory database."""
    if not hasattr(os, "fork") or connection.in_atomic_block:
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


def _in_child_process(
    produce: Callable[[int, int], Iterator[_Chunk]], total: int, first_number: int
) -> Iterator[_Chunk]:
    """Runs `produce` in a forked process and yields its chunks here: Python builds the next chunk
    on one core while the database writes the last one on the other. Same output as in-process,
    since the child starts from this process's random state."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=2)
    # The child must not share this process's database connection; both reconnect when needed.
    connections.close_all()
    child = context.Process(
        target=_produce, args=(produce, total, first_number, queue), daemon=True
    )
    child.start()
    try:
        while True:
            try:
                item = queue.get(timeout=5)
            except Empty:
                if not child.is_alive():
                    raise RuntimeError(
                        f"The demo data generator died (exit status {child.exitcode})."
                    ) from None
                continue
            if item is None:
                return
            if isinstance(item, str):
                raise RuntimeError("The demo data generator failed:\n" + item)
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join()


def _produce(
    produce: Callable[[int, int], Iterator[_Chunk]], total: int, first_number: int, queue
) -> None:
    try:
        for chunk in produce(total, first_number):
            queue.put(chunk)
        queue.put(None)
    except BaseException:
        queue.put(traceback.format_exc())
    finally:
        queue.close()
        queue.join_thread()


def seed_demo(
    *,
    tickets: int,
    seed: int = 1,
    now: datetime | None = None,
    append: bool = False,
    progress: Callable[[int, int, float], None] | None = None,
) -> SeedReport:
    """Writes the demo cast (if missing) and `tickets` tickets over the six months before `now`.

    Raises DemoDataExists when the database already holds tickets, unless `append` is set. The
    same seed and `now` give the same desk on an empty database.
    """
    if tickets < 0:
        raise ValueError("The number of tickets cannot be negative.")
    if not append and demo_tickets_present():
        raise DemoDataExists(
            f"The database already holds {Ticket.objects.count():,} tickets. Seed into an empty data folder "
            "(TIERDESK_DATA_DIR), or pass --append to add more tickets to this desk."
        )
    start, end = demo_period(now)
    cast = cast_ensure(joined_at=start - timedelta(days=30))
    return DemoDesk(cast, seed=seed, start=start, end=end, progress=progress).run(tickets)


class _bulk_session:
    """SQLite settings for the load, restored afterwards since the connection may live on (tests):
    a larger page cache, so index pages stay in memory between batches, and no foreign-key
    lookups per row — the generator only names rows it wrote or the cast it loaded, which the
    tests check with the constraints on. (SQLite cannot switch them inside a transaction, so
    inside one they stay on.)"""

    def __enter__(self) -> None:
        self.previous_cache = None
        self.constraints_off = False
        if connection.vendor != "sqlite":
            return
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            self.previous_cache = cursor.fetchone()[0]
            cursor.execute("PRAGMA cache_size=-1048576")
        if not connection.in_atomic_block:
            self.constraints_off = connection.disable_constraint_checking()

    def __exit__(self, *exc) -> None:
        if self.constraints_off:
            connection.enable_constraint_checking()
        if self.previous_cache is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size={int(self.previous_cache)}")
