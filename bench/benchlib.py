"""What both benchmarks share: the machine they ran on, running `tierdesk`, tables and JSON."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def machine() -> dict:
    """Cores, CPU model, memory and the versions that matter for the figures."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    memory_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu_model": model or platform.machine(),
        "memory_gib": memory_gib,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def tierdesk_command() -> list[str]:
    """The installed `tierdesk` script next to this Python, else the module."""
    script = Path(sys.executable).with_name("tierdesk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tierdesk.cli"]


def embedded_env(data_dir: Path) -> dict[str, str]:
    """The environment for a child `tierdesk`: the embedded default (SQLite, SQLite queue) in
    `data_dir`, whatever database the calling shell points at."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TIERDESK_DATABASE_URL", "TIERDESK_REDIS_URL"}
    }
    env["TIERDESK_DATA_DIR"] = str(data_dir)
    env.setdefault("TIERDESK_LOG_LEVEL", "WARNING")
    return env


def run_tierdesk(args: list[str], data_dir: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*tierdesk_command(), *args], env=embedded_env(data_dir), check=True, **kwargs
    )


def data_size(database: Path) -> dict[str, int]:
    """Rows in the ticket tables and the database's size on disk."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        counts = {
            name: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for name, table in (
                ("tickets", "tickets_ticket"),
                ("messages", "tickets_message"),
                ("events", "tickets_ticketevent"),
            )
        }
    counts["database_bytes"] = sum(
        p.stat().st_size for p in database.parent.glob(database.name + "*") if p.is_file()
    )
    return counts


def print_table(headers: list[str], rows: list[list[object]]) -> None:
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        print(
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if index == 0:
            print("  ".join("-" * w for w in widths))


def write_json(name: str, payload: dict, output: str | None = None) -> Path:
    path = Path(output) if output else RESULTS / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    return path
