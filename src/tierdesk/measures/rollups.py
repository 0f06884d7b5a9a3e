"""Daily KPI rollups: the facts of every ticket summed per local day, team-wide and per group,
channel, tier and region, kept current by the worker. Each ticket's share is stored so that a
change to its history replaces exactly what it had added."""

from __future__ import annotations

import json
import math
import time
import zlib
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tierdesk.escalations.models import Escalation
from tierdesk.measures import facts as f
from tierdesk.measures.models import (
    ROLLUP_KEY,
    KpiDurations,
    KpiRollup,
    KpiRollupState,
    KpiStaleTicket,
    KpiTicketShare,
)
from tierdesk.tickets.choices import UNSOLVED_STATUSES
from tierdesk.tickets.models import Ticket, TicketEvent

NEVER = 10**7  # `next` of the last fact of its kind: after every day
# Open tickets at each midnight are kept as runs: a ticket is open at the midnights from an
# OPEN_IN day up to, not including, its OPEN_OUT day (the backlog is their running sum).
OPEN_IN, OPEN_OUT = "open_in", "open_out"
# Arrivals by hour of the week, type and product area (rollups only; see row_keys).
ARRIVED = "arrived"
DETAIL_KEYS = ("hour_of_week", "type", "product_area")
LEVELS = ("", "group", "channel", "tier", "region")
# Durations are kept in buckets 2^(1/16) wide for the team (a percentile read from them is
# within 2.2 %) and 2^(1/8) wide per group, channel, tier and region (4.4 %): finer buckets
# there would multiply the rows by the members without making the figures more useful.
BUCKETS_PER_DOUBLING = 16
MEMBER_BUCKETS_PER_DOUBLING = 8
DURATIONS = frozenset(
    {f.SOLVED, f.CLOSED, f.FIRST_RESPONSE, f.SLA_FIRST_RESPONSE, f.SLA_RESOLUTION}
)
BATCH = 1000
LEVEL_CHAINS = {
    f.HANDLED_IN_GROUP: "group",
    f.OPENED_IN_GROUP: "group",
    f.HANDLED_IN_TIER: "tier",
    f.OPENED_IN_TIER: "tier",
}
# kind, day, prev, next, flags, bucket, slot, group, tier, seconds, engineer
Entry = tuple[Any, ...]
SECONDS = 9  # the place of seconds in an entry
RowKey = tuple[Any, ...]  # level, member, kind, day, prev, next, flags, bucket, slot, type, area
KEY_FIELDS = ROLLUP_KEY


def rollup_zones() -> list[str]:
    """The time zones rollups are kept in (setting TIERDESK_KPI_ROLLUP_ZONES)."""
    return list(getattr(settings, "TIERDESK_KPI_ROLLUP_ZONES", ["UTC"]))


def bucket_of(seconds: float) -> int:
    return int(BUCKETS_PER_DOUBLING * math.log2(1 + max(0.0, seconds)))


def bucket_value(bucket: int, level: str = "") -> float:
    """The middle (geometric) of a bucket of the level, in seconds."""
    per_doubling = MEMBER_BUCKETS_PER_DOUBLING if level else BUCKETS_PER_DOUBLING
    return 2 ** ((bucket + 0.5) / per_doubling) - 1


def day_of(moment: datetime, zone: tzinfo) -> int:
    return moment.astimezone(zone).date().toordinal()


def midnight(day: int, zone: tzinfo) -> datetime:
    return datetime.combine(date.fromordinal(day), datetime.min.time(), tzinfo=zone)


# --- one ticket's share --------------------------------------------------------------------------


def ticket_share(
    history: f.TicketHistory, zone: tzinfo, horizon: int
) -> tuple[list[str], list[Entry]]:
    """The ticket's facts as day entries, today's too (the worker counts a ticket again
    within a minute of each change, and readers correct for the ones it has not yet), its open
    days up to the horizon as OPEN_IN / OPEN_OUT pairs, and its fixed traits (channel, region,
    type, product area)."""
    entries: list[Entry] = []
    for fact in f.ticket_facts(history, per_engineer=False):
        day = day_of(fact.at, zone)
        slot = -1
        if fact.kind == f.CREATED:
            slot = f.hour_of_week(fact.at, zone)
        seconds = fact.seconds or 0.0
        entries.append(
            (
                fact.kind,
                day,
                day_of(fact.prev, zone) if fact.prev else 0,
                day_of(fact.next, zone) if fact.next else NEVER,
                fact.flags,
                bucket_of(seconds) if fact.kind in DURATIONS else -1,
                slot,
                fact.group,
                fact.tier,
                seconds,
                fact.engineer,
            )
        )
    entries += open_runs(history, zone, horizon)
    traits = [history.channel, history.region, history.type, history.product_area]
    return traits, entries


def open_runs(history: f.TicketHistory, zone: tzinfo, horizon: int) -> list[Entry]:
    """The midnights up to the horizon the ticket was open at, as runs of days with the same
    age class, group and tier: OPEN_IN on a run's first day, OPEN_OUT the day after its last
    (none when it reaches the horizon). Open at midnight d: a spell started before it and had
    not ended before it, as f.ticket_facts counts OPEN_AT."""
    group = f.Timeline(history, "group", history.group)
    tier = f.Timeline(history, "tier", history.tier)
    splits = {
        _first_day_at_or_after(history.created_at + timedelta(days=days), zone)
        for _label, days in f.AGE_BUCKETS
        if days is not None
    }
    splits |= {day_of(at, zone) + 1 for at in group.times + tier.times}
    entries: list[Entry] = []
    for start, end in f.spells(history):
        first = day_of(start, zone) + 1
        last = horizon if end is None else min(horizon, day_of(end, zone))
        cuts = sorted(day for day in splits if first < day <= last)
        for a, b in zip([first, *cuts], [*(day - 1 for day in cuts), last], strict=True):
            if a > b:
                continue
            moment = midnight(a, zone)
            age = f.age_class((moment - history.created_at).total_seconds())
            traits = (age, -1, -1, group.at(moment, False), tier.at(moment, False), 0.0, None)
            entries.append((OPEN_IN, a, 0, NEVER, *traits))
            if b < horizon:
                entries.append((OPEN_OUT, b + 1, 0, NEVER, *traits))
    return entries


def _first_day_at_or_after(moment: datetime, zone: tzinfo) -> int:
    """The first day whose midnight is at or after `moment`."""
    day = day_of(moment, zone)
    return day if midnight(day, zone) >= moment else day + 1


def row_keys(traits: Sequence[str], entry: Entry) -> Iterator[RowKey]:
    """The rows an entry adds to: the team's and its group's, channel's, tier's and region's.
    A duration goes to its day's histogram (a key with a bucket, coarser below the team); a
    solve is also counted in a row of its own. An engineer's own figures are read from the raw
    events of the tickets they worked on, not from rollups."""
    kind, day, prev, nxt, flags, bucket, slot, group, tier, _seconds, _engineer = entry
    channel, region, kind_of_ticket, area = traits
    if kind in LEVEL_CHAINS:
        # Each level's own chain: the group's rows count a ticket once per group.
        level = LEVEL_CHAINS[kind]
        member = _member(group if level == "group" else tier)
        yield (level, member, kind, day, prev, nxt, flags, -1, -1, "", "")
        return
    members = [("", "")] + [
        (level, _member(value))
        for level, value in (
            ("group", group),
            ("channel", channel),
            ("tier", tier),
            ("region", region),
        )
        # The team's handled and opened chains; groups and tiers keep their own.
        if not (kind in (f.HANDLED, f.OPENED) and level in ("group", "tier"))
    ]
    for level, member in members:
        if kind == f.CREATED:
            # Arrivals as a plain count per day that every question reads, and as ARRIVED by
            # the hour of the week and (team-wide) by type and product area, for the questions
            # by those alone.
            yield (level, member, kind, day, prev, nxt, flags, -1, -1, "", "")
            yield (level, member, ARRIVED, day, prev, nxt, flags, -1, slot, "", "")
            if not level:
                yield (level, member, ARRIVED, day, prev, nxt, flags, -1, -1, kind_of_ticket, area)
        elif kind in DURATIONS:
            if kind == f.SOLVED:
                yield (level, member, kind, day, prev, nxt, flags, -1, -1, "", "")
            coarse = bucket // 2 if level else bucket
            yield (level, member, kind, day, 0, nxt, 0, coarse, -1, "", "")
        else:
            yield (level, member, kind, day, prev, nxt, flags, -1, slot, "", "")


def _member(value: Any) -> str:
    return "" if value is None else str(value)


def is_duration(key: RowKey) -> bool:
    """A key of a duration histogram (rows of counts have no bucket)."""
    return key[7] >= 0


def _add(totals: Counter, seconds: dict[RowKey, float], share: Any, sign: int) -> None:
    traits, entries = share
    for entry in entries:
        for key in row_keys(traits, entry):
            totals[key] += sign
            if not is_duration(key):  # a histogram keeps no seconds (a solve's row does)
                seconds[key] = seconds.get(key, 0.0) + sign * entry[SECONDS]


def _dump(share: tuple[list[str], list[Entry]]) -> bytes:
    return json.dumps(share, separators=(",", ":")).encode()


def _pack(share: tuple[list[str], list[Entry]]) -> bytes:
    return zlib.compress(_dump(share))


# --- writing ------------------------------------------------------------------------------------------


def _apply(zone_name: str, totals: Counter, seconds: dict[RowKey, float]) -> None:
    """Adds the counts to the zone's rows (an upsert that increments) and durations to its
    histograms, dropping emptied rows. In the caller's transaction, which holds the zone's
    state row: the histograms are read, changed and written back."""
    durations = {key: n for key, n in totals.items() if is_duration(key) and n}
    changed = [
        (key, n)
        for key, n in totals.items()
        if not is_duration(key) and (n or abs(seconds.get(key, 0.0)) > 1e-9)
    ]
    _apply_durations(zone_name, durations)
    if not changed:
        return
    table = KpiRollup._meta.db_table
    columns = ", ".join(("zone", *KEY_FIELDS, "count", "seconds"))
    marks = ", ".join(["%s"] * (len(KEY_FIELDS) + 3))
    conflict = ", ".join(("zone", *KEY_FIELDS))
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT ({conflict}) DO UPDATE "
        f"SET count = {table}.count + excluded.count, seconds = {table}.seconds + excluded.seconds"
    )
    params = [(zone_name, *key, n, seconds.get(key, 0.0)) for key, n in changed]
    with connection.cursor() as cursor:
        for offset in range(0, len(params), BATCH):
            cursor.executemany(sql, params[offset : offset + BATCH])
    days = sorted({key[3] for key, _n in changed})
    for offset in range(0, len(days), 500):
        KpiRollup.objects.filter(
            zone=zone_name, level__in=LEVELS, day__in=days[offset : offset + 500], count=0
        ).delete()


# A histogram: level, member, kind, day, next -> {bucket: count}.
Histograms = dict[tuple[Any, ...], Counter]


def _histograms(totals: Iterable[tuple[RowKey, int]]) -> Histograms:
    out: Histograms = {}
    for key, n in totals:
        level, member, kind, day, _prev, nxt, _flags, bucket = key[:8]
        out.setdefault((level, member, kind, day, nxt), Counter())[bucket] += n
    return out


def pack_counts(counts: Counter) -> str:
    return json.dumps(
        [x for bucket in sorted(counts) if counts[bucket] for x in (bucket, counts[bucket])]
    )


def unpack_counts(text: str) -> Iterator[tuple[int, int]]:
    values = json.loads(text)
    return zip(values[::2], values[1::2], strict=True)


def _apply_durations(zone_name: str, durations: dict[RowKey, int]) -> None:
    """Adds duration counts to the histograms they belong to, read and written back."""
    if not durations:
        return
    changes = _histograms(durations.items())
    days = sorted({key[3] for key in changes})
    stored: dict[tuple[Any, ...], tuple[int, str]] = {}
    for offset in range(0, len(days), 500):
        rows = KpiDurations.objects.filter(zone=zone_name, day__in=days[offset : offset + 500])
        for pk, *key, counts in rows.values_list(
            "pk", "level", "member", "kind", "day", "next", "counts"
        ):
            if tuple(key) in changes:
                stored[tuple(key)] = (pk, counts)
    emptied: list[int] = []
    written: list[tuple[Any, ...]] = []
    for key, change in changes.items():
        pk, counts = stored.get(key, (None, "[]"))
        total = Counter(dict(unpack_counts(counts)))
        total.update(change)
        packed = pack_counts(total)
        if packed == "[]":
            emptied += [pk] if pk is not None else []
        else:
            written.append((zone_name, *key, packed))
    KpiDurations.objects.filter(pk__in=emptied).delete()
    table = KpiDurations._meta.db_table
    sql = (
        f"INSERT INTO {table} (zone, level, member, kind, day, next, counts) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (zone, level, member, kind, day, next) "
        "DO UPDATE SET counts = excluded.counts"
    )
    with connection.cursor() as cursor:
        for offset in range(0, len(written), BATCH):
            cursor.executemany(sql, written[offset : offset + BATCH])


def _zone_state(zone_name: str) -> KpiRollupState | None:
    return KpiRollupState.objects.filter(zone=zone_name).first()


def rollups_rebuild(
    *, zones: Iterable[str] | None = None, now: datetime | None = None, progress: Any = None
) -> dict[str, int]:
    """Counts every ticket's history again into the rollups of each zone, through yesterday.
    Returns the rows written per zone."""
    now = now or timezone.now()
    written: dict[str, int] = {}
    for zone_name in zones or rollup_zones():
        zone = ZoneInfo(zone_name)
        horizon = day_of(now, zone)
        with transaction.atomic():
            # The zone's state row first, as the refresh and the advance take it: whoever
            # comes second waits instead of deadlocking on the rows the other changes.
            state = _locked_state(zone_name, horizon, now)
            KpiRollup.objects.filter(zone=zone_name).delete()
            KpiDurations.objects.filter(zone=zone_name).delete()
            KpiTicketShare.objects.filter(zone=zone_name).delete()
            totals: Counter = Counter()
            seconds: dict[RowKey, float] = {}
            shares: list[tuple[int, str, bytes]] = []
            ids = list(Ticket.objects.order_by("pk").values_list("pk", flat=True))
            for done, history in enumerate(f.load_histories(ids), start=1):
                share = ticket_share(history, zone, horizon)
                _add(totals, seconds, share, 1)
                shares.append((history.pk, zone_name, _pack(share)))
                if len(shares) >= BATCH:
                    _insert(KpiTicketShare, ("ticket_id", "zone", "entries"), shares)
                    shares = []
                if progress and done % 50000 == 0:
                    progress(zone_name, done, len(ids))
            _insert(KpiTicketShare, ("ticket_id", "zone", "entries"), shares)
            rows = [
                (zone_name, *key, n, seconds[key])
                for key, n in totals.items()
                if n and not is_duration(key)
            ]
            _insert(KpiRollup, ("zone", *KEY_FIELDS, "count", "seconds"), rows)
            histograms = _histograms((k, n) for k, n in totals.items() if n and is_duration(k))
            _insert(
                KpiDurations,
                ("zone", "level", "member", "kind", "day", "next", "counts"),
                [(zone_name, *key, pack_counts(counts)) for key, counts in histograms.items()],
            )
            KpiRollupState.objects.update_or_create(
                zone=zone_name,
                defaults={
                    "horizon": horizon,
                    "rebuilt_at": now,
                    "updated_at": now,
                    "version": state.version + 1,
                },
            )
        written[zone_name] = len(rows) + len(histograms)
    return written


def _insert(model: Any, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Plain INSERTs in batches: a rebuild writes millions of rows, and the ORM's per-object
    work would cost more than the counting."""
    if not rows:
        return
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for offset in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[offset : offset + 5000])


def mark_stale(ticket_ids: Iterable[int], *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    KpiStaleTicket.objects.bulk_create(
        [KpiStaleTicket(ticket_id=pk, marked_at=now) for pk in set(ticket_ids)],
        update_conflicts=True,
        unique_fields=["ticket_id"],
        update_fields=["marked_at"],
    )


_STATE_SEEN: dict[str, float] = {}


def history_changed(ticket_ids: Iterable[int], changes: Iterable[tuple[str, str]]) -> None:
    """HISTORY_LISTENERS hook: the tickets' shares are counted again by the worker (once any
    rollups exist; whether they do is asked at most once a minute per process)."""
    checked = _STATE_SEEN.get("at", 0.0)
    if time.monotonic() - checked > 60 or not _STATE_SEEN.get("exists"):
        _STATE_SEEN.update(at=time.monotonic(), exists=KpiRollupState.objects.exists())
    if _STATE_SEEN["exists"]:
        mark_stale(ticket_ids)


def clocks_changed(ticket_ids: Collection[int]) -> None:
    """sla CLOCK_LISTENERS hook: a stopped clock's business time is in the ticket's share."""
    history_changed(ticket_ids, ())


def _locked_state(zone_name: str, horizon: int, now: datetime) -> KpiRollupState:
    state = KpiRollupState.objects.select_for_update().filter(zone=zone_name).first()
    if state is None:
        state = KpiRollupState.objects.create(
            zone=zone_name, horizon=horizon, rebuilt_at=now, updated_at=now
        )
    return state


def _fresh_shares(
    histories: Iterable[f.TicketHistory], zone: tzinfo, horizon: int
) -> dict[int, Any]:
    """The tickets' shares as their histories read now (read outside any transaction: reading
    a thousand histories must not hold the database's write lock)."""
    return {history.pk: ticket_share(history, zone, horizon) for history in histories}


@dataclass
class Recount:
    """What counting tickets again changes in a zone, worked out before its write transaction
    against one version of its rollups: the tickets whose share differs from the stored one,
    their new shares (packed) and the sums to add (new less stored)."""

    version: int
    ids: list[int]
    shares: list[tuple[int, str, bytes]]
    totals: Counter
    seconds: dict[RowKey, float]


def _recount(state: KpiRollupState, fresh: dict[int, Any], ids: Sequence[int]) -> Recount:
    """Outside any transaction. A ticket whose share reads as stored is left out: at a day's
    end most unsolved tickets only stay open, which their stored runs already say."""
    stored: dict[int, bytes] = {}
    for offset in range(0, len(ids), 5000):
        rows = KpiTicketShare.objects.filter(
            zone=state.zone, ticket_id__in=ids[offset : offset + 5000]
        )
        stored.update((pk, bytes(blob)) for pk, blob in rows.values_list("ticket_id", "entries"))
    out = Recount(state.version, [], [], Counter(), {})
    for pk in ids:
        old = zlib.decompress(stored[pk]) if pk in stored else None
        share = fresh.get(pk)
        new = _dump(share) if share is not None else None
        if new == old:
            continue
        out.ids.append(pk)
        if old is not None:
            _add(out.totals, out.seconds, json.loads(old), -1)
        if share is not None:
            _add(out.totals, out.seconds, share, 1)
            out.shares.append((pk, state.zone, zlib.compress(new)))
    return out


def _write_recount(state: KpiRollupState, recount: Recount, now: datetime) -> None:
    """In the caller's transaction, which holds the state row at the recount's version: the
    shares and sums replaced, the version moved on."""
    for offset in range(0, len(recount.ids), 5000):
        chunk = recount.ids[offset : offset + 5000]
        KpiTicketShare.objects.filter(zone=state.zone, ticket_id__in=chunk).delete()
    _insert(KpiTicketShare, ("ticket_id", "zone", "entries"), recount.shares)
    _apply(state.zone, recount.totals, recount.seconds)
    state.version, state.updated_at = state.version + 1, now


def rollups_refresh(*, limit: int = 2000, now: datetime | None = None) -> int:
    """Counts the stale tickets again (at most `limit`) in every zone; returns how many. A
    zone whose rollups changed meanwhile is left to the next run (the marks stay)."""
    now = now or timezone.now()
    stale = list(
        KpiStaleTicket.objects.order_by("marked_at").values_list("ticket_id", "marked_at")[:limit]
    )
    if not stale:
        return 0
    ids = sorted(pk for pk, _at in stale)
    histories = list(f.load_histories(ids))  # read once for every zone
    counted = {
        state.zone: (
            state.horizon,
            _recount(state, _fresh_shares(histories, ZoneInfo(state.zone), state.horizon), ids),
        )
        for state in KpiRollupState.objects.order_by("zone")
    }
    with transaction.atomic():
        states = list(KpiRollupState.objects.select_for_update().order_by("zone"))
        for state in states:
            horizon, recount = counted.get(state.zone, (None, None))
            if recount is None or (horizon, recount.version) != (state.horizon, state.version):
                return 0  # before writing any zone: all are counted again next run
        for state in states:
            _write_recount(state, counted[state.zone][1], now)
            state.save(update_fields=["version", "updated_at"])
        for pk, marked_at in stale:
            KpiStaleTicket.objects.filter(ticket_id=pk, marked_at=marked_at).delete()
    return len(ids)


def rollups_advance(*, now: datetime | None = None) -> int:
    """Moves each zone's horizon to today once a day has ended there, counting again the
    tickets open at the old horizon or touched since. What changed is worked out first and
    written in one short transaction: a reader sees the rollups through the old horizon or
    through the new one, never between. Returns the tickets counted again."""
    now = now or timezone.now()
    counted = 0
    for state in KpiRollupState.objects.order_by("zone"):
        zone = ZoneInfo(state.zone)
        today = day_of(now, zone)
        if state.horizon >= today:
            continue
        ids = touched_since(midnight(state.horizon, zone))
        ids |= set(
            Ticket.objects.filter(status__in=sorted(UNSOLVED_STATUSES)).values_list("pk", flat=True)
        )
        ordered = sorted(ids)
        recount = _recount(state, _fresh_shares(f.load_histories(ordered), zone, today), ordered)
        with transaction.atomic():
            locked = KpiRollupState.objects.select_for_update().get(pk=state.pk)
            if (locked.horizon, locked.version) != (state.horizon, state.version):
                continue  # changed meanwhile: the next run counts again
            _write_recount(locked, recount, now)
            locked.horizon = today
            locked.save(update_fields=["horizon", "version", "updated_at"])
        counted += len(ordered)
    return counted


def stale_corrections(zone_name: str, horizon: int) -> Recount:
    """For the tickets whose history changed since they were counted: what the worker will
    add to the rollups when it counts them again (their shares as they read now less the
    stored ones), so a reader's answer is exact before the worker has caught up."""
    ids = sorted(KpiStaleTicket.objects.values_list("ticket_id", flat=True))
    state = _zone_state(zone_name)
    if not ids or state is None:
        return Recount(0, [], [], Counter(), {})
    fresh = _fresh_shares(f.load_histories(ids), ZoneInfo(zone_name), horizon)
    return _recount(state, fresh, ids)


def touched_since(moment: datetime) -> set[int]:
    """Tickets with anything a fact is made of at or after `moment` (a clock stops with the
    reply or the solve that stops it, so the events find those tickets too)."""
    ids = set(Ticket.objects.filter(created_at__gte=moment).order_by().values_list("pk", flat=True))
    events = TicketEvent.objects.filter(field__in=f.FACT_FIELDS, created_at__gte=moment)
    ids |= set(events.order_by().values_list("ticket_id", flat=True))
    escalated = Escalation.objects.filter(created_at__gte=moment).order_by()
    ids |= set(escalated.values_list("ticket_id", flat=True))
    return ids


def unbuilt_zones() -> list[str]:
    """The rollup zones with no rollups built (no state row)."""
    built = set(KpiRollupState.objects.values_list("zone", flat=True))
    return [zone for zone in rollup_zones() if zone not in built]


def state_of(zone_name: str, now: datetime | None = None) -> tuple[int, int] | None:
    """The zone's horizon and version. The horizon is today when the worker is current, an
    earlier day when it has not yet moved past a midnight (its open runs reach only that day);
    None without rollups or with a horizon beyond `now`."""
    state = _zone_state(zone_name)
    now = now or timezone.now()
    if state is None or state.horizon > day_of(now, ZoneInfo(zone_name)):
        return None
    return state.horizon, state.version
