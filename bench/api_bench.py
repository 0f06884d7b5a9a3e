"""API benchmark: the REST API over real HTTP on a seeded desk (default 100,000 tickets).

Seeds a temporary data folder, starts `tierdesk web` (gunicorn) on a free 127.0.0.1 port, takes
tokens for an agent and a customer, then sends a bounded number of requests per scenario from a
few client threads: open a ticket, the agent's first page of the list, ticket detail, the
customer's list. Client latency is measured around each request; server time is read from the
`Server-Timing: app;dur=<ms>` header. Prints a table, writes bench/results/api.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import benchlib

HOST = "127.0.0.1"
SERVER_TIMING = re.compile(r"app;dur=([\d.]+)")
REQUEST_TIMEOUT = 30.0
TARGETS = {
    "agent_list": ("server_p95_ms", 50.0),
    "ticket_detail": ("server_p95_ms", 50.0),
    "ticket_create": ("throughput_rps", 200.0),
}


@dataclass
class Scenario:
    name: str
    label: str
    method: str
    token: str
    make_request: object  # (index) -> (path, body or None)
    expect: int = 200
    client_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    seconds: float = 0.0


def visible_numbers(database: Path) -> list[int]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        return [
            row[0] for row in db.execute("SELECT number FROM tickets_ticket WHERE NOT restricted")
        ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def request(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    token: str | None = None,
    body: dict | None = None,
) -> tuple[int, bytes, float | None, float]:
    """One request on a kept-alive connection: status, body, server ms, client ms."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    connection.request(method, path, body=payload, headers=headers)
    response = connection.getresponse()
    data = response.read()
    client_ms = (time.perf_counter() - started) * 1000
    timing = SERVER_TIMING.search(response.getheader("Server-Timing") or "")
    return response.status, data, float(timing.group(1)) if timing else None, client_ms


def wait_healthy(port: int, server: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"tierdesk web exited with status {server.returncode}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            status, _body, _server, _client = request(connection, "GET", "/api/v1/health")
            connection.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("tierdesk web did not answer /api/v1/health in time")


def token_for(port: int, username: str) -> str:
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    status, body, _server, _client = request(
        connection,
        "POST",
        "/api/v1/auth/token",
        body={"username": username, "password": "demo", "name": "bench"},
    )
    connection.close()
    if status not in (200, 201):
        raise RuntimeError(
            f"POST /api/v1/auth/token for {username} answered {status}: {body[:200]!r}"
        )
    return json.loads(body)["token"]


def run_scenario(
    port: int, scenario: Scenario, requests: int, concurrency: int, warmup: int
) -> None:
    """`requests` requests from `concurrency` threads, each on its own kept-alive connection."""
    counter = iter(range(warmup + requests))
    lock = threading.Lock()
    measured_from = warmup

    def client() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            while True:
                with lock:
                    index = next(counter, None)
                if index is None:
                    return
                path, body = scenario.make_request(index)
                try:
                    status, _data, server_ms, client_ms = request(
                        connection, scenario.method, path, scenario.token, body
                    )
                except (OSError, http.client.HTTPException):
                    connection.close()
                    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
                    status, server_ms, client_ms = 0, None, 0.0
                if index < measured_from:
                    continue
                with lock:
                    scenario.statuses[status] += 1
                    if status == scenario.expect:
                        scenario.client_ms.append(client_ms)
                        if server_ms is not None:
                            scenario.server_ms.append(server_ms)
        finally:
            connection.close()

    # Warm-up requests first, alone, so every worker has imported and connected before timing.
    for _ in range(warmup):
        path, body = scenario.make_request(next(counter))
        connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        request(connection, scenario.method, path, scenario.token, body)
        connection.close()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    scenario.seconds = time.perf_counter() - started


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(scenario: Scenario) -> dict:
    ok = len(scenario.client_ms)
    return {
        "label": scenario.label,
        "requests": sum(scenario.statuses.values()),
        "ok": ok,
        "statuses": {str(k): v for k, v in sorted(scenario.statuses.items())},
        "client_median_ms": round(statistics.median(scenario.client_ms), 2) if ok else None,
        "client_p95_ms": round(percentile(scenario.client_ms, 0.95), 2) if ok else None,
        "server_median_ms": round(statistics.median(scenario.server_ms), 2)
        if scenario.server_ms
        else None,
        "server_p95_ms": round(percentile(scenario.server_ms, 0.95), 2)
        if scenario.server_ms
        else None,
        "throughput_rps": round(ok / scenario.seconds, 1) if scenario.seconds else None,
        "seconds": round(scenario.seconds, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--tickets", type=int, default=100_000, help="Tickets to seed (default 100,000)."
    )
    parser.add_argument(
        "--requests", type=int, default=500, help="Measured requests per scenario (default 500)."
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=os.cpu_count() or 2,
        help="Client threads (default: one per core). The clients share the machine with the server: "
        "more threads than cores measure CPU queueing, not the API.",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default: tierdesk's)."
    )
    parser.add_argument(
        "--warmup", type=int, default=20, help="Unmeasured requests per scenario first."
    )
    parser.add_argument(
        "--data-dir", help="Use this seeded data folder instead of seeding a new one."
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep the data folder and say where it is."
    )
    parser.add_argument("--output", help="JSON file (default bench/results/api.json).")
    args = parser.parse_args()

    own_folder = args.data_dir is None
    data_dir = (
        Path(args.data_dir)
        if args.data_dir
        else Path(tempfile.mkdtemp(prefix="tierdesk-api-bench-"))
    )
    server = None
    log_file = None
    try:
        if own_folder:
            print(f"Seeding {args.tickets:,} tickets into {data_dir} ...", flush=True)
            benchlib.run_tierdesk(["seed", "--tickets", str(args.tickets)], data_dir)
        size = benchlib.data_size(data_dir / "tierdesk.sqlite3")
        port = free_port()
        command = [*benchlib.tierdesk_command(), "web", "--host", HOST, "--port", str(port)]
        if args.workers:
            command += ["--workers", str(args.workers)]
        log_file = open(data_dir / "bench-web.log", "w")  # noqa: SIM115 - closed in finally
        server = subprocess.Popen(
            command,
            env=benchlib.embedded_env(data_dir),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_healthy(port, server)
        agent_token = token_for(port, "agent1")
        customer_token = token_for(port, "customer1")
        # Detail of tickets the agent may read: restricted ones would answer 404.
        visible = visible_numbers(data_dir / "tierdesk.sqlite3")
        rng = random.Random(1)
        numbers = [rng.choice(visible) for _ in range(args.warmup + args.requests)]
        scenarios = [
            Scenario(
                "agent_list",
                "ticket list, first page (agent)",
                "GET",
                agent_token,
                lambda i: ("/api/v1/tickets?limit=50", None),
            ),
            Scenario(
                "ticket_detail",
                "ticket detail (agent)",
                "GET",
                agent_token,
                lambda i: (f"/api/v1/tickets/{numbers[i]}", None),
            ),
            Scenario(
                "customer_list",
                "ticket list, first page (customer)",
                "GET",
                customer_token,
                lambda i: ("/api/v1/tickets?limit=50", None),
            ),
            Scenario(
                "ticket_create",
                "open a ticket (customer)",
                "POST",
                customer_token,
                lambda i: (
                    "/api/v1/tickets",
                    {
                        "subject": f"Bench ticket {i}: ERR_QUERY_TIMEOUT on the Sales KPI dashboard",
                        "body": "Since this morning every refresh fails with ERR_QUERY_TIMEOUT after 300 s.",
                        "priority": "normal",
                        "product_area": "query_engine",
                    },
                ),
                201,
            ),
        ]
        for scenario in scenarios:
            print(
                f"Measuring {scenario.label}: {args.requests} requests, {args.concurrency} clients ...",
                flush=True,
            )
            run_scenario(port, scenario, args.requests, args.concurrency, args.warmup)
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        if log_file is not None:
            log_file.close()
        if own_folder and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
        elif own_folder:
            print(f"Data kept in {data_dir}")

    results = {s.name: summary(s) for s in scenarios}
    checks = {}
    for name, (metric, bound) in TARGETS.items():
        value = results[name][metric]
        met = value is not None and (value < bound if metric.endswith("_ms") else value >= bound)
        checks[name] = {"metric": metric, "target": bound, "value": value, "met": met}
    payload = {
        "benchmark": "api",
        "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": benchlib.machine(),
        "server": {
            "command": "tierdesk web",
            "workers": args.workers or "default (2 x cores)",
            "database": "sqlite",
        },
        "clients": {
            "concurrency": args.concurrency,
            "requests_per_scenario": args.requests,
            "warmup": args.warmup,
        },
        "data": size,
        "results": results,
        "targets": checks,
    }

    m = payload["machine"]
    print()
    print(
        f"Machine: {m['cores']} cores, {m['cpu_model']}, {m['memory_gib']} GiB; Python {m['python']}, "
        f"SQLite {m['sqlite']}"
    )
    print(
        f"Data: {size['tickets']:,} tickets, {size['messages']:,} messages, {size['events']:,} events "
        f"({size['database_bytes'] / 1024**3:.2f} GiB); {args.concurrency} client threads, "
        f"{args.requests} requests per scenario"
    )
    print()
    rows = []
    for scenario in scenarios:
        r = results[scenario.name]
        rows.append(
            [
                r["label"],
                r["ok"],
                r["client_median_ms"],
                r["client_p95_ms"],
                r["server_median_ms"],
                r["server_p95_ms"],
                r["throughput_rps"],
                " ".join(f"{k}x{v}" for k, v in r["statuses"].items()),
            ]
        )
    benchlib.print_table(
        [
            "scenario",
            "ok",
            "client med ms",
            "client p95 ms",
            "server med ms",
            "server p95 ms",
            "req/s",
            "statuses",
        ],
        rows,
    )
    print()
    for name, check in checks.items():
        verdict = "met" if check["met"] else "NOT met"
        print(
            f"target {name}: {check['metric']} {'<' if check['metric'].endswith('_ms') else '>='} "
            f"{check['target']:g} -> {check['value']} ({verdict})"
        )
    path = benchlib.write_json("api.json", payload, args.output)
    print(f"\nWritten to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
