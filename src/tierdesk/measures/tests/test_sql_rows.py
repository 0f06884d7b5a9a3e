"""The team's KPIs counted by the database from raw events (measures.sql_rows) are exactly those
measures.facts counts ticket by ticket: every KPI, per week and for the whole period, by every
key the database counts, in each scope it answers, in another time zone, for a period that has
not ended and for one long past."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from tierdesk.accounts.models import SkillGroup
from tierdesk.measures import facts, sql_rows
from tierdesk.measures.book import RAW, KpiBook
from tierdesk.measures.kpis import METRICS, Scope
from tierdesk.measures.tests.conftest import History
from tierdesk.measures.tests.test_rollups import END, NOW, START, seed
from tierdesk.tickets.choices import EventKind
from tierdesk.tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

KEYS = (None, "channel", "region", "type", "product_area", "hour_of_week", "age")
TOKYO = ZoneInfo("Asia/Tokyo")


def _reply(history: History, ticket: Ticket, when: datetime, channel: str | None) -> None:
    """A staff reply with its message (`channel` None: the message is gone)."""
    message = Message.objects.create(
        ticket=ticket,
        author=history.staff,
        channel=channel or "email",
        body_text="On it",
        created_at=when,
    )
    TicketEvent.objects.create(
        ticket=ticket,
        actor=history.staff,
        kind=EventKind.MESSAGE,
        message=message,
        created_at=when,
    )
    if channel is None:
        message.delete()


def _edges(history: History) -> None:
    """Histories the seed does not write: times with microseconds, chat lines and messages of
    other channels, changes at one instant, reopen and solve twice in one week, a solve long
    after the period, a close straight from open."""
    base = START + timedelta(days=8, hours=3, microseconds=123456)
    chat = history.ticket(base, channel="chat", type="question", product_area="api")
    for minutes in (1, 2, 3):
        _reply(history, chat, base + timedelta(minutes=minutes, microseconds=7), "chat")
    history.status(chat, base + timedelta(minutes=4, microseconds=999999), "new", "solved")
    mixed = history.ticket(base, channel="email", type="problem", product_area="billing")
    _reply(history, mixed, base + timedelta(hours=1), "chat")
    _reply(history, mixed, base + timedelta(hours=2), "email")
    history.status(mixed, base + timedelta(hours=3), "new", "solved", actor=history.staff)
    gone = history.ticket(base, channel="chat", type="incident", product_area="api")
    _reply(history, gone, base + timedelta(hours=1), None)
    _reply(history, gone, base + timedelta(hours=2), "chat")
    history.status(gone, base + timedelta(hours=3), "new", "solved", actor=history.staff)
    twice = history.ticket(base, channel="portal", type="question", product_area="ingestion")
    same = base + timedelta(days=1)
    history.status(twice, same, "new", "solved", actor=history.staff)
    history.status(twice, same, "solved", "open")
    history.status(twice, same + timedelta(hours=5), "open", "solved", actor=history.staff)
    history.status(twice, same + timedelta(days=20), "solved", "pending")
    late = history.ticket(START - timedelta(days=3), channel="phone", type="problem")
    history.status(late, NOW + timedelta(days=40), "new", "solved", actor=history.staff)
    shut = history.ticket(START + timedelta(days=2), channel="email", type="incident")
    history.status(shut, START + timedelta(days=9), "new", "closed", actor=history.staff)
    # Imported with a solve stamped a minute before its creation, reopened and solved later.
    skewed = history.ticket(START + timedelta(days=10), channel="api", type="question")
    history.status(skewed, START + timedelta(days=10, minutes=-1), "new", "solved")
    history.status(skewed, START + timedelta(days=12), "solved", "open")
    history.status(skewed, START + timedelta(days=16), "open", "solved", actor=history.staff)


@pytest.fixture
def desk(history):
    groups = [SkillGroup.objects.create(name=f"Group {n}") for n in range(3)]
    seed(history, groups, 160, random.Random(20261207))
    _edges(history)
    return groups


def _agree(scope: Scope, start=START, end=END, zone="UTC", now=NOW) -> None:
    counted = KpiBook(scope, start, end, zone, source=RAW, now=now)
    reference = KpiBook(scope, start, end, zone, source=RAW, now=now, in_database=False)
    for metric in METRICS:
        assert counted.weekly(metric) == reference.weekly(metric), metric
        for key in KEYS:
            if metric != "backlog" and key == "age":
                continue
            assert counted.whole(metric, key) == reference.whole(metric, key), (metric, key)


def test_the_database_counts_every_kpi_as_the_facts_do(desk):
    _agree(Scope(zone=UTC))
    _agree(Scope(zone=UTC, channel="email"))
    _agree(Scope(zone=UTC, region=Ticket.objects.first().organization.region))
    _agree(Scope(zone=TOKYO), zone="Asia/Tokyo")
    # Summer time starts on 8 March 2026 in New York; Kolkata is half an hour off the hour.
    for name in ("America/New_York", "Asia/Kolkata"):
        _agree(Scope(zone=ZoneInfo(name)), zone=name)


def test_a_period_still_running_and_one_long_past_agree(desk):
    monday = NOW.replace(hour=0, minute=0) - timedelta(days=NOW.weekday())
    _agree(Scope(zone=UTC), start=START, end=monday + timedelta(days=7))
    # Ended weeks before now: tickets solved or closed since were open at its end.
    _agree(Scope(zone=UTC), start=START, end=START + timedelta(weeks=2))
    # Now exactly at a week's end: that week's backlog is its open tickets, once.
    _agree(Scope(zone=UTC), start=START, end=END + timedelta(weeks=1), now=END)


def test_the_seeded_edges_are_counted(desk):
    book = KpiBook(Scope(zone=UTC), START, END, "UTC", source=RAW, now=NOW)
    week = book.weekly("one_touch_rate")[1][1]
    reopened = book.weekly("reopen_rate")[1][1]
    # The chat of three lines and the chat with a lost message are one touch each; the email
    # answered on chat and by email is two.
    assert week.numerator >= 2
    assert reopened.numerator >= 1
    assert book.sources_used == {RAW}


def test_the_team_figures_read_no_ticket_history(desk, monkeypatch):
    def unread(*args, **kwargs):
        raise AssertionError("a ticket's history was read")

    monkeypatch.setattr(facts, "load_histories", unread)
    book = KpiBook(Scope(zone=UTC), START, END, "UTC", source=RAW, now=NOW)

    assert book.whole("volume", None)[None].value > 0
    assert book.weekly("weekly_resolution_rate")[0][1].denominator > 0
    assert sql_rows.answers(Scope(zone=UTC, channel="chat"), "region")
    assert not sql_rows.answers(Scope(zone=UTC, group=desk[0].pk), None)
    assert not sql_rows.answers(Scope(zone=UTC), "group")


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_two_connections_count_the_same(history, monkeypatch):
    groups = [SkillGroup.objects.create(name=f"Group {n}") for n in range(2)]
    seed(history, groups, 60, random.Random(7))
    # The two longest queries wait for each other: they must run at once, on two threads.
    meeting = threading.Barrier(2, timeout=30)
    threads = set()
    for name in ("spells", "solves"):
        counted = getattr(sql_rows.PeriodRows, name)

        def met(self, counted=counted):
            threads.add(threading.current_thread().name)
            meeting.wait()
            return counted(self)

        monkeypatch.setattr(sql_rows.PeriodRows, name, met)
    assert not connection.in_atomic_block

    _agree(Scope(zone=UTC))
    _agree(Scope(zone=UTC, channel="chat"))

    assert len(threads) == 2
