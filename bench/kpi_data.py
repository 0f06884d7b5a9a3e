# ruff: noqa: RUF001 - Russian texts on purpose.
"""A realistic support desk history for the team-KPI benchmark, written in bulk: a million tickets
on SQLite in a few minutes.

`setup_django(data_dir)` points Django at the embedded default (SQLite in `data_dir`) and
migrates; `build(tickets, weeks=104, seed=7, now=...)` writes the cast through the ORM (about 300
organizations and their contacts, 60 staff at tiers 1 to 3, 8 skill groups; the SLA calendars and
policies the migrations create are used as they are) and then the tickets' history with raw
SQLite executemany, one transaction per chunk of 5,000 tickets, generated in a forked process
while the main process writes.

Each ticket is simulated event by event, as tickets.services and escalations.services record
them: created, the opening message, the first staff reply (first_responded_at change, new to
open or pending), customer and staff exchanges (pending to open on the customer's answer, on
hold and back), reroutes between front-line groups, escalations to tier 2 and on to tier 3
(requested, accepted with the tier and group change, resolved with an internal note and the
change back, or withdrawn), the solve, reopens by the customer (solved to open) and the close by
the autoclose sweep four days after the last solve. Chat tickets are a few lines a minute apart.
Nothing after `now` happens: the ticket keeps the state it had then, so recent tickets are more
often unsolved. Arrivals follow each region's working week (weekdays 08-18 local busiest).

The ticket columns (status, tier, group, first_responded_at, solved_at, closed_at, updated_at)
are those the events leave, and each ticket gets its stopped first-response and resolution SLA
clocks on the migrations' policies (first matching policy per metric, the customer region's
calendar as a fixed UTC offset taken at the ticket's creation, no holidays).
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import html
import itertools
import json
import math
import multiprocessing
import os
import random
import sqlite3
import sys
import time
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from queue import Empty
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

CHUNK = 5000
DAY = 86400
WEEK = 7 * DAY
# Business hours 09:00-18:00 on weekdays, as the migrations' region calendars.
OPEN_AT, OPEN_SECONDS = 9 * 3600, 9 * 3600
WEEK_BUSINESS = 5 * OPEN_SECONDS
MONDAY = 4 * DAY  # 1970-01-05, the first Monday of the epoch

CHANNELS = (
    ("email", 45),
    ("portal", 25),
    ("chat", 15),
    ("phone", 8),
    ("api", 5),
    ("proactive", 2),
)
TYPES = (("question", 45), ("problem", 38), ("incident", 10), ("feature_request", 7))
PRIORITIES = (("low", 15), ("normal", 60), ("high", 20), ("urgent", 5))
AREAS = (
    ("query_engine", 22),
    ("ingestion", 18),
    ("integrations", 14),
    ("dashboards", 16),
    ("api", 10),
    ("administration", 10),
    ("billing", 6),
    ("security", 4),
)
# Region: share of organizations, language, time zone (the migrations' calendar of the region).
REGIONS = {
    "americas": (35, "en", "America/New_York"),
    "emea": (15, "en", "Europe/London"),
    "japan": (25, "ja", "Asia/Tokyo"),
    "russia": (15, "ru", "Europe/Moscow"),
    "apac": (10, "en", "Asia/Singapore"),
}
PLANS = (("basic", 30), ("standard", 40), ("premium", 20), ("enterprise", 10))
# Arrivals by local weekday (Monday first) and local hour.
WEEKDAY_WEIGHTS = (1.1, 1.05, 1.0, 0.95, 0.85, 0.18, 0.12)
HOUR_WEIGHTS = (
    *(0.12,) * 6,
    0.3,
    0.7,
    1.5,
    2.0,
    2.1,
    2.0,
    1.4,
    1.8,
    2.0,
    1.9,
    1.7,
    1.3,
    0.7,
    0.45,
    0.35,
    0.3,
    0.2,
    0.15,
)
# Skill groups: (name, tier, product areas, region of a front-line group).
GROUPS = (
    ("Front line Americas", 1, (), "americas"),
    ("Front line EMEA and APAC", 1, (), "emea"),
    ("Front line Japan", 1, (), "japan"),
    ("Front line Russia", 1, (), "russia"),
    ("Data platform (tier 2)", 2, ("query_engine", "ingestion"), ""),
    ("Apps and integrations (tier 2)", 2, ("integrations", "dashboards", "api"), ""),
    ("Accounts and security (tier 2)", 2, ("administration", "billing", "security"), ""),
    ("Engineering", 3, (), ""),
)
FRONT_LINE_OF = {"americas": 0, "emea": 1, "apac": 1, "japan": 2, "russia": 3}
# Staff: (count, role, tier, first group index or None).
STAFF = ((36, "agent", 1, 0), (14, "agent", 2, 4), (6, "agent", 3, 7), (4, "manager", 2, None))
UNSOLVED = frozenset({"new", "open", "pending", "on_hold"})

TICKET_COLUMNS = (
    "number", "subject", "channel", "type", "product_area", "priority", "status", "tier",
    "language", "tags", "restricted", "created_at", "updated_at", "first_responded_at",
    "solved_at", "closed_at", "assignee_id", "group_id", "organization_id", "requester_id",
    "escalation_flag", "reactivated_at",
)  # fmt: skip
MESSAGE_COLUMNS = (
    "id", "ticket_id", "author_id", "kind", "channel", "body_text", "body_html", "created_at",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "ticket_id", "actor_id", "kind", "field", "from_value", "to_value", "message_id",
    "data", "created_at",
)  # fmt: skip
ESCALATION_COLUMNS = (
    "id", "ticket_id", "from_tier", "to_tier", "group_id", "from_group_id", "status",
    "requested_by_id", "accepted_by_id", "summary", "customer_impact", "steps_to_reproduce",
    "expected_result", "actual_result", "environment", "tried", "links", "return_reason",
    "resolution", "withdraw_reason", "created_at", "accepted_at", "returned_at", "resolved_at",
    "withdrawn_at",
)  # fmt: skip
CLOCK_COLUMNS = (
    "ticket_id", "metric", "cycle", "policy_id", "policy_name", "target_id", "target_seconds",
    "business_hours", "calendar_id", "goal_percent", "started_at", "stopped_at", "due_at",
    "warn_at", "state", "outcome", "decided_at", "elapsed_seconds", "remaining_seconds",
    "channel", "priority", "group_id", "history", "computed_at", "warned_at",
    "breach_recorded_at",
)  # fmt: skip
TABLES = (
    ("tickets_ticket", TICKET_COLUMNS),
    ("tickets_message", MESSAGE_COLUMNS),
    ("tickets_ticketevent", EVENT_COLUMNS),
    ("escalations_escalation", ESCALATION_COLUMNS),
    ("sla_slaclock", CLOCK_COLUMNS),
)

# --- what people write -------------------------------------------------------------------------

TEXT = {
    "subject": {
        "en": [
            "{area}: query fails with error {code}",
            "{area} stopped working after the upgrade",
            "How do I configure {area} for a second workspace?",
            "Slow response in {area} since this morning",
            "{area}: unexpected result on large accounts",
            "Question about {area} limits",
        ],
        "ja": ["{area}でエラー{code}が発生します", "{area}の設定方法について", "{area}が遅い"],
        "ru": ["{area}: ошибка {code}", "Вопрос по настройке {area}", "{area} работает медленно"],
    },
    "opening": {
        "en": [
            "Since yesterday we get error {code} when we run the nightly job. Can you help?",
            "Our team cannot finish the setup; the page shows error {code}.",
            "We need to know how to change this setting for all our users.",
            "The export is much slower than last week. Nothing changed on our side.",
        ],
        "ja": ["昨日からエラー{code}が出ます。確認をお願いします。", "設定方法を教えてください。"],
        "ru": [
            "Со вчерашнего дня получаем ошибку {code}. Помогите, пожалуйста.",
            "Как это настроить?",
        ],
    },
    "staff": {
        "en": [
            "Thanks for the details. Could you send us the job id and the time it failed?",
            "We reproduced it and are looking into it; we will update you shortly.",
            "This is fixed by changing the timeout in the workspace settings; please try it.",
            "The fix is deployed. Could you confirm it works for you now?",
        ],
        "ja": [
            "詳細をありがとうございます。ジョブIDを送っていただけますか。",
            "修正を適用しました。",
        ],
        "ru": [
            "Спасибо за подробности. Пришлите, пожалуйста, ID задания.",
            "Исправление выпущено.",
        ],
    },
    "customer": {
        "en": [
            "Here is the job id you asked for. It failed again at 02:10.",
            "Thanks, that worked.",
            "It still happens for some of our users.",
            "Any news on this?",
        ],
        "ja": [
            "ジョブIDを送ります。",
            "ありがとうございます。解決しました。",
            "まだ発生しています。",
        ],
        "ru": ["Вот ID задания.", "Спасибо, заработало.", "Проблема всё ещё есть."],
    },
    "chat_customer": {
        "en": ["Hi, quick question", "ok", "let me check", "yes, that one", "thanks!"],
        "ja": ["こんにちは", "はい", "確認します", "ありがとうございます"],
        "ru": ["Здравствуйте", "да", "сейчас проверю", "спасибо!"],
    },
    "chat_staff": {
        "en": [
            "Hi, happy to help",
            "Which workspace is it?",
            "Try reloading now",
            "Anything else?",
        ],
        "ja": ["こんにちは、お手伝いします", "どのワークスペースですか", "再読み込みしてください"],
        "ru": ["Здравствуйте, помогу", "Какое рабочее пространство?", "Обновите страницу"],
    },
}
NOTES = {
    "resolved": "Escalation to tier {tier} resolved: root cause found, fix documented in the "
    "ticket.",
    "withdrawn": "Escalation to tier {tier} withdrawn: reproduced a configuration issue at tier 1.",
}


def _pair(text: str) -> tuple[str, str]:
    return text, "<p>" + html.escape(text) + "</p>"


class Texts:
    """Message bodies with their HTML, picked by kind and language; codes filled in once each."""

    def __init__(self, rng: random.Random) -> None:
        codes = [f"E{rng.randint(1000, 9999)}" for _ in range(12)]
        self.pools = {
            (kind, lang): [_pair(t.format(code=c)) for t in templates for c in codes[:3]]
            for kind, by_lang in TEXT.items()
            if kind != "subject"
            for lang, templates in by_lang.items()
        }
        self.subjects = {
            (lang, area): [
                t.format(area=area.replace("_", " ").title(), code=c)
                for t in templates
                for c in codes
            ]
            for lang, templates in TEXT["subject"].items()
            for area, _w in AREAS
        }


# --- time ---------------------------------------------------------------------------------------


class Stamps:
    """Integer UTC seconds as Django's SQLite text ("2024-06-05 15:00:00"), with cached days."""

    def __init__(self) -> None:
        self.hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]
        self.days: dict[int, str] = {}

    def day(self, t: int) -> str:
        d = t // DAY
        text = self.days.get(d)
        if text is None:
            text = self.days[d] = datetime.fromtimestamp(d * DAY, UTC).strftime("%Y-%m-%d")
        return text

    def __call__(self, t: int | None) -> str | None:
        if t is None:
            return None
        text = self.days.get(t // DAY) or self.day(t)
        return text + " " + self.hms[t % DAY]

    def iso(self, t: int) -> str:
        return self.day(t) + "T" + self.hms[t % DAY] + "+00:00"

    def aware(self, t: int) -> str:
        """str() of an aware datetime, as events store first_responded_at."""
        return self.day(t) + " " + self.hms[t % DAY] + "+00:00"


def business(t: int, offset: int) -> int:
    """Business seconds (weekdays 09-18 local at a fixed UTC offset) from the epoch to t."""
    weeks, rest = divmod(t + offset - MONDAY, WEEK)
    day, second = divmod(rest, DAY)
    total = weeks * WEEK_BUSINESS
    if day >= 5:
        return total + WEEK_BUSINESS
    return total + day * OPEN_SECONDS + min(max(second - OPEN_AT, 0), OPEN_SECONDS)


def business_instant(amount: int, offset: int) -> int:
    """The first instant at which `business` reaches `amount` (a day's opening, not the close
    before, when it falls on a day boundary)."""
    weeks, rest = divmod(amount, WEEK_BUSINESS)
    day, second = divmod(rest, OPEN_SECONDS)
    return weeks * WEEK + day * DAY + OPEN_AT + second + MONDAY - offset


class Horizon(Exception):
    """The simulated ticket reached `now`: what happens later has not happened yet."""


# --- the cast -------------------------------------------------------------------------------------


def make_cast(seed: int) -> dict:
    """Organizations and contacts, staff and skill groups through the ORM, and the SLA targets
    the migrations created, as plain ids for the generator."""
    from tierdesk.accounts.models import Organization

    if Organization.objects.filter(name="KPI Customer 0000").exists():
        raise RuntimeError("This database already holds a KPI desk; build into a fresh data dir.")
    rng = random.Random(seed)
    groups = _make_groups()
    staff = _make_staff(groups)
    orgs = _make_organizations(rng)
    return {
        "groups": groups,
        "staff": staff,
        "organizations": orgs,
        "policies": _policies(),
        "calendars": _calendars(),
    }


def _make_groups() -> list[dict]:
    from tierdesk.accounts.models import SkillGroup

    rows = SkillGroup.objects.bulk_create(
        SkillGroup(name=name, tier=tier, region=region, product_area=areas[0] if areas else "")
        for name, tier, areas, region in GROUPS
    )
    return [
        {"id": g.pk, "name": g.name, "tier": g.tier, "areas": areas}
        for g, (_n, _t, areas, _r) in zip(rows, GROUPS, strict=True)
    ]


def _make_staff(groups: list[dict]) -> list[dict]:
    from django.contrib.auth.hashers import make_password

    from tierdesk.accounts.models import User

    password = make_password(None)
    specs = []
    for count, role, tier, first_group in STAFF:
        for k in range(count):
            if first_group is None:
                group = None
            elif tier == 1:
                group = k % 4
            elif tier == 2:
                group = 4 + k % 3
            else:
                group = 7
            specs.append((role, tier, group))
    users = User.objects.bulk_create(
        User(
            username=f"kpi-staff{k:02d}",
            email=f"kpi-staff{k:02d}@lumora.example",
            role=role,
            tier=tier,
            is_staff=True,
            language=("en", "en", "ja", "ru")[group % 4 if group is not None else 0],
            password=password,
        )
        for k, (role, tier, group) in enumerate(specs)
    )
    through = User.skill_groups.through
    through.objects.bulk_create(
        through(user_id=u.pk, skillgroup_id=groups[g]["id"])
        for u, (_r, _t, g) in zip(users, specs, strict=True)
        if g is not None
    )
    return [
        {"id": u.pk, "tier": tier, "group": g, "role": role}
        for u, (role, tier, g) in zip(users, specs, strict=True)
    ]


def _make_organizations(rng: random.Random) -> list[dict]:
    from django.contrib.auth.hashers import make_password

    from tierdesk.accounts.models import Organization, User

    names = list(REGIONS)
    weights = [REGIONS[r][0] for r in names]
    plans, plan_weights = zip(*PLANS, strict=True)
    orgs = Organization.objects.bulk_create(
        Organization(
            name=f"KPI Customer {i:04d}",
            email_domains=[f"k{i}.example"],
            plan=rng.choices(plans, plan_weights)[0],
            region=rng.choices(names, weights)[0],
        )
        for i in range(300)
    )
    password = make_password(None)
    contacts = User.objects.bulk_create(
        User(
            username=f"kpi-c{o.pk}-{k}",
            email=f"user{k}@k{o.pk}.example",
            role="customer",
            organization=o,
            region=o.region,
            language=REGIONS[o.region][1],
            password=password,
        )
        for o in orgs
        for k in range(rng.randint(2, 9))
    )
    by_org: dict[int, list[int]] = {}
    for c in contacts:
        by_org.setdefault(c.organization_id, []).append(c.pk)
    return [
        {"id": o.pk, "region": o.region, "plan": o.plan, "contacts": by_org[o.pk]} for o in orgs
    ]


def _policies() -> list[dict]:
    from tierdesk.sla.models import SlaPolicy

    return [
        {
            "id": p.pk,
            "name": p.name,
            "plans": p.plans,
            "channels": p.channels,
            "priorities": p.priorities,
            "calendar": p.calendar_id,
            "targets": {
                t.metric: (t.pk, t.seconds, t.business_hours, str(t.goal_percent))
                for t in p.targets.all()
            },
        }
        for p in SlaPolicy.objects.filter(active=True).prefetch_related("targets")
    ]


def _calendars() -> dict:
    from tierdesk.sla.models import BusinessCalendar

    calendars = list(BusinessCalendar.objects.all())
    default = next((c.pk for c in calendars if c.is_default), None)
    by_region = {r: c.pk for c in calendars for r in c.regions or []}
    return {r: by_region.get(r, default) for r in REGIONS}


def target_for(cast: dict, metric: str, plan: str, channel: str, priority: str) -> tuple | None:
    """The first active policy, in order, matching the ticket and setting `metric`."""
    for p in cast["policies"]:
        if metric not in p["targets"]:
            continue
        if p["plans"] and plan not in p["plans"]:
            continue
        if p["channels"] and channel not in p["channels"]:
            continue
        if p["priorities"] and priority not in p["priorities"]:
            continue
        return (p["id"], p["name"], p["calendar"], *p["targets"][metric])
    return None


# --- arrivals -------------------------------------------------------------------------------------


def arrivals(total: int, weeks: int, now: int, rng: random.Random, cast: dict) -> Iterator:
    """(created, organization) in time order: `total` tickets over the `weeks` weeks before `now`,
    growing ~40% over the period, each at a local weekday and hour of its organization's region."""
    start = now - weeks * WEEK
    first = (start - MONDAY) // WEEK * WEEK + MONDAY
    week_starts = list(range(first, now, WEEK))
    shares = [
        (min(w + WEEK, now) - max(w, start)) / WEEK * (1 + 0.4 * (w - first) / (now - first))
        for w in week_starts
    ]
    counts = _apportion(total, shares)
    orgs = cast["organizations"]
    org_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(orgs))]
    for week, count in zip(week_starts, counts, strict=True):
        batch = []
        for org in rng.choices(orgs, org_weights, k=count):
            batch.append((_arrival(week, max(week, start), min(week + WEEK, now), org, rng), org))
        batch.sort(key=lambda item: item[0])
        yield from batch


def _apportion(total: int, shares: list[float]) -> list[int]:
    whole = sum(shares)
    exact = [total * s / whole for s in shares]
    counts = [int(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _arrival(week: int, low: int, high: int, org: dict, rng: random.Random) -> int:
    offset = org["offset"]
    for _ in range(50):
        day = rng.choices(range(7), WEEKDAY_WEIGHTS)[0]
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        t = week + day * DAY + hour * 3600 + rng.randrange(3600) - offset
        if low <= t < high:
            return t
    return rng.randrange(low, high)


# --- one ticket's life ----------------------------------------------------------------------------


class Sim:
    """A ticket as the simulation has left it so far."""

    __slots__ = (
        "area",
        "assignee",
        "channel",
        "closed",
        "created",
        "escalations",
        "frt",
        "group",
        "lang",
        "number",
        "offset",
        "org",
        "priority",
        "reactivated",
        "requester",
        "solved",
        "status",
        "status_log",
        "tier",
        "type",
        "updated",
    )


class Generator:
    """Chunks of rows for every table, one ticket at a time, ids counted from `first`."""

    def __init__(self, cast: dict, *, seed: int, now: int, first: dict) -> None:
        self.rng = random.Random(seed)
        self.cast, self.now = cast, now
        self.stamp = Stamps()
        self.texts = Texts(self.rng)
        self.ids = dict(first)
        self.staff_of_group: dict[int, list[int]] = {}
        for s in cast["staff"]:
            if s["group"] is not None:
                self.staff_of_group.setdefault(s["group"], []).append(s["id"])
        self.staff_of_tier = {
            tier: [s["id"] for s in cast["staff"] if s["tier"] == tier] for tier in (1, 2, 3)
        }
        self.group_ids = [g["id"] for g in cast["groups"]]
        self.group_names = {g["id"]: g["name"] for g in cast["groups"]}
        self.tier2_of_area = {a: i for i, g in enumerate(cast["groups"]) for a in g["areas"]}
        self.labels: dict[tuple, str] = {}
        self.targets: dict[tuple, tuple] = {}
        self.rows: tuple[list, ...] = ([], [], [], [], [])

    def _next(self, name: str) -> int:
        value = self.ids[name]
        self.ids[name] = value + 1
        return value

    # --- the run ------------------------------------------------------------------------------

    def chunks(self, total: int, weeks: int) -> Iterator[tuple[list, ...]]:
        for org in self.cast["organizations"]:
            zone = ZoneInfo(REGIONS[org["region"]][2])
            org["zone"] = zone
            org["offset"] = int(
                datetime.fromtimestamp(self.now, UTC).astimezone(zone).utcoffset().total_seconds()
            )
        for created, org in arrivals(total, weeks, self.now, self.rng, self.cast):
            self.ticket(created, org)
            if len(self.rows[0]) == CHUNK:
                yield self.rows
                self.rows = ([], [], [], [], [])
        if self.rows[0]:
            yield self.rows

    def ticket(self, created: int, org: dict) -> None:
        sim = self._start(created, org)
        with contextlib.suppress(Horizon):
            self._life(sim)
        self._finish(sim)

    def _start(self, created: int, org: dict) -> Sim:
        rng = self.rng
        sim = Sim()
        sim.number = self._next("ticket")
        sim.created = sim.updated = created
        sim.org = org
        sim.offset = int(
            datetime.fromtimestamp(created, UTC).astimezone(org["zone"]).utcoffset().total_seconds()
        )
        sim.requester = rng.choice(org["contacts"])
        sim.lang = REGIONS[org["region"]][1] if rng.random() > 0.1 else "en"
        sim.channel = _pick(rng, CHANNELS)
        sim.priority = _pick(rng, PRIORITIES)
        sim.area = _pick(rng, AREAS)
        sim.type = _pick(rng, TYPES)
        sim.status, sim.tier = "new", 1
        sim.group = self.group_ids[FRONT_LINE_OF[org["region"]]]
        sim.assignee = sim.frt = sim.solved = sim.closed = sim.reactivated = None
        sim.status_log = []
        sim.escalations = []
        return sim

    # --- recording ------------------------------------------------------------------------------

    def _event(self, sim: Sim, t: int, actor, kind: str, field="", old="", new="", msg=None,
               data="{}") -> None:  # fmt: skip
        if t > self.now:
            raise Horizon
        self.rows[2].append(
            (self._next("event"), sim.number, actor, kind, field, old, new, msg, data,
             self.stamp(t))
        )  # fmt: skip
        sim.updated = t

    def _message(self, sim: Sim, t: int, author: int, pool: str, kind: str = "public") -> None:
        if t > self.now:
            raise Horizon
        text, body_html = self.rng.choice(self.texts.pools[(pool, sim.lang)])
        mid = self._next("message")
        self.rows[1].append(
            (mid, sim.number, author, kind, sim.channel, text, body_html, self.stamp(t))
        )
        self._event(sim, t, author, "message" if kind == "public" else "note", msg=mid)

    def _label_data(self, key: tuple, old: str, new: str) -> str:
        data = self.labels.get(key)
        if data is None:
            data = self.labels[key] = json.dumps({"from_label": old, "to_label": new})
        return data

    def _status(self, sim: Sim, t: int, actor, status: str) -> None:
        old = sim.status
        if old == status:
            return
        data = self._label_data(("status", old, status), old, status)
        self._event(sim, t, actor, "changed", "status", old, status, data=data)
        sim.status = status
        sim.status_log.append((t, status))
        if status == "solved":
            sim.solved = t
        elif status == "closed":
            sim.closed = t
        elif old == "solved":
            sim.solved = None

    def _group(self, sim: Sim, t: int, actor, group: int | None) -> None:
        old = sim.group
        if group is None or old == group:
            return
        names = self.group_names
        data = self._label_data(("group", old, group), names[old], names[group])
        self._event(sim, t, actor, "changed", "group", str(old), str(group), data=data)
        sim.group = group

    def _tier(self, sim: Sim, t: int, actor, tier: int) -> None:
        old = sim.tier
        data = self._label_data(("tier", old, tier), str(old), str(tier))
        self._event(sim, t, actor, "changed", "tier", str(old), str(tier), data=data)
        sim.tier = tier

    def _staff_reply(self, sim: Sim, t: int, status: str | None = None, pool="staff") -> None:
        actor = sim.assignee
        self._message(sim, t, actor, pool)
        if sim.frt is None:
            self._first_response(sim, t, actor)
        sim.reactivated = None
        if status is None and sim.status == "new":
            status = "open"
        if status:
            self._status(sim, t, actor, status)

    def _first_response(self, sim: Sim, t: int, actor: int) -> None:
        value = self.stamp.aware(t)
        data = json.dumps({"from_label": "", "to_label": value})
        self._event(sim, t, actor, "changed", "first_responded_at", "", value, data=data)
        sim.frt = t

    def _customer_reply(self, sim: Sim, t: int, pool="customer") -> None:
        self._message(sim, t, sim.requester, pool)
        if sim.frt is not None and sim.reactivated is None:
            sim.reactivated = t
        if sim.status in ("pending", "solved", "on_hold"):
            self._status(sim, t, sim.requester, "open")

    # --- durations ------------------------------------------------------------------------------

    def _after(self, sim: Sim, t: int, median: float, sigma: float = 1.0) -> int:
        """t plus a lognormal business delay (median seconds) on the ticket's calendar."""
        amount = max(10, int(median * math.exp(self.rng.gauss(0, sigma))))
        return max(t + 1, business_instant(business(t, sim.offset) + amount, sim.offset))

    def _staff_delay(self, sim: Sim, t: int, median: float) -> int:
        scale = {"urgent": 0.2, "high": 0.5, "normal": 1.0, "low": 1.6}[sim.priority]
        return self._after(sim, t, median * scale, 1.1)

    # --- the story ------------------------------------------------------------------------------

    def _life(self, sim: Sim) -> None:
        rng = self.rng
        t = sim.created
        front = self.staff_of_group[FRONT_LINE_OF[sim.org["region"]]]
        sim.assignee = rng.choice(front)
        by_staff = sim.channel in ("phone", "proactive")
        opener = sim.assignee if by_staff else sim.requester
        data = (
            f'{{"channel": "{sim.channel}", "type": "{sim.type}", "priority": "{sim.priority}", '
            f'"product_area": "{sim.area}", "language": "{sim.lang}", "tags": [], '
            f'"requester": {sim.requester}, "group": {sim.group}}}'
        )
        self._event(sim, t, opener, "created", data=data)
        self._message(sim, t, opener, "staff" if by_staff else "opening")
        if sim.channel == "phone":
            # phone.services: the answered call is the first response.
            self._first_response(sim, t, opener)
        if rng.random() < 0.07:
            t = self._reroute(sim, t)
        if sim.channel == "chat":
            t = self._chat(sim, t)
            if t < 0:
                return self._after_solve(sim, -t)
        elif rng.random() < 0.03:
            # Solved without an answer: the customer wrote that it works now.
            t = self._after(sim, t, 4 * 3600)
            self._customer_reply(sim, t)
            self._status(sim, t + 120, sim.assignee, "solved")
            return self._after_solve(sim, t + 120)
        else:
            t = self._staff_delay(sim, t, 1800)
            self._staff_reply(sim, t, "pending" if rng.random() < 0.25 else None)
        t = self._work(sim, t)
        if t is not None:
            self._after_solve(sim, t)

    def _reroute(self, sim: Sim, t: int) -> int:
        t += self.rng.randint(300, 3600)
        others = [g for g in self.group_ids[:4] if g != sim.group]
        group = self.rng.choice(others)
        self._group(sim, t, self.rng.choice(self.staff_of_tier[1]), group)
        sim.assignee = self.rng.choice(self.staff_of_group[self.group_ids.index(group)])
        return t

    def _chat(self, sim: Sim, t: int) -> int:
        """4-12 alternating lines a minute or so apart; most chats end solved (returned as -t)."""
        rng = self.rng
        t = self._after(sim, t, 25, 0.8)
        self._staff_reply(sim, t, pool="chat_staff")
        for k in range(rng.randint(2, 10)):
            t += rng.randint(15, 150)
            if k % 2 == 0:
                self._customer_reply(sim, t, pool="chat_customer")
            else:
                self._message(sim, t, sim.assignee, "chat_staff")
        if rng.random() < 0.8:
            t += rng.randint(20, 120)
            self._staff_reply(sim, t, "solved", pool="chat_staff")
            return -t
        return t

    def _age_weeks(self, sim: Sim) -> float:
        return (self.now - sim.created) / WEEK

    def _work(self, sim: Sim, t: int) -> int | None:
        """Exchanges after the first answer, maybe an escalation, then the solve; None when the
        ticket is left unsolved (stuck)."""
        rng = self.rng
        rounds = rng.choices((0, 1, 2, 3, 4), (30, 32, 20, 12, 6))[0]
        escalate_at = rng.randint(0, rounds) if rng.random() < 0.155 else -1
        stuck_at = rng.randint(0, rounds) if rng.random() < self._stuck_chance(sim) else -1
        for r in range(rounds + 1):
            if r == escalate_at:
                t, solved = self._escalate(sim, t, 1)
                if solved:
                    return t
            if r == stuck_at:
                self._stick(sim, t)
                return None
            if r < rounds:
                t = self._round(sim, t)
        return self._solve(sim, t)

    def _stuck_chance(self, sim: Sim) -> float:
        return 0.068 + 0.2 * math.exp(-self._age_weeks(sim) / 8)

    def _stick(self, sim: Sim, t: int) -> None:
        status = _pick(self.rng, (("pending", 40), ("open", 35), ("on_hold", 25)))
        if sim.status != status:
            self._status(sim, self._staff_delay(sim, t, 3600), sim.assignee, status)

    def _round(self, sim: Sim, t: int) -> int:
        """The customer answers (or the desk follows up), then the desk replies."""
        rng = self.rng
        if sim.status == "on_hold":
            t = self._after(sim, t, 2 * 9 * 3600)
            self._status(sim, t, sim.assignee, "open")
        if sim.status == "pending" or rng.random() < 0.7:
            t = self._after(sim, t, 5 * 3600, 1.2)
            self._customer_reply(sim, t)
        t = self._staff_delay(sim, t, 4 * 3600)
        roll = rng.random()
        status = "pending" if roll < 0.4 else "on_hold" if roll < 0.45 else None
        self._staff_reply(sim, t, status)
        return t

    def _solve(self, sim: Sim, t: int) -> int:
        rng = self.rng
        if sim.status == "pending" and rng.random() < 0.3:
            # The customer went quiet: solved after a few days without a reply.
            t = self._after(sim, t, 3 * 9 * 3600, 0.4)
            self._status(sim, t, sim.assignee, "solved")
            return t
        t = self._staff_delay(sim, t, 5 * 3600)
        if rng.random() < 0.8:
            self._staff_reply(sim, t, "solved")
        else:
            self._status(sim, t, sim.assignee, "solved")
        return t

    def _after_solve(self, sim: Sim, t: int) -> None:
        """A reopen by the customer now and then (solved again later), then the autoclose."""
        rng = self.rng
        if rng.random() < 0.06:
            t += rng.randint(3600, 3 * DAY)
            self._customer_reply(sim, t)
            t = self._round(sim, t) if rng.random() < 0.5 else t
            t = self._solve(sim, t)
        if rng.random() < 0.985:
            self._status(sim, sim.solved + 4 * DAY + rng.randint(0, 3600), None, "closed")

    # --- escalations ----------------------------------------------------------------------------

    def _escalate(self, sim: Sim, t: int, from_tier: int) -> tuple[int, bool]:
        """An escalation from `from_tier`, its answer and the ticket's way back; (time, whether
        the higher tier solved the ticket itself)."""
        rng = self.rng
        # A few go straight from tier 1 to engineering.
        to_tier = 3 if from_tier == 2 or rng.random() < 0.04 else 2
        t = self._staff_delay(sim, t, 2 * 3600)
        esc = self._request(sim, t, from_tier, to_tier)
        if rng.random() < 0.05:
            t += rng.randint(600, 3 * 3600)
            self._esc_event(sim, esc, t, esc["requested_by"], "withdrawn")
            esc["withdrawn_at"] = t
            self._note(sim, t, esc["requested_by"], "withdrawn", to_tier)
            return t, False
        t = self._accept(sim, esc, t)
        for _ in range(rng.choice((0, 1, 1, 2))):
            t = self._round(sim, t)
        if to_tier == 2 and rng.random() < 0.22:
            t, solved = self._escalate(sim, t, 2)
            if solved:
                return t, True
        if rng.random() < 0.12:
            return self._solve(sim, t), True
        t = self._after(sim, t, 9 * 3600, 1.0)
        self._resolve(sim, esc, t)
        return t, False

    def _request(self, sim: Sim, t: int, from_tier: int, to_tier: int) -> dict:
        area_group = self.tier2_of_area.get(sim.area, 4)
        group = self.group_ids[area_group if to_tier == 2 else 7]
        esc = {
            "id": self._next("escalation"),
            "from_tier": from_tier,
            "to_tier": to_tier,
            "group": group,
            "from_group": sim.group,
            "requested_by": sim.assignee,
            "accepted_by": None,
            "created_at": t,
            "accepted_at": None,
            "resolved_at": None,
            "withdrawn_at": None,
        }
        self._esc_event(sim, esc, t, sim.assignee, "requested")
        sim.escalations.append(esc)
        return esc

    def _esc_event(self, sim: Sim, esc: dict, t: int, actor, action: str) -> None:
        data = (
            f'{{"escalation": {esc["id"]}, "action": "{action}", '
            f'"from_tier": {esc["from_tier"]}, "to_tier": {esc["to_tier"]}, '
            f'"summary": "Reproduced; needs the next tier.", '
            f'"group": "{self.group_names[esc["group"]]}"}}'
        )
        self._event(sim, t, actor, "escalation", "escalation", str(esc["from_tier"]),
                    str(esc["to_tier"]), data=data)  # fmt: skip

    def _accept(self, sim: Sim, esc: dict, t: int) -> int:
        t = self._after(sim, t, 3600, 1.0)
        acceptor = self.rng.choice(self.staff_of_tier[esc["to_tier"]])
        self._esc_event(sim, esc, t, acceptor, "accepted")
        esc["accepted_by"], esc["accepted_at"] = acceptor, t
        self._tier(sim, t, acceptor, esc["to_tier"])
        self._group(sim, t, acceptor, esc["group"])
        sim.assignee = acceptor
        return t

    def _resolve(self, sim: Sim, esc: dict, t: int) -> None:
        actor = esc["accepted_by"]
        self._esc_event(sim, esc, t, actor, "resolved")
        esc["resolved_at"] = t
        self._note(sim, t, actor, "resolved", esc["to_tier"])
        if sim.status != "closed":
            self._tier(sim, t, actor, esc["from_tier"])
            sim.assignee = esc["requested_by"]
            self._group(sim, t, actor, esc["from_group"])

    def _note(self, sim: Sim, t: int, author: int, which: str, tier: int) -> None:
        if t > self.now:
            raise Horizon
        text, body_html = _pair(NOTES[which].format(tier=tier))
        mid = self._next("message")
        self.rows[1].append((mid, sim.number, author, "internal", sim.channel, text, body_html,
                             self.stamp(t)))  # fmt: skip
        self._event(sim, t, author, "note", msg=mid)

    # --- the ticket's rows ------------------------------------------------------------------------

    def _finish(self, sim: Sim) -> None:
        stamp = self.stamp
        subject = self.rng.choice(self.texts.subjects[(sim.lang, sim.area)])
        self.rows[0].append(
            (
                sim.number, subject, sim.channel, sim.type, sim.area, sim.priority,
                sim.status, sim.tier, sim.lang, "[]", False, stamp(sim.created),
                stamp(sim.updated), stamp(sim.frt), stamp(sim.solved), stamp(sim.closed),
                sim.assignee, sim.group, sim.org["id"], sim.requester, "",
                stamp(sim.reactivated) if sim.status in UNSOLVED else None,
            )
        )  # fmt: skip
        for esc in sim.escalations:
            self.rows[3].append(self._escalation_row(sim, esc))
        self._clocks(sim)

    def _escalation_row(self, sim: Sim, esc: dict) -> tuple:
        stamp = self.stamp
        if esc["withdrawn_at"] is not None:
            status = "withdrawn"
        elif esc["resolved_at"] is not None:
            status = "resolved"
        elif esc["accepted_at"] is not None:
            status = "accepted"
        else:
            status = "requested"
        resolution = "Root cause found; fix documented." if status == "resolved" else ""
        withdrawn = "Configuration issue, fixed at tier 1." if status == "withdrawn" else ""
        return (
            esc["id"], sim.number, esc["from_tier"], esc["to_tier"], esc["group"],
            esc["from_group"], status, esc["requested_by"], esc["accepted_by"],
            "Reproduced; needs the next tier.", "Blocks the customer's daily reports.",
            "1. Run the job 2. See the error", "The job finishes", "Error after 10 minutes",
            "Production, EU cluster", "Restarted the job; cleared the cache", "[]", "",
            resolution, withdrawn, stamp(esc["created_at"]), stamp(esc["accepted_at"]), None,
            stamp(esc["resolved_at"]), stamp(esc["withdrawn_at"]),
        )  # fmt: skip

    # --- SLA clocks -----------------------------------------------------------------------------

    def _target(self, sim: Sim, metric: str) -> tuple | None:
        key = (metric, sim.org["plan"], sim.channel, sim.priority)
        if key not in self.targets:
            self.targets[key] = target_for(self.cast, *key)
        return self.targets[key]

    def _clocks(self, sim: Sim) -> None:
        first_stop = sim.frt
        if first_stop is None:
            first_stop = next((t for t, s in sim.status_log if s in ("solved", "closed")), None)
        if sim.channel == "phone":
            # From the call ringing to its answer, when the ticket was opened.
            ring = sim.created - self.rng.randint(3, 25)
            self._clock(sim, "first_response", 1, [(ring, sim.created)], sim.created)
        elif sim.channel != "proactive" and first_stop is not None and first_stop > sim.created:
            spans = [(sim.created, first_stop)]
            self._clock(sim, "first_response", 1, spans, first_stop)
        for cycle, (spans, stop) in enumerate(_resolution_cycles(sim), start=1):
            self._clock(sim, "resolution", cycle, spans, stop)

    def _clock(self, sim: Sim, metric: str, cycle: int, spans: list, stop: int) -> None:
        target = self._target(sim, metric)
        if target is None:
            return
        policy, name, calendar, target_id, seconds, business_hours, goal = target
        offset = sim.offset if business_hours else None
        elapsed = sum(_span_seconds(a, b, offset) for a, b in spans)
        due = _due(spans, seconds, offset)
        met = elapsed <= seconds
        stamp = self.stamp
        decided = stop if met else due
        moves = [(spans[0][0], "started")]
        for (_a, b), (c, _d) in itertools.pairwise(spans):
            moves += [(b, "paused"), (c, "resumed")]
        moves.append((stop, "stopped"))
        history = "[" + ", ".join(f'{{"at": "{stamp.iso(at)}", "move": "{move}"}}' for at, move in moves) + "]"  # fmt: skip
        self.rows[4].append(
            (
                sim.number, metric, cycle, policy, name, target_id, seconds, business_hours,
                calendar or self.cast["calendars"][sim.org["region"]], goal, stamp(spans[0][0]),
                stamp(stop), stamp(due), None, "stopped", "met" if met else "breached",
                stamp(decided), float(elapsed), float(max(seconds - elapsed, 0)), sim.channel,
                sim.priority, sim.group, history, stamp(sim.updated), None,
                None if met else stamp(decided + 60),
            )
        )  # fmt: skip


_CUMULATIVE: dict[int, tuple] = {}


def _pick(rng: random.Random, weighted: tuple) -> str:
    table = _CUMULATIVE.get(id(weighted))
    if table is None:
        values, weights = zip(*weighted, strict=True)
        table = _CUMULATIVE[id(weighted)] = (values, list(itertools.accumulate(weights)))
    values, cumulative = table
    return values[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def _span_seconds(a: int, b: int, offset: int | None) -> int:
    if offset is None:
        return b - a
    return business(b, offset) - business(a, offset)


def _due(spans: list, seconds: int, offset: int | None) -> int:
    """When the clock's elapsed time reaches `seconds`, running on from its stop if it had not."""
    left = seconds
    for a, b in spans:
        length = _span_seconds(a, b, offset)
        if length >= left:
            break
        left -= length
    else:
        a = spans[-1][1]
    if offset is None:
        return a + left
    return business_instant(business(a, offset) + left, offset)


def _resolution_cycles(sim: Sim) -> Iterator[tuple[list, int]]:
    """Per solve, the running spans since the ticket opened or was reopened (pending pauses)."""
    spans: list = []
    start = sim.created
    running = True
    for t, status in sim.status_log:
        if status == "closed":
            continue
        if status == "pending" and running:
            spans.append((start, t))
            running = False
        elif status == "solved":
            if running:
                spans.append((start, t))
            if spans and spans[-1][1] > spans[0][0]:
                yield spans, t
            spans, running = [], False
        elif not running:
            start, running = t, True


# --- writing ------------------------------------------------------------------------------------


def _insert_sql(table: str, columns: tuple) -> str:
    return f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'


def first_ids(db: sqlite3.Connection) -> dict:
    def after(table: str, column: str) -> int:
        return (db.execute(f"SELECT MAX({column}) FROM {table}").fetchone()[0] or 0) + 1

    return {
        "ticket": after("tickets_ticket", "number"),
        "message": after("tickets_message", "id"),
        "event": after("tickets_ticketevent", "id"),
        "escalation": after("escalations_escalation", "id"),
    }


def _produce(generator: Generator, total: int, weeks: int, queue) -> None:
    try:
        for chunk in generator.chunks(total, weeks):
            queue.put(chunk)
        queue.put(None)
    except BaseException:
        queue.put(traceback.format_exc())
    finally:
        queue.close()
        queue.join_thread()


def _chunks_from(child, queue) -> Iterator[tuple[list, ...]]:
    try:
        while True:
            try:
                item = queue.get(timeout=5)
            except Empty:
                if not child.is_alive():
                    raise RuntimeError(f"The generator died ({child.exitcode}).") from None
                continue
            if item is None:
                return
            if isinstance(item, str):
                raise RuntimeError("The generator failed:\n" + item)
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join()


def _write_all(db: sqlite3.Connection, chunks: Iterator, total: int, started: float) -> dict:
    sql = [_insert_sql(table, columns) for table, columns in TABLES]
    counts = dict.fromkeys(("tickets", "messages", "events", "escalations", "clocks"), 0)
    names = list(counts)
    shown = started
    for chunk in chunks:
        db.execute("BEGIN")
        for statement, rows, name in zip(sql, chunk, names, strict=True):
            db.executemany(statement, rows)
            counts[name] += len(rows)
        db.execute("COMMIT")
        moment = time.perf_counter()
        if moment - shown >= 5 or counts["tickets"] == total:
            print(
                f"  {counts['tickets']:,} / {total:,} tickets, {counts['events']:,} events, "
                f"{moment - started:.0f} s",
                flush=True,
            )
            shown = moment
    return counts


def _open_writer(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in (
        "journal_mode=WAL",
        "synchronous=OFF",
        "cache_size=-1048576",
        "temp_store=MEMORY",
        "foreign_keys=OFF",
        "wal_autocheckpoint=10000",
    ):
        db.execute(f"PRAGMA {pragma}")
    return db


# --- the API --------------------------------------------------------------------------------------


def setup_django(data_dir: Path) -> None:
    """Django on the embedded default (SQLite and SQLite queue) in `data_dir`, migrated."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.pop("TIERDESK_REDIS_URL", None)
    os.environ.pop("TIERDESK_DATABASE_URL", None)
    os.environ["TIERDESK_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("TIERDESK_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tierdesk.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def build(tickets: int, *, weeks: int = 104, seed: int = 7, now: datetime) -> dict:
    """Writes the cast and `tickets` tickets' history over the `weeks` weeks before `now` (aware)
    into the database setup_django configured; returns the row counts and the write time."""
    from django.conf import settings
    from django.db import connections

    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    started = time.perf_counter()
    cast = make_cast(seed)
    path = str(settings.DATABASES["default"]["NAME"])
    connections.close_all()
    db = _open_writer(path)
    generator = Generator(cast, seed=seed, now=int(now.timestamp()), first=first_ids(db))
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=3)
    child = context.Process(target=_produce, args=(generator, tickets, weeks, queue), daemon=True)
    child.start()
    counts = _write_all(db, _chunks_from(child, queue), tickets, started)
    print("  analyzing", flush=True)
    db.execute("PRAGMA analysis_limit=1000")
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    counts["write_seconds"] = round(time.perf_counter() - started, 1)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=20000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "test-kpidata-small")
    parser.add_argument("--now", help="ISO time, default: this hour (UTC)")
    args = parser.parse_args()
    if args.now:
        now = datetime.fromisoformat(args.now).astimezone(UTC)
    else:
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    setup_django(args.data_dir)
    counts = build(args.tickets, weeks=args.weeks, seed=args.seed, now=now)
    database = args.data_dir / "tierdesk.sqlite3"
    counts["database_bytes"] = database.stat().st_size
    counts["now"] = now.isoformat()
    (args.data_dir / "kpi-data-build.json").write_text(json.dumps(counts, indent=2) + "\n")
    print(json.dumps(counts, indent=2))


if __name__ == "__main__":
    main()
