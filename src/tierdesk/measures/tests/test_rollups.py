"""The daily rollups agree with the raw facts: a seeded history of a few hundred tickets over six
weeks is counted both ways, for every KPI, per week, for the whole period and by every key;
kept current as the history grows, and past a day's end."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F

from tierdesk.accounts.models import SkillGroup
from tierdesk.core.errors import ValidationFailed
from tierdesk.escalations.models import Escalation, EscalationStatus
from tierdesk.measures import rollups
from tierdesk.measures.book import RAW, ROLLUPS, KpiBook, rollup_plan
from tierdesk.measures.kpis import METRICS, Scope
from tierdesk.measures.models import (
    ROLLUP_KEY,
    KpiDurations,
    KpiRollup,
    KpiRollupState,
    KpiStaleTicket,
)
from tierdesk.measures.tests.conftest import History
from tierdesk.sla.models import SlaClock
from tierdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db

# Six whole weeks, Monday 2026-02-02 .. Monday 2026-03-16 UTC; "now" is in the seventh week.
START = datetime(2026, 2, 2, tzinfo=UTC)
END = datetime(2026, 3, 16, tzinfo=UTC)
NOW = datetime(2026, 3, 18, 15, 30, tzinfo=UTC)
KEYS = {
    "backlog": (None, "group", "channel", "tier", "age"),
    "volume": (None, "group", "channel", "tier", "region", "type", "product_area", "hour_of_week"),
}
PERCENTILE_ERROR = 0.045  # buckets 2^(1/8) wide per group, channel, tier and region


def _clock(ticket: Ticket, metric: str, stopped: datetime, seconds: int) -> None:
    cycle = SlaClock.objects.filter(ticket=ticket, metric=metric).count() + 1
    SlaClock.objects.create(
        ticket=ticket,
        metric=metric,
        cycle=cycle,
        policy_name="Standard",
        target_seconds=3600,
        started_at=ticket.created_at,
        stopped_at=stopped,
        decided_at=stopped,
        state="stopped",
        outcome="met",
        elapsed_seconds=seconds,
        channel=ticket.channel,
        priority=ticket.priority,
        computed_at=stopped,
    )


def seed(history: History, groups: list[SkillGroup], count: int, rng: random.Random) -> None:
    """Tickets created from two weeks before the period to just before now, each living a
    random life: replies, pending, solves, reopens, closes, group moves, escalations."""
    first = START - timedelta(days=14)
    span = (NOW - first).total_seconds()
    for _ in range(count):
        created = first + timedelta(seconds=rng.uniform(0, span))
        created = created.replace(microsecond=0)
        group = rng.choice(groups)
        ticket = history.ticket(
            created,
            channel=rng.choice(["email", "portal", "chat", "phone"]),
            type=rng.choice(["question", "problem", "incident"]),
            product_area=rng.choice(["api", "billing", "ingestion"]),
            group=group,
            tier=1,
        )
        _life(history, ticket, groups, group, rng)


def _life(history, ticket, groups, group, rng) -> None:
    moment = ticket.created_at
    status, tier = "new", 1
    replied = False
    for _step in range(rng.randint(1, 7)):
        moment += timedelta(hours=rng.choice([0.5, 2, 7, 20, 49, 130]))
        if moment >= NOW:
            return
        roll = rng.random()
        if status in ("solved", "closed"):
            if status == "solved" and roll < 0.3:
                history.status(ticket, moment, "solved", "open")
                status = "open"
            elif status == "solved" and roll < 0.6:
                history.status(ticket, moment, "solved", "closed")
                status = "closed"
            continue
        if roll < 0.35:
            history.reply(ticket, moment)
            if not replied:
                Ticket.objects.filter(pk=ticket.pk).update(first_responded_at=moment)
                _clock(ticket, "first_response", moment, rng.randint(60, 40000))
                replied = True
        elif roll < 0.45:
            other = rng.choice(groups)
            if other != group:
                history.move(ticket, moment, "group", group.pk, other.pk)
                group = other
        elif roll < 0.55 and tier < 3:
            to_tier = min(3, tier + rng.choice([1, 1, 2]))
            Escalation.objects.create(
                ticket=ticket,
                from_tier=tier,
                to_tier=to_tier,
                requested_by=history.staff,
                summary="Needs a deeper look",
                created_at=moment,
                status=rng.choice([EscalationStatus.ACCEPTED, EscalationStatus.WITHDRAWN]),
            )
            history.move(ticket, moment, "tier", tier, to_tier)
            tier = to_tier
        elif roll < 0.65 and status != "pending":
            history.status(ticket, moment, status, "pending", actor=history.staff)
            status = "pending"
        else:
            history.status(ticket, moment, status, "solved", actor=history.staff)
            _clock(ticket, "resolution", moment, rng.randint(600, 400000))
            status = "solved"


def _same(raw, rolled, label: str) -> None:
    assert raw.keys() == rolled.keys(), label
    for key, cell in raw.items():
        other = rolled[key]
        where = f"{label} {key}"
        if cell.details.get("p50_seconds") is None and "ages" not in cell.details:
            assert (cell.value, cell.numerator, cell.denominator) == (
                other.value,
                other.numerator,
                other.denominator,
            ), where
            continue
        if "ages" in cell.details:
            assert (cell.value, cell.details) == (other.value, other.details), where
            continue
        assert cell.denominator == other.denominator, where
        for name, value in cell.details.items():
            if name.endswith("_count"):
                assert value == other.details[name], where
            elif value is not None:
                assert other.details[name] == pytest.approx(value, rel=PERCENTILE_ERROR), where


def _compare(scope: Scope, start=START, end=END, zone="UTC", now=NOW) -> None:
    raw = KpiBook(scope, start, end, zone, source=RAW, now=now)
    rolled = KpiBook(scope, start, end, zone, source=ROLLUPS, now=now)
    for metric in METRICS:
        weekly_raw, weekly_rolled = raw.weekly(metric), rolled.weekly(metric)
        for (monday, cell), (_m, other) in zip(weekly_raw, weekly_rolled, strict=True):
            _same({None: cell}, {None: other}, f"{metric} week {monday}")
        for key in KEYS.get(metric, (None, "group", "channel", "tier")):
            if rollup_plan(scope, key) is None:
                continue
            _same(raw.whole(metric, key), rolled.whole(metric, key), f"{metric} by {key}")
    assert rolled.sources_used == {ROLLUPS}


@pytest.fixture
def desk(history):
    groups = [SkillGroup.objects.create(name=f"Group {n}") for n in range(3)]
    seed(history, groups, 220, random.Random(20260302))
    return groups


def test_rollups_agree_with_the_raw_facts_for_every_kpi_and_key(desk):
    rollups.rollups_rebuild(now=NOW)

    assert KpiRollup.objects.filter(zone="UTC").exists()
    _compare(Scope(zone=UTC))
    _compare(Scope(zone=UTC, group=desk[1].pk))
    _compare(Scope(zone=UTC, channel="email"))
    _compare(Scope(zone=UTC, region=Ticket.objects.first().organization.region))
    # A period that ends in the future: this week's facts come from the raw events.
    _compare(Scope(zone=UTC), start=START, end=NOW.replace(hour=0, minute=0) + timedelta(days=3))


def test_rollups_stay_in_agreement_as_the_history_grows(desk, history):
    rollups.rollups_rebuild(now=NOW)
    # Later events on tickets of the past weeks: a reopen of an old solve, a new solve, a move.
    solved = Ticket.objects.filter(status="solved").order_by("pk")[:5]
    for ticket in solved:
        history.status(ticket, NOW - timedelta(hours=1), "solved", "open")
        rollups.mark_stale([ticket.pk], now=NOW)
    fresh = history.ticket(START + timedelta(days=3), group=desk[0], tier=1)
    history.status(fresh, START + timedelta(days=4), "new", "solved", actor=history.staff)
    rollups.mark_stale([fresh.pk], now=NOW)

    assert rollups.rollups_refresh(now=NOW) == 6
    assert not KpiStaleTicket.objects.exists()
    _compare(Scope(zone=UTC))
    # What the refresh left is what a rebuild writes.
    kept = _stored()
    rollups.rollups_rebuild(now=NOW)
    assert _stored() == kept


def _stored() -> tuple[set, set]:
    """The rollup rows and duration histograms, as comparable sets."""
    rows = set(KpiRollup.objects.values_list(*ROLLUP_KEY, "count"))
    histograms = {
        (*key, tuple(rollups.unpack_counts(counts)))
        for *key, counts in KpiDurations.objects.values_list(
            "level", "member", "kind", "day", "next", "counts"
        )
    }
    assert histograms  # durations are kept there
    return rows, histograms


def test_answers_are_exact_before_the_worker_counts_a_changed_ticket_again(desk, history):
    rollups.rollups_rebuild(now=NOW)
    # A reopen today of solves from past weeks, and a ticket back-dated into the period: the
    # worker has not run, only the marks the history listener writes are there.
    for ticket in Ticket.objects.filter(status="solved").order_by("pk")[:4]:
        history.status(ticket, NOW - timedelta(hours=2), "solved", "open")
        rollups.mark_stale([ticket.pk], now=NOW)
    late = history.ticket(START + timedelta(days=9), group=desk[2], tier=1)
    history.status(late, START + timedelta(days=10), "new", "solved", actor=history.staff)
    rollups.mark_stale([late.pk], now=NOW)

    _compare(Scope(zone=UTC))
    _compare(Scope(zone=UTC, group=desk[2].pk))


def test_a_day_ending_moves_the_horizon_and_counts_the_open_tickets_again(desk, history):
    rollups.rollups_rebuild(now=NOW)
    tomorrow = NOW + timedelta(days=1)
    assert rollups.state_of("UTC", tomorrow)[0] == NOW.date().toordinal()  # a day behind
    # Created and solved today, before midnight: yesterday's facts once the day has ended.
    today = history.ticket(NOW + timedelta(hours=1), group=desk[0], tier=1)
    history.status(today, NOW + timedelta(hours=2), "new", "solved", actor=history.staff)
    rollups.mark_stale([today.pk], now=NOW + timedelta(hours=2))  # as the history listener does

    # Before the worker moves on, the rollups still answer where no backlog is asked at the
    # midnight they have not reached ...
    _compare(Scope(zone=UTC), end=END + timedelta(days=7), now=tomorrow)
    # ... and the raw events answer where it is.
    midnight = tomorrow.replace(hour=0, minute=0)
    behind = KpiBook(Scope(zone=UTC), START, midnight, "UTC", now=tomorrow)
    assert behind.answered_by(False, None) == RAW

    marked = rollups.rollups_advance(now=tomorrow)

    assert marked > 0
    assert rollups.state_of("UTC", tomorrow)[0] == tomorrow.date().toordinal()
    _compare(Scope(zone=UTC), end=END + timedelta(days=7), now=tomorrow)


def test_a_question_the_rollups_do_not_hold_is_answered_from_raw_events(desk):
    rollups.rollups_rebuild(now=NOW)
    tokyo = KpiBook(Scope(zone=ZoneInfo("Asia/Tokyo")), START, END, "Asia/Tokyo", now=NOW)
    two_filters = KpiBook(
        Scope(zone=UTC, group=desk[0].pk, channel="email"), START, END, "UTC", now=NOW
    )

    tokyo.weekly("volume")
    two_filters.whole("volume", None)

    assert tokyo.sources_used == {RAW}
    assert two_filters.sources_used == {RAW}
    with pytest.raises(ValidationFailed):
        KpiBook(Scope(zone=UTC), START, END, "Asia/Tokyo", source=ROLLUPS, now=NOW).weekly("mttr")


def test_every_event_written_marks_its_ticket_for_the_worker(desk, history, agent):
    from tierdesk.tickets.services import ticket_reply

    rollups.rollups_rebuild(now=NOW)
    ticket = Ticket.objects.filter(status="open").first() or Ticket.objects.first()

    ticket_reply(ticket=ticket, actor=agent, body="Here is what we found.")

    assert KpiStaleTicket.objects.filter(ticket_id=ticket.pk).exists()


def test_the_seeded_history_is_not_trivial(desk):
    book = KpiBook(Scope(zone=UTC), START, END, "UTC", source=RAW, now=NOW)
    cells = {metric: book.whole(metric, None)[None] for metric in METRICS}
    assert cells["volume"].value > 100
    assert 0 < cells["escalation_rate"].numerator < cells["escalation_rate"].denominator
    assert 0 < cells["reopen_rate"].numerator < cells["reopen_rate"].denominator
    assert 0 < cells["one_touch_rate"].numerator < cells["one_touch_rate"].denominator
    assert cells["backlog"].value > 0


def test_the_api_says_which_source_answered_and_refuses_rollups_it_does_not_hold(desk, manager):
    from tierdesk.core.tests.api_support import API, client_for

    rollups.rollups_rebuild()  # through yesterday, as the worker keeps them
    client = client_for(manager)
    week = {"metric": "volume", "from": "2026-02-02", "to": "2026-02-08", "tz": "UTC"}

    auto = client.get(f"{API}/kpis", week).json()
    raw = client.get(f"{API}/kpis", {**week, "source": "raw"}).json()
    tokyo = client.get(f"{API}/kpis", {**week, "tz": "Asia/Tokyo", "source": "rollups"})
    bad = client.get(f"{API}/kpis", {**week, "source": "cache"})

    assert (auto["source"], raw["source"]) == ("rollups", "raw")
    assert auto["rows"] == raw["rows"]
    assert tokyo.status_code == 422
    assert tokyo.json()["errors"][0]["field"] == "source"
    assert bad.status_code == 422


def test_the_command_builds_the_rollups(desk, capsys):
    from tierdesk.cli import main

    assert main(["measures", "rollup", "--zone", "UTC"]) == 0
    assert "KPI rollups of UTC" in capsys.readouterr().out
    assert KpiRollup.objects.filter(zone="UTC").exists()
    assert main(["measures", "rollup", "--zone", "Mars/Base"]) == 2


def test_a_clock_stopped_by_the_sla_worker_marks_its_ticket_for_the_rollups(desk):
    from django.db import transaction

    from tierdesk.sla.services import clocks_refresh

    rollups.rollups_rebuild(now=NOW)
    ticket = Ticket.objects.filter(status__in=("solved", "closed")).order_by("pk").first()
    SlaClock.objects.filter(ticket=ticket).delete()
    KpiStaleTicket.objects.all().delete()

    with transaction.atomic():
        clocks_refresh([ticket.pk], now=NOW)

    assert SlaClock.objects.filter(ticket=ticket, state="stopped").exists()
    assert list(KpiStaleTicket.objects.values_list("ticket_id", flat=True)) == [ticket.pk]


def test_an_organization_moving_region_marks_its_tickets(desk, alice):
    rollups.rollups_rebuild(now=NOW)
    KpiStaleTicket.objects.all().delete()
    organization = alice.organization

    organization.region = "japan" if organization.region != "japan" else "emea"
    organization.save()

    marked = set(KpiStaleTicket.objects.values_list("ticket_id", flat=True))
    assert marked == set(
        Ticket.objects.filter(organization=organization).values_list("pk", flat=True)
    )
    assert marked


def test_a_refresh_counted_against_rollups_changed_meanwhile_is_not_written(
    desk, history, monkeypatch
):
    rollups.rollups_rebuild(now=NOW)
    ticket = Ticket.objects.filter(status="solved").order_by("pk").first()
    history.status(ticket, NOW - timedelta(hours=1), "solved", "open")
    rollups.mark_stale([ticket.pk], now=NOW)
    kept = _stored()
    recount = rollups._recount

    def rebuilt_meanwhile(*args, **kwargs):
        counted = recount(*args, **kwargs)
        KpiRollupState.objects.update(version=F("version") + 1)  # as a rebuild would
        return counted

    monkeypatch.setattr(rollups, "_recount", rebuilt_meanwhile)

    assert rollups.rollups_refresh(now=NOW) == 0
    assert _stored() == kept  # nothing written onto rollups it was not counted against
    assert KpiStaleTicket.objects.filter(ticket_id=ticket.pk).exists()  # the next run counts it
    monkeypatch.setattr(rollups, "_recount", recount)
    assert rollups.rollups_refresh(now=NOW) == 1
    _compare(Scope(zone=UTC))


def test_a_day_end_counted_against_rollups_changed_meanwhile_is_not_written(
    desk, history, monkeypatch
):
    rollups.rollups_rebuild(now=NOW)
    tomorrow = NOW + timedelta(days=1)
    kept = _stored()
    recount = rollups._recount

    def rebuilt_meanwhile(*args, **kwargs):
        counted = recount(*args, **kwargs)
        KpiRollupState.objects.update(version=F("version") + 1)
        return counted

    monkeypatch.setattr(rollups, "_recount", rebuilt_meanwhile)
    rollups.rollups_advance(now=tomorrow)

    assert _stored() == kept
    assert rollups.state_of("UTC", tomorrow)[0] == NOW.date().toordinal()  # the next run moves
    monkeypatch.setattr(rollups, "_recount", recount)
    assert rollups.rollups_advance(now=tomorrow) > 0
    assert rollups.state_of("UTC", tomorrow)[0] == tomorrow.date().toordinal()


def test_the_worker_warns_of_rollups_nobody_built(desk, caplog, monkeypatch):
    from tierdesk.measures import tasks

    monkeypatch.setattr(tasks, "_WARNED", {})
    with caplog.at_level("WARNING", logger="tierdesk.measures.tasks"):
        tasks.kpi_rollups_task.call_local()
        tasks.kpi_rollups_task.call_local()  # once an hour, not every minute
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "tierdesk measures rollup --zone UTC" in warnings[0]

    rollups.rollups_rebuild()
    monkeypatch.setattr(tasks, "_WARNED", {})
    caplog.clear()
    with caplog.at_level("WARNING", logger="tierdesk.measures.tasks"):
        tasks.kpi_rollups_task.call_local()
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_a_reader_overtaken_by_the_worker_reads_again(desk, history, monkeypatch):
    rollups.rollups_rebuild(now=NOW)
    for ticket in Ticket.objects.filter(status="solved").order_by("pk")[:4]:
        history.status(ticket, NOW - timedelta(hours=2), "solved", "open")
        rollups.mark_stale([ticket.pk], now=NOW)
    corrections = rollups.stale_corrections
    overtaken = []

    def worker_first(*args, **kwargs):
        # The worker commits between the reader's rows and its corrections: the rows are from
        # before the refresh, the marks it corrects by are gone.
        if not overtaken:
            overtaken.append(rollups.rollups_refresh(now=NOW))
        return corrections(*args, **kwargs)

    monkeypatch.setattr(rollups, "stale_corrections", worker_first)

    _compare(Scope(zone=UTC))
    assert overtaken == [4]


def test_rollups_behind_answer_each_shape_that_asks_no_backlog_in_the_gap(desk):
    # Counted through Sunday; it is Monday afternoon and the worker has not moved on.
    sunday = datetime(2026, 3, 15, 12, tzinfo=UTC)
    monday = sunday + timedelta(days=1, hours=3)
    rollups.rollups_rebuild(now=sunday)
    end = datetime(2026, 3, 23, tzinfo=UTC)
    rolled = KpiBook(Scope(zone=UTC), START, end, "UTC", now=monday)
    raw = KpiBook(Scope(zone=UTC), START, end, "UTC", source=RAW, now=monday)

    assert rolled.answered_by(True, None) == RAW  # the backlog at this Monday's midnight
    assert rolled.answered_by(False, None) == ROLLUPS  # the period's bounds are not in the gap
    assert rolled.answered_by(False, "hour_of_week") == ROLLUPS  # no backlog asked
    for metric in METRICS:
        _same(raw.whole(metric, None), rolled.whole(metric, None), f"{metric} whole")
    _same(raw.whole("volume", "hour_of_week"), rolled.whole("volume", "hour_of_week"), "hours")
