"""SLA benchmark: the sweep over 100,000 open tickets (default), and recomputing one ticket's clocks.

In a throwaway data folder on the embedded SQLite, or with --database on a PostgreSQL database it
drops and creates: migrates (the default calendars and policies), seeds the demo cast, then writes
the open tickets in bulk, opened over the last three weeks before a fixed moment, each with its
history: 2 events for the 15% nobody answered yet, 5 to about 25 for the others (the customer's
messages, replies, pending and open, on hold, a priority change). Computes every ticket's clocks with `clocks_refresh` in batches, and marks what was due
before that moment as seen, as on a desk whose sweep has run all along. Then measures:

- a steady-state sweep, nothing due (the median of several);
- recomputing one ticket's clocks, `clocks_refresh([number])`, over random tickets with 5 to 15
  events;
- a catch-up sweep at NOW after the worker was down for as long as it takes for 10% of the
  tickets (--breach-share) to have a breach to record; the warnings are those that fell due
  meanwhile (about 4%: the default policies' warning windows never hold more tickets at once),
  with their notifications and priority raises.

Prints a table, writes bench/results/sla_bench.json (sla_bench_postgresql.json on PostgreSQL).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import benchlib

# A Wednesday, 15:00 UTC: business hours are open in London and New York, closed in Tokyo.
NOW = datetime(2024, 6, 5, 15, 0, tzinfo=UTC)
SWEEP_TARGET_SECONDS = 5.0
RECOMPUTE_TARGET_MS = 5.0
CHANNELS = (("portal", 45), ("email", 40), ("api", 15))
PRIORITIES = (("low", 15), ("normal", 60), ("high", 20), ("urgent", 5))
AREAS = ("query_engine", "ingestion", "integrations", "dashboards", "api", "administration")
STATUS_LABELS = {"new": "New", "open": "Open", "pending": "Pending", "on_hold": "On hold"}


def setup_django(data_dir: Path, database: str | None) -> str:
    """Django on a fresh database: the embedded SQLite in `data_dir`, or the PostgreSQL database
    `database` names, dropped and created anew. Returns what the results call it."""
    os.environ.pop("TIERDESK_REDIS_URL", None)
    os.environ["TIERDESK_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("TIERDESK_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tierdesk.settings"
    label = "sqlite (embedded default)"
    if database:
        recreate_postgres(database)
        os.environ["TIERDESK_DATABASE_URL"] = database
    else:
        os.environ.pop("TIERDESK_DATABASE_URL", None)
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    if database:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            label = f"postgresql {cursor.fetchone()[0]}"
    return label


def recreate_postgres(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name or name in {"postgres", "template0", "template1"}:
        raise SystemExit(f"--database must name a database of the benchmark's own, not {name!r}")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')


# --- seeding -------------------------------------------------------------------------------------


class Stamp:
    """Timestamps as the database stores them: naive UTC text on SQLite, explicit UTC elsewhere."""

    def __init__(self, postgres: bool) -> None:
        self.suffix = "+00:00" if postgres else ""

    def __call__(self, ts: float) -> str:
        return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%d %H:%M:%S") + self.suffix

    def label(self, ts: float) -> str:
        # str() of an aware datetime, as tickets.events stores a time in to_value.
        return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%d %H:%M:%S") + "+00:00"


def simulate(cast, count: int, seed: int, first, postgres: bool):
    """Yields chunks of ticket and event rows (demo.bulk's column orders): `count` tickets still
    open at NOW, each with the history the clocks are computed from."""
    rng = random.Random(seed)
    stamp = Stamp(postgres)
    end = NOW.timestamp()
    contacts = [(c, p) for c in cast.companies for p in c.contacts]
    groups = [(gid, cast.group_members.get(name, [])) for name, gid in cast.groups.items()]
    groups = [(gid, members) for gid, members in groups if members]
    channels, channel_weights = zip(*CHANNELS, strict=True)
    priorities, priority_weights = zip(*PRIORITIES, strict=True)
    number, event_id = first.ticket, first.event
    tickets: list[tuple] = []
    events: list[tuple] = []

    def event(ticket, at, actor, kind, field="", old="", new="", data="{}"):
        nonlocal event_id
        events.append((event_id, ticket, actor, kind, field, old, new, None, data, stamp(at)))
        event_id += 1

    def change(ticket, at, actor, field, old, new, labels=None):
        from_label, to_label = labels or (old, new)
        data = json.dumps({"from_label": from_label, "to_label": to_label})
        event(ticket, at, actor, "changed", field, old, new, data)

    for _ in range(count):
        company, person = rng.choice(contacts)
        group, members = rng.choice(groups)
        assignee = rng.choice(members) if rng.random() < 0.7 else None
        staff = assignee or rng.choice(members)
        channel = rng.choices(channels, channel_weights)[0]
        priority = rng.choices(priorities, priority_weights)[0]
        # The backlog: most tickets opened in the last days, a tail of three weeks.
        created = end - min(rng.expovariate(1 / (2.5 * 86400)), 21 * 86400)
        event(
            number,
            created,
            person.id,
            "created",
            data=json.dumps(
                {
                    "channel": channel,
                    "type": "question",
                    "priority": priority,
                    "product_area": "",
                    "language": person.language,
                    "tags": [],
                    "requester": person.id,
                    "group": group,
                }
            ),
        )
        event(number, created, person.id, "message")
        status, first_response, at = "new", None, created
        # Most tickets were answered, often within the hour; each later round is the customer
        # writing and the desk answering, now and then waiting on the customer or on hold.
        if rng.random() < 0.85:
            at += rng.lognormvariate(7.5, 1.0)
            if at < end:
                event(number, at, staff.id, "message")
                first_response = at
                change(number, at, staff.id, "first_responded_at", "", stamp.label(at))
                change(number, at, staff.id, "status", "new", "open", ("New", "Open"))
                status = "open"
                for _round in range(rng.randint(0, 4)):
                    if status == "open" and rng.random() < 0.4:
                        change(number, at + 1, staff.id, "status", "open", "pending")
                        status = "pending"
                    at += rng.uniform(1800, 20 * 3600)
                    if at >= end:
                        break
                    event(number, at, person.id, "message")
                    if status in {"pending", "on_hold"}:
                        change(number, at, person.id, "status", status, "open")
                        status = "open"
                    if rng.random() < 0.2:
                        new = rng.choice([p for p in priorities if p != priority])
                        change(number, at + 5, staff.id, "priority", priority, new)
                        priority = new
                    at += rng.lognormvariate(8.5, 1.0)
                    if at >= end:
                        break
                    event(number, at, staff.id, "message")
                    if rng.random() < 0.08:
                        change(number, at, staff.id, "status", "open", "on_hold")
                        status = "on_hold"
        updated = min(at, end)
        tickets.append(
            (
                number,
                f"Benchmark ticket {number}",
                channel,
                "question",
                rng.choice(AREAS),
                priority,
                status,
                1,
                person.language,
                "[]",
                False,
                stamp(created),
                stamp(updated),
                stamp(first_response) if first_response else None,
                None,
                None,
                assignee.id if assignee else None,
                group,
                company.id,
                person.id,
                "",
            )
        )
        number += 1
        if len(tickets) == 5000:
            yield tickets, [], events, []
            tickets, events = [], []
    if tickets:
        yield tickets, [], events, []


def seed(count: int, seed_value: int) -> dict:
    from django.db import connection

    from tierdesk.demo.bulk import chunks_write, first_free_ids
    from tierdesk.demo.cast import cast_ensure

    cast = cast_ensure()
    first = first_free_ids()
    postgres = connection.vendor == "postgresql"
    started = time.perf_counter()

    def progress(done: int, total: int, elapsed: float) -> None:
        print(f"  {done:,} / {total:,} tickets written, {elapsed:.0f} s", flush=True)

    written = chunks_write(
        lambda: simulate(cast, count, seed_value, first, postgres),
        total=count,
        started=started,
        progress=progress,
    )
    return {
        "tickets": written.tickets,
        "events": written.events,
        "seconds": round(time.perf_counter() - started, 1),
        "first_number": first.ticket,
    }


# --- measuring -----------------------------------------------------------------------------------


def compute_clocks(numbers: list[int]) -> float:
    from django.db import transaction

    from tierdesk.sla.book import current_book
    from tierdesk.sla.services import BATCH, clocks_refresh

    book = current_book()
    started = time.perf_counter()
    for start in range(0, len(numbers), BATCH):
        with transaction.atomic():
            clocks_refresh(numbers[start : start + BATCH], now=NOW, book=book)
        if start and start % 20_000 == 0:
            print(
                f"  {start:,} tickets computed, {time.perf_counter() - started:.0f} s", flush=True
            )
    return time.perf_counter() - started


def analyze() -> None:
    """Fresh planner statistics on the clocks, and on PostgreSQL no dead index entries left by
    the mass updates above: what autovacuum does after them on a live desk, whose sweeps
    change a few rows a minute rather than every clock at once."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE sla_slaclock")
        else:
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")


def mark_seen(moment: datetime) -> None:
    """Warnings and breaches due before `moment` count as recorded at their time, as a sweep
    running all along would have left them; those from then on as not recorded yet."""
    from django.db.models import F

    from tierdesk.sla.models import SlaClock

    SlaClock.objects.filter(warned_at__gt=moment).update(warned_at=None)
    SlaClock.objects.filter(warned_at__isnull=True, warn_at__lte=moment).update(
        warned_at=F("warn_at")
    )
    SlaClock.objects.filter(breach_recorded_at__gte=moment).update(breach_recorded_at=None)
    SlaClock.objects.filter(breach_recorded_at__isnull=True, due_at__lt=moment).update(
        breach_recorded_at=F("due_at")
    )


def down_since(until: datetime, tickets: int, share: float) -> datetime:
    """When the worker must have stopped for `share` of the tickets to have a breach to record at
    `until`: the due time of that many clocks back from it."""
    from tierdesk.sla.models import SlaClock

    wanted = int(tickets * share)
    dues = list(
        SlaClock.objects.filter(due_at__lt=until, state__in=["running", "paused"])
        .order_by("-due_at")
        .values_list("due_at", flat=True)[: wanted + 1]
    )
    return dues[-1] + timedelta(microseconds=1)


def pending_counts(now: datetime) -> dict[str, int]:
    from tierdesk.sla.models import SlaClock
    from tierdesk.sla.sweep import breaches_due, warning_due

    return {
        "warnings": SlaClock.objects.filter(warning_due(now)).count(),
        "breaches": sum(SlaClock.objects.filter(q).count() for q in breaches_due(now)),
    }


def sweep(now: datetime, profile: bool = False):
    from tierdesk.sla.sweep import sla_sweep

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    report = sla_sweep(now=now)
    seconds = time.perf_counter() - started
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return report, seconds


def recompute_one(tickets: list[int]) -> tuple[list[float], list[float]]:
    """Milliseconds of `clocks_refresh([number])` in its own transaction, for each ticket; and
    of the same transaction doing nothing but lock the ticket and commit, the floor under it."""
    from django.db import transaction

    from tierdesk.sla.book import current_book
    from tierdesk.sla.services import clocks_refresh
    from tierdesk.tickets.models import Ticket

    current_book()  # compiled once per process; what a web worker has at hand
    times, floor = [], []
    for number in tickets:
        started = time.perf_counter()
        with transaction.atomic():
            clocks_refresh([number], now=NOW)
        times.append((time.perf_counter() - started) * 1000)
    for number in tickets:
        started = time.perf_counter()
        with transaction.atomic():
            Ticket.objects.select_for_update().filter(pk=number).exists()
        floor.append((time.perf_counter() - started) * 1000)
    return times, floor


def with_history(fewest: int, most: int) -> list[int]:
    """The tickets with this many events, in order."""
    from django.db.models import Count

    from tierdesk.tickets.models import TicketEvent

    return list(
        TicketEvent.objects.values("ticket_id")
        .annotate(events=Count("id"))
        .filter(events__gte=fewest, events__lte=most)
        .order_by("ticket_id")
        .values_list("ticket_id", flat=True)
    )


def sizes(first_number: int) -> dict[str, int]:
    from tierdesk.sla.models import SlaClock
    from tierdesk.tickets.models import Ticket, TicketEvent

    return {
        "open_tickets": Ticket.objects.filter(pk__gte=first_number).count(),
        "events": TicketEvent.objects.count(),
        "clocks": SlaClock.objects.count(),
        "running_clocks": SlaClock.objects.filter(state="running").count(),
        "paused_clocks": SlaClock.objects.filter(state="paused").count(),
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(args: argparse.Namespace, database: str) -> dict:
    from tierdesk.macros.models import Notification

    rng = random.Random(args.seed)
    print(f"Writing {args.tickets:,} open tickets with their histories", flush=True)
    seeded = seed(args.tickets, args.seed)
    numbers = list(range(seeded["first_number"], seeded["first_number"] + seeded["tickets"]))
    print(f"Computing their clocks in batches ({seeded['events']:,} events)", flush=True)
    compute_seconds = compute_clocks(numbers)
    mark_seen(NOW)
    analyze()
    data = sizes(seeded["first_number"])
    print(f"  {data['clocks']:,} clocks in {compute_seconds:.1f} s", flush=True)

    print(f"Steady state: {args.repeat} sweeps with nothing due", flush=True)
    steady = [sweep(NOW) for _ in range(args.repeat)]
    steady_seconds = [seconds for _report, seconds in steady]

    print(f"Recomputing one ticket's clocks, {args.recompute} tickets", flush=True)
    recompute_ms, floor_ms = recompute_one(rng.sample(with_history(5, 15), args.recompute))

    since = down_since(NOW, len(numbers), args.breach_share)
    mark_seen(since)
    analyze()
    due = pending_counts(NOW)
    print(
        f"Catch-up: worker down from {since:%Y-%m-%d %H:%M} to {NOW:%H:%M}; "
        f"{due['warnings']:,} warnings and {due['breaches']:,} breaches due",
        flush=True,
    )
    notifications_before = Notification.objects.count()
    catch_up, catch_up_seconds = sweep(NOW, args.profile)
    after, after_seconds = sweep(NOW)
    result = {
        "benchmark": "sla",
        "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": benchlib.machine(),
        # Other work on the machine skews every figure; this says how busy it was.
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "database": database,
        "clock": NOW.isoformat(),
        "data": {**data, "seed_seconds": seeded["seconds"]},
        "compute_clocks": {
            "tickets": len(numbers),
            "seconds": round(compute_seconds, 2),
            "tickets_per_second": round(len(numbers) / compute_seconds),
        },
        "steady_sweep": {
            "runs": len(steady_seconds),
            "median_ms": round(statistics.median(steady_seconds) * 1000, 2),
            "max_ms": round(max(steady_seconds) * 1000, 2),
            "warned": sum(r.warned for r, _s in steady),
            "breached": sum(r.breached for r, _s in steady),
        },
        "catch_up_sweep": {
            "down_since": since.isoformat(),
            "swept_at": NOW.isoformat(),
            "due_warnings": due["warnings"],
            "due_breaches": due["breaches"],
            "seconds": round(catch_up_seconds, 3),
            "warned": catch_up.warned,
            "breached": catch_up.breached,
            "priority_raised": catch_up.priority_raised,
            "notified": catch_up.notified,
            "notifications_written": Notification.objects.count() - notifications_before,
            "stale_recomputed": catch_up.stale_recomputed,
            "next_sweep_ms": round(after_seconds * 1000, 2),
            "next_sweep_recorded": after.warned + after.breached,
        },
        "recompute_one": {
            "tickets": len(recompute_ms),
            "median_ms": round(statistics.median(recompute_ms), 2),
            "p95_ms": round(percentile(recompute_ms, 0.95), 2),
            "max_ms": round(max(recompute_ms), 2),
            "lock_and_commit_median_ms": round(statistics.median(floor_ms), 2),
        },
        "targets": {
            "sweep": f"under {SWEEP_TARGET_SECONDS:g} s over {len(numbers):,} open tickets",
            "recompute_one": f"median under {RECOMPUTE_TARGET_MS:g} ms",
        },
    }
    result["met"] = (
        catch_up_seconds < SWEEP_TARGET_SECONDS
        and max(steady_seconds) < SWEEP_TARGET_SECONDS
        and statistics.median(recompute_ms) < RECOMPUTE_TARGET_MS
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=100_000, help="Open tickets (100,000).")
    parser.add_argument("--recompute", type=int, default=500, help="Tickets recomputed one by one.")
    parser.add_argument("--repeat", type=int, default=5, help="Steady-state sweeps (default 5).")
    parser.add_argument(
        "--breach-share",
        type=float,
        default=0.10,
        help="Share of tickets with a breach to record in the catch-up sweep (default 0.10).",
    )
    parser.add_argument(
        "--profile", action="store_true", help="Print a profile of the catch-up sweep."
    )
    parser.add_argument(
        "--database",
        help="A PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/sla_bench: the database "
        "is dropped and created anew. Default: the embedded SQLite in a throwaway folder.",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="Keep the data folder.")
    parser.add_argument(
        "--output",
        help="JSON file (default bench/results/sla_bench.json, sla_bench_postgresql.json).",
    )
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="tierdesk-sla-bench-"))
    try:
        database = setup_django(data_dir, args.database)
        result = run(args, database)
    finally:
        if args.keep:
            print(f"Data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

    m = result["machine"]
    print(
        f"\nMachine: {m['cores']} cores, {m['cpu_model']}, {m['memory_gib']} GiB; "
        f"database: {result['database']}"
    )
    d = result["data"]
    print(
        f"Data: {d['open_tickets']:,} open tickets, {d['events']:,} events, {d['clocks']:,} "
        f"clocks ({d['running_clocks']:,} running, {d['paused_clocks']:,} paused)\n"
    )
    steady, catch_up, one = (
        result["steady_sweep"],
        result["catch_up_sweep"],
        result["recompute_one"],
    )
    compute = result["compute_clocks"]
    benchlib.print_table(
        ["measure", "work", "time", "target"],
        [
            [
                "compute all clocks (batches of 500)",
                f"{compute['tickets']:,} tickets",
                f"{compute['seconds']:.1f} s ({compute['tickets_per_second']:,} tickets/s)",
                "",
            ],
            [
                f"steady sweep, nothing due (median of {steady['runs']})",
                "0 recorded",
                f"{steady['median_ms']:.1f} ms",
                f"< {SWEEP_TARGET_SECONDS:g} s",
            ],
            [
                "catch-up sweep",
                f"{catch_up['warned']:,} warned, {catch_up['breached']:,} breached, "
                f"{catch_up['priority_raised']:,} raised, {catch_up['notified']:,} notified",
                f"{catch_up['seconds']:.2f} s",
                f"< {SWEEP_TARGET_SECONDS:g} s",
            ],
            [
                "recompute one ticket (median / p95)",
                f"{one['tickets']} tickets, 5-15 events",
                f"{one['median_ms']:.2f} / {one['p95_ms']:.2f} ms",
                f"median < {RECOMPUTE_TARGET_MS:g} ms",
            ],
        ],
    )
    default_name = "sla_bench_postgresql.json" if args.database else "sla_bench.json"
    path = benchlib.write_json(default_name, result, args.output)
    print(f"\nWritten to {path}")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
