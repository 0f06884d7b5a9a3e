"""Team KPI benchmark: the dashboard's KPIs over 12 weeks on a desk of 1,000,000 tickets (default).

Builds the desk once in a data folder on the embedded SQLite (bench/kpi_data.py: two years of
tickets with their events, escalations and stopped SLA clocks, written in bulk; kept and reused
by later runs), then the daily rollups (`rollups_rebuild`, timed). Then measures, in process
(server time, no HTTP), a 12-week period ending today (the dashboard's default, so today's facts
come from the raw events and the backlog as the tickets stand now):

- the team dashboard's KPIs: every ticket KPI for the whole period and per week, the backlog by
  age and the arrivals per hour of the week, counted with the rollups and from raw events (by
  the database, on two connections and on one; and, once, from every touched ticket's facts,
  the reference the database's counting must equal);
- the whole dashboard's ticket KPIs with the per-group and per-tier tables, with the rollups;
- the busiest engineer's own view (their figures from the events of the tickets they touched);
- keeping the rollups current: counting 1,000 changed tickets again, and the day's end (every
  unsolved ticket counted again; rolled back afterwards).

Prints a table, writes bench/results/kpi_bench.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib
import kpi_data

NOW = datetime(2026, 12, 6, 22, 0, tzinfo=UTC)  # the end of the generated history


def period() -> tuple[datetime, datetime]:
    today = NOW.date()
    monday = today - timedelta(days=today.weekday())
    start = datetime.combine(monday - timedelta(weeks=11), datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return start, end


def team_dashboard(source: str, breakdowns: bool = False, in_database: bool = True) -> dict:
    """What the team dashboard counts: each KPI for the period and per week, backlog ages, the
    hour-of-week arrivals (and per group and per tier). From raw events the database counts
    them, or (`in_database` False) every touched ticket's facts are read."""
    from tierdesk.measures.book import KpiBook
    from tierdesk.measures.kpis import METRICS, Scope

    start, end = period()
    book = KpiBook(
        Scope(zone=UTC), start, end, "UTC", source=source, now=NOW, in_database=in_database
    )
    figures = {}
    for metric in METRICS:
        figures[metric] = (
            book.whole(metric, None)[None].value,
            [c.value for _m, c in book.weekly(metric)],
        )
    book.whole("backlog", "age")
    book.whole("volume", "hour_of_week")
    if breakdowns:
        for key in ("group", "tier"):
            for metric in METRICS:
                book.whole(metric, key)
    return {"figures": figures, "sources": sorted(book.sources_used)}


def team_raw_one_connection() -> dict:
    """The raw dashboard inside a transaction: its queries run one after another."""
    from django.db import transaction

    with transaction.atomic():
        return team_dashboard("raw")


def busiest_engineer():
    """The engineer with the most status changes in the period."""
    from django.db.models import Count

    from tierdesk.accounts.models import User
    from tierdesk.tickets.models import TicketEvent

    start, _end = period()
    busiest = (
        TicketEvent.objects.filter(created_at__gte=start, field="status", actor__isnull=False)
        .values("actor")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return User.objects.get(pk=busiest["actor"])


def engineer_view(engineer) -> dict:
    """What an engineer's own view counts: their work and KPIs from the events of the tickets
    they touched, beside the team's from the rollups."""
    from tierdesk.measures.selectors import engineer_figures, kpi_query

    start, end = period()
    query = kpi_query(
        metric="volume", start=start.date(), end=(end - timedelta(days=1)).date(), tz="UTC", now=NOW
    )
    figures = engineer_figures(query, engineer, now=NOW)
    return {"engineer": engineer.username, "counts": figures["counts"]}


def timed(call, passes: int) -> dict:
    seconds = []
    result = None
    for _ in range(passes):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    return {
        "passes": passes,
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
        "min_ms": round(min(seconds) * 1000, 1),
        "result": result,
    }


def refresh_cost(count: int) -> dict:
    """Counting again `count` tickets whose history changed: the most recent tickets are solved
    (or reopened) by staff a minute before now, then rolled back so the desk stays as built."""
    from django.db import transaction

    from tierdesk.accounts.models import User
    from tierdesk.measures.models import KpiStaleTicket
    from tierdesk.measures.rollups import mark_stale, rollups_refresh
    from tierdesk.tickets.choices import EventKind
    from tierdesk.tickets.models import Ticket, TicketEvent

    staff = User.objects.exclude(role="customer").order_by("pk").first()
    # Closed is final; tickets of the last hour could have events after the new one.
    recent = Ticket.objects.exclude(status="closed").filter(updated_at__lt=NOW - timedelta(hours=1))
    recent = recent.order_by("-pk")
    tickets = list(recent.values_list("pk", "status")[:count])
    with transaction.atomic():
        TicketEvent.objects.bulk_create(
            TicketEvent(
                ticket_id=pk,
                actor=staff,
                kind=EventKind.CHANGED,
                field="status",
                from_value=status,
                to_value="open" if status == "solved" else "solved",
                created_at=NOW - timedelta(minutes=1),
            )
            for pk, status in tickets
        )
        mark_stale([pk for pk, _status in tickets], now=NOW)
        started = time.perf_counter()
        while rollups_refresh(now=NOW):
            pass
        seconds = time.perf_counter() - started
        assert not KpiStaleTicket.objects.exists()
        transaction.set_rollback(True)
    return {"tickets": count, "seconds": round(seconds, 2)}


def day_end_cost() -> dict:
    """The midnight advance (every unsolved ticket and those touched since counted again), timed
    and then rolled back so the rollups stay as built; `locked_seconds` is the part inside its
    write transaction."""
    from django.db import transaction

    from tierdesk.measures import rollups

    replace = rollups._write_recount
    locked: list[float] = []

    def timed_replace(*args, **kwargs):
        started = time.perf_counter()
        replace(*args, **kwargs)
        locked.append(time.perf_counter() - started)

    rollups._write_recount = timed_replace
    try:
        with transaction.atomic():
            started = time.perf_counter()
            counted = rollups.rollups_advance(now=NOW + timedelta(hours=3))
            seconds = time.perf_counter() - started
            transaction.set_rollback(True)
    finally:
        rollups._write_recount = replace
    return {
        "tickets": counted,
        "seconds": round(seconds, 1),
        "locked_seconds": round(sum(locked), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--data-dir", default=None, help="Default: var/bench-kpi-<tickets>.")
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--raw-passes", type=int, default=3)
    parser.add_argument("--output", default=None)
    parser.add_argument(
        "--keep-rollups",
        action="store_true",
        help="Measure the rollups already built in the data folder instead of rebuilding them.",
    )
    args = parser.parse_args()
    data_dir = Path(args.data_dir or benchlib.ROOT / "var" / f"bench-kpi-{args.tickets}")
    kpi_data.setup_django(data_dir)

    from django.db import connection

    from tierdesk.measures.models import KpiDurations, KpiRollup
    from tierdesk.measures.rollups import rollups_rebuild
    from tierdesk.tickets.models import Ticket, TicketEvent

    built: dict = {}
    if not Ticket.objects.exists():
        print(f"Writing {args.tickets:,} tickets into {data_dir} ...", flush=True)
        built = kpi_data.build(args.tickets, now=NOW)
    desk = {
        "tickets": Ticket.objects.count(),
        "events": TicketEvent.objects.count(),
        **{k: v for k, v in built.items() if k.endswith("seconds")},
    }
    print(f"Desk: {desk['tickets']:,} tickets, {desk['events']:,} events", flush=True)

    from tierdesk.measures.models import KpiRollupState

    kept = args.keep_rollups and KpiRollupState.objects.filter(zone="UTC").exists()
    started = time.perf_counter()
    rows = (
        {"UTC": KpiRollup.objects.filter(zone="UTC").count()}
        if kept
        else rollups_rebuild(
            now=NOW, progress=lambda zone, done, total: print(f"  {done:,} / {total:,}", flush=True)
        )
    )
    rebuild = {"seconds": round(time.perf_counter() - started, 1), "rows": rows}
    if kept:
        # The figures of the run that built them, when that run wrote its results.
        previous = benchlib.RESULTS / "kpi_bench.json"
        if previous.exists():
            rebuild = json.loads(previous.read_text()).get("rebuild", rebuild)
        rebuild["kept"] = True
    else:
        print(f"Rollups rebuilt: {rows} rows in {rebuild['seconds']} s", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM") if connection.vendor == "sqlite" else None

    engineer = busiest_engineer()
    results = {
        "team_rollups": timed(lambda: team_dashboard("auto"), args.passes),
        "dashboard_with_breakdowns_rollups": timed(
            lambda: team_dashboard("auto", breakdowns=True), args.passes
        ),
        "team_raw": timed(lambda: team_dashboard("raw"), args.raw_passes),
        "team_raw_one_connection": timed(team_raw_one_connection, args.raw_passes),
        "team_raw_per_ticket": timed(lambda: team_dashboard("raw", in_database=False), 1),
        "engineer_view": timed(lambda: engineer_view(engineer), args.passes),
    }
    rolled, raw = results["team_rollups"]["result"], results["team_raw"]["result"]
    agree = _agree(rolled["figures"], raw["figures"])
    per_ticket = results["team_raw_per_ticket"]["result"]
    agree["raw_counted_by_the_database_equals_per_ticket_facts"] = (
        per_ticket["figures"] == raw["figures"]
        and results["team_raw_one_connection"]["result"]["figures"] == raw["figures"]
    )
    refresh = refresh_cost(1000)
    day_end = day_end_cost()
    rollup_rows = KpiRollup.objects.count()
    histograms = KpiDurations.objects.count()

    table = [
        [
            "team dashboard KPIs, 12 weeks, rollups",
            results["team_rollups"]["median_ms"],
            results["team_rollups"]["max_ms"],
            "< 300 ms",
            ",".join(rolled["sources"]),
        ],
        [
            "same + per-group and per-tier tables, rollups",
            results["dashboard_with_breakdowns_rollups"]["median_ms"],
            results["dashboard_with_breakdowns_rollups"]["max_ms"],
            "",
            "",
        ],
        [
            "team dashboard KPIs, 12 weeks, raw events",
            results["team_raw"]["median_ms"],
            results["team_raw"]["max_ms"],
            "< 5000 ms",
            ",".join(raw["sources"]),
        ],
        [
            "same, raw, the queries on one connection",
            results["team_raw_one_connection"]["median_ms"],
            results["team_raw_one_connection"]["max_ms"],
            "",
            ",".join(raw["sources"]),
        ],
        [
            "same, raw, every touched ticket's facts read (reference)",
            results["team_raw_per_ticket"]["median_ms"],
            results["team_raw_per_ticket"]["max_ms"],
            "",
            "raw",
        ],
        [
            "busiest engineer's own view beside the team's",
            results["engineer_view"]["median_ms"],
            results["engineer_view"]["max_ms"],
            "",
            "raw + rollups",
        ],
    ]
    benchlib.print_table(["measure", "median ms", "max ms", "target", "source"], table)
    print(
        f"rollup rows {rollup_rows:,} and {histograms:,} duration histograms; rebuild {rebuild['seconds']} s; refresh of "
        f"{refresh['tickets']:,} changed tickets {refresh['seconds']} s; day end "
        f"{day_end['tickets']:,} tickets {day_end['seconds']} s ({day_end['locked_seconds']} s "
        f"in its write transaction); raw and rollups "
        f"agree: {agree['agree']} (largest percentile gap {agree['largest_gap_percent']} %); "
        "raw counted by the database equals the per-ticket facts: "
        f"{agree['raw_counted_by_the_database_equals_per_ticket_facts']}"
    )
    for entry in results.values():
        entry.pop("result")
    payload = {
        "machine": benchlib.machine(),
        "desk": desk,
        "period": [moment.isoformat() for moment in period()],
        "now": NOW.isoformat(),
        "rebuild": rebuild,
        "rollup_rows": rollup_rows,
        "duration_histograms": histograms,
        "refresh": refresh,
        "day_end": day_end,
        "agreement": agree,
        "results": results,
    }
    path = benchlib.write_json("kpi_bench.json", payload, args.output)
    print(f"Wrote {path}")
    return 0


def _agree(rolled: dict, raw: dict) -> dict:
    """Counts and rates must be equal; percentiles within the buckets' 2.2 %."""
    gap = 0.0
    same = True
    for metric, (whole, weekly) in raw.items():
        for a, b in zip([whole, *weekly], [rolled[metric][0], *rolled[metric][1]], strict=True):
            if a is None or b is None:
                same &= a == b
            elif metric in ("first_response_time", "resolution_time", "time_to_close"):
                gap = max(gap, abs(a - b) / a * 100 if a else 0)
            else:  # mttr is rounded to 0.1 s after summing in another order
                same &= abs(a - b) <= (0.1 if metric == "mttr" else 1e-6)
    return {"agree": same and gap <= 2.3, "largest_gap_percent": round(gap, 2)}


if __name__ == "__main__":
    sys.exit(main())
