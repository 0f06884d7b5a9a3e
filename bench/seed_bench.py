"""Seeding benchmark: `tierdesk seed` writing N tickets (default 1,000,000) with their messages and
events into an empty data folder on the embedded SQLite. Prints a table, writes
bench/results/seed.json."""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import benchlib

NOW = "2024-06-01"  # a fixed end, so every run writes the same desk
SEEDED = re.compile(r"Seeded ([\d,]+) tickets, ([\d,]+) messages and ([\d,]+) events in ([\d.]+) s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--tickets", type=int, default=1_000_000, help="Tickets to seed (default 1,000,000)."
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--keep", action="store_true", help="Keep the data folder and say where it is."
    )
    parser.add_argument("--output", help="JSON file (default bench/results/seed.json).")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="tierdesk-seed-bench-"))
    try:
        benchlib.run_tierdesk(["migrate", "-v", "0"], data_dir)
        started = time.perf_counter()
        process = subprocess.Popen(
            [
                *benchlib.tierdesk_command(),
                "seed",
                "--tickets",
                str(args.tickets),
                "--seed",
                str(args.seed),
                "--now",
                NOW,
            ],
            env=benchlib.embedded_env(data_dir),
            stdout=subprocess.PIPE,
            text=True,
        )
        output = []
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            print(line, end="", flush=True)
        if process.wait():
            print("tierdesk seed failed", file=sys.stderr)
            return 1
        wall = time.perf_counter() - started
        # Linux reports kilobytes: the largest of the seeding processes (writer and generator).
        peak_rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        match = SEEDED.search("".join(output))
        if match is None:
            print("could not read the seeding summary", file=sys.stderr)
            return 1
        tickets, messages, events = (int(match.group(i).replace(",", "")) for i in (1, 2, 3))
        seconds = float(match.group(4))
        size = benchlib.data_size(data_dir / "tierdesk.sqlite3")
    finally:
        if args.keep:
            print(f"Data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

    rows = tickets + messages + events
    result = {
        "benchmark": "seed",
        "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": benchlib.machine(),
        "database": "sqlite (embedded default)",
        "tickets": tickets,
        "messages": messages,
        "events": events,
        "rows": rows,
        "seconds": round(seconds, 1),
        "wall_seconds": round(wall, 1),
        "rows_per_second": round(rows / seconds),
        "tickets_per_second": round(tickets / seconds),
        "peak_rss_mib": round(peak_rss_mib),
        "database_gib": round(size["database_bytes"] / 1024**3, 2),
        "target": "1,000,000 tickets in under 600 s",
        "met": tickets < 1_000_000 or seconds < 600,
    }
    print()
    m = result["machine"]
    print(
        f"Machine: {m['cores']} cores, {m['cpu_model']}, {m['memory_gib']} GiB; SQLite {m['sqlite']}"
    )
    benchlib.print_table(
        ["tickets", "messages", "events", "seconds", "rows/s", "peak RSS", "database"],
        [
            [
                f"{tickets:,}",
                f"{messages:,}",
                f"{events:,}",
                f"{seconds:.1f}",
                f"{rows / seconds:,.0f}",
                f"{peak_rss_mib:,.0f} MiB",
                f"{result['database_gib']} GiB",
            ]
        ],
    )
    path = benchlib.write_json("seed.json", result, args.output)
    print(f"\nWritten to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
