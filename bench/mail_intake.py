"""Inbound email benchmark: 2,000 messages (default) over SMTP to the listener, to tickets.

In a throwaway data folder on the embedded SQLite: migrates and seeds the demo cast, routing and
support addresses, then runs the desk's own processes as `tierdesk serve` would: the SMTP
listener (`tierdesk mail listen`) and the worker (`tierdesk worker`, the huey consumer with its
default threads), both as child processes on that folder. Several client threads send realistic
mail with smtplib, one connection per batch: plain text, HTML with a text part, attachments
(logs, screenshots), Japanese and Russian mail in their own charsets, and replies to earlier
messages with quoted history; senders are the demo's contacts, a few unknown people of their
companies and a few strangers. A message answered 451 is sent again, as a mail server would.

Measures messages per second from the first message sent to the last one processed by the
worker (stored, parsed, and a ticket opened or a reply added), and the listener's rate of stored
messages meanwhile. As on a desk, where the worker runs long before mail arrives, the first
message is sent once the worker has finished starting (its CPU use settles; the start costs
some 4 s of CPU) and CPU per message leaves each process's start out. Then, on a copy of the
seeded desk, each stage alone: the listener storing every message while the started worker is
paused (SIGSTOP), then the worker resumed on that backlog. With --tickets N the desk first
gets N demo tickets and the triage model the demo trains on them (`tierdesk seed`), as a desk
in use has. Prints a table, writes bench/results/mail_intake.json.
"""

# ruff: noqa: RUF001  (Russian mail is Cyrillic on purpose)
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import smtplib
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path

import benchlib

TARGET_PER_SECOND = 100
SUPPORT = "support@tierdesk.test"
FINAL = ("processed", "ignored", "held", "quarantined")

SUBJECTS = {
    "en": [
        "Dashboard shows no data since the upgrade",
        "Query times out after 30 seconds",
        "Kafka connector stopped ingesting",
        "SSO login fails for new users",
        "Export to CSV truncates rows",
        "API token returns 401",
        "Invoice for May is wrong",
        "Backup restore fails with an error",
        "Slow queries on the orders table",
        "Permission denied on shared folder",
    ],
    "ja": [
        "ダッシュボードにデータが表示されません",
        "クエリがタイムアウトします",
        "コネクタの取り込みが停止しました",
        "ログインできません",
        "CSVエクスポートが途中で切れます",
    ],
    "ru": [
        "Дашборд не показывает данные после обновления",
        "Запрос завершается по таймауту",
        "Коннектор перестал загружать данные",
        "Не работает вход через SSO",
        "Экспорт в CSV обрезает строки",
    ],
}
BODIES = {
    "en": (
        "Hello,\n\nsince this morning {thing}. We tried restarting the service and clearing the "
        "cache but nothing changed. This blocks the team's reporting.\n\nCould you take a look?"
        "\n\nThanks,\n{name}"
    ),
    "ja": (
        "お世話になっております。\n\n今朝から{thing}。サービスの再起動も試しましたが改善しません。"
        "\n\nご確認をお願いいたします。\n\n{name}"
    ),
    "ru": (
        "Здравствуйте!\n\nС утра {thing}. Перезапуск сервиса не помог.\n\n"
        "Посмотрите, пожалуйста.\n\nС уважением,\n{name}"
    ),
}
THINGS = {
    "en": ["the dashboards are empty", "every query times out", "the connector is idle"],
    "ja": ["ダッシュボードが空です", "すべてのクエリがタイムアウトします"],
    "ru": ["дашборды пустые", "все запросы падают по таймауту"],
}
# The charsets mail clients in these languages still send in.
CHARSETS = {"en": ["utf-8"], "ja": ["iso-2022-jp", "utf-8"], "ru": ["koi8-r", "utf-8"]}
KINDS = (("plain", 40), ("html", 25), ("attachment", 15), ("reply", 20))


def setup_django(data_dir: Path) -> None:
    for name in ("TIERDESK_DATABASE_URL", "TIERDESK_REDIS_URL"):
        os.environ.pop(name, None)
    os.environ["TIERDESK_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("TIERDESK_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tierdesk.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def seed() -> list[tuple[str, str, str]]:
    """The demo cast, routing and support addresses; (name, address, language) of each contact."""
    from django.db import connections

    from tierdesk.accounts.models import User
    from tierdesk.demo.cast import cast_ensure
    from tierdesk.mail.demo import seed_mail_demo
    from tierdesk.routing.demo import seed_routing_demo

    cast_ensure()
    seed_routing_demo()
    seed_mail_demo()
    contacts = [
        (f"{u.first_name} {u.last_name}", u.email, u.language)
        for u in User.objects.filter(role="customer").exclude(email="").order_by("id")
    ]
    connections.close_all()
    return contacts


def _language(language: str) -> str:
    return language if language in SUBJECTS else "en"


def build_messages(
    count: int, contacts: list[tuple[str, str, str]], rng: random.Random
) -> list[tuple[str, bytes, str]]:
    """(envelope sender, raw message, kind) for `count` messages. Senders take turns, so none
    comes near the per-sender hourly limit."""
    domains = sorted({address.rpartition("@")[2] for _, address, _ in contacts})
    senders = list(contacts)
    rng.shuffle(senders)
    sent: list[tuple[str, str, str, str]] = []  # (message-id, subject, sender, body) to reply to
    messages = []
    kinds = [k for k, weight in KINDS for _ in range(weight)]
    moment = datetime(2024, 6, 5, 9, 30, tzinfo=UTC)
    for n in range(count):
        kind = rng.choice(kinds) if sent else "plain"
        roll = rng.random()
        if roll < 0.05:
            name, address, language = f"Stranger {n}", f"someone{n}@gmail.example", "en"
        elif roll < 0.12:
            domain = rng.choice(domains)
            name, address, language = f"New Colleague {n}", f"new.person{n}@{domain}", "en"
        else:
            name, address, language = senders[n % len(senders)]
        language = _language(language)
        message = EmailMessage(policy=SMTP)
        message_id = make_msgid(domain=address.rpartition("@")[2])
        message["Message-ID"] = message_id
        message["Date"] = format_datetime(moment + timedelta(seconds=n))
        message["To"] = f"tierdesk Support <{SUPPORT}>"
        charset = rng.choice(CHARSETS[language])
        if kind == "reply":
            original_id, subject, original_sender, original_body = rng.choice(sent[-200:])
            name, address = original_sender
            message["Subject"] = f"Re: {subject}"
            message["In-Reply-To"] = original_id
            message["References"] = original_id
            quoted = "\n".join(f"> {line}" for line in original_body.splitlines())
            body = (
                f"One more detail: it happens only on the eu-west cluster.\n\n"
                f"On Wed, 5 Jun 2024 at 09:30, {name} <{address}> wrote:\n{quoted}\n"
            )
            charset = "utf-8"
        else:
            subject = rng.choice(SUBJECTS[language])
            message["Subject"] = subject
            body = BODIES[language].format(thing=rng.choice(THINGS[language]), name=name)
        message["From"] = f"{name} <{address}>"
        message.set_content(body, charset=charset)
        if kind == "html":
            html = "".join(f"<p>{line}</p>" for line in body.split("\n\n"))
            message.add_alternative(
                f"<html><body><div style='font-family:Arial'>{html}</div></body></html>",
                subtype="html",
            )
        elif kind == "attachment":
            log = "".join(
                f"2024-06-05T09:{i // 60:02d}:{i % 60:02d}Z ERROR query engine: timeout {i}\n"
                for i in range(rng.randint(50, 400))
            )
            message.add_attachment(
                log.encode(), maintype="text", subtype="plain", filename="query.log"
            )
            if rng.random() < 0.5:
                # A screenshot: a PNG signature and random bytes, 20-60 KB.
                png = b"\x89PNG\r\n\x1a\n" + rng.randbytes(rng.randint(20_000, 60_000))
                message.add_attachment(png, maintype="image", subtype="png", filename="screen.png")
        if kind != "reply":
            sent.append((message_id, subject, (name, address), body))
        messages.append((address, message.as_bytes(policy=SMTP), kind))
    return messages


class Sender(threading.Thread):
    """Sends its messages in batches, one SMTP connection per batch, sending again what the
    listener answered 451."""

    def __init__(self, port: int, messages: list[tuple[str, bytes, str]], batch: int) -> None:
        super().__init__(daemon=True)
        self.port, self.messages, self.batch = port, messages, batch
        self.retries = 0
        self.refused: list[str] = []
        self.first_sent: float | None = None
        self.last_accepted: float | None = None

    def run(self) -> None:
        pending = list(self.messages)
        while pending:
            chunk, pending = pending[: self.batch], pending[self.batch :]
            with smtplib.SMTP("127.0.0.1", self.port, timeout=120) as client:
                for sender, raw, _kind in chunk:
                    if self.first_sent is None:
                        self.first_sent = time.perf_counter()
                    for attempt in range(5):
                        try:
                            client.sendmail(sender, [SUPPORT], raw)
                            break
                        except smtplib.SMTPResponseException as exc:
                            if exc.smtp_code // 100 != 4 or attempt == 4:
                                self.refused.append(f"{exc.smtp_code} {exc.smtp_error!r}")
                                break
                            self.retries += 1
                            time.sleep(0.2)
                    self.last_accepted = time.perf_counter()


def counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        return dict(db.execute("SELECT status, count(*) FROM mail_inboundmail GROUP BY status"))


def outcome(database: Path) -> dict:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        tickets = db.execute(
            "SELECT count(*) FROM tickets_ticket WHERE channel = 'email'"
        ).fetchone()[0]
        on_tickets = db.execute(
            "SELECT count(*) FROM mail_inboundmail WHERE ticket_id IS NOT NULL"
        ).fetchone()[0]
        reasons = dict(
            db.execute(
                "SELECT reason, count(*) FROM mail_inboundmail WHERE status != 'processed' "
                "GROUP BY reason ORDER BY count(*) DESC LIMIT 5"
            )
        )
        delays = [
            row[0]
            for row in db.execute(
                "SELECT (julianday(processed_at) - julianday(received_at)) * 86400.0 "
                "FROM mail_inboundmail WHERE processed_at IS NOT NULL"
            )
        ]
    return {
        "email_tickets": tickets,
        "messages_on_tickets": on_tickets,
        "not_processed_reasons": reasons,
        "store_to_processed_median_s": round(statistics.median(delays), 3) if delays else None,
        "store_to_processed_p95_s": round(sorted(delays)[int(len(delays) * 0.95)], 3)
        if delays
        else None,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the listener exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the listener did not accept connections in time")


def stop(process: subprocess.Popen) -> float | None:
    """Stops the child; the CPU seconds it and its children used, when it could be measured."""
    if process.poll() is not None:
        return None
    process.terminate()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_utime + usage.ru_stime
        time.sleep(0.05)
    process.kill()
    process.wait()
    return None


def cpu_seconds(process: subprocess.Popen) -> float | None:
    """CPU seconds the running child has used so far (Linux's /proc), or None."""
    try:
        stat = Path(f"/proc/{process.pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_started(process: subprocess.Popen, name: str, timeout: float = 90) -> None:
    """Waits until the child has finished starting (Django, the task registry, the libraries
    its first tasks import): its CPU use settles. Without /proc, two seconds."""
    deadline = time.monotonic() + timeout
    before = cpu_seconds(process)
    if before is None:
        time.sleep(2)
        return
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if process.poll() is not None:
            raise RuntimeError(f"the {name} exited with status {process.returncode}")
        now = cpu_seconds(process) or 0.0
        if now - before < 0.02:
            return
        before = now
    raise RuntimeError(f"the {name} was still starting after {timeout:.0f} s")


def start_worker(args: argparse.Namespace, env: dict[str, str]) -> subprocess.Popen:
    worker = subprocess.Popen(
        [*benchlib.tierdesk_command(), "worker", "-k", args.worker_type, "-w", str(args.workers)],
        env=env,
    )
    # A desk's worker runs long before mail arrives: its start (some 4 s of CPU, mostly the
    # triage model's libraries) is neither timed nor counted per message.
    wait_until_started(worker, "worker")
    return worker


def wait_processed(database: Path, expected: int, timeout: float) -> tuple[dict[str, int], int]:
    deadline = time.monotonic() + timeout
    while True:
        state = counts(database)
        done = sum(state.get(status, 0) for status in FINAL)
        if done >= expected or time.monotonic() > deadline:
            return state, done
        time.sleep(0.05)


def pipeline(
    args: argparse.Namespace,
    data_dir: Path,
    messages: list[tuple[str, bytes, str]],
    *,
    apart: bool = False,
) -> dict:
    """Sends every message to a listener on `data_dir` and waits until the worker has processed
    them all. With `apart`, the worker (started, then paused with SIGSTOP) resumes only once
    every message is stored, so each stage is timed alone: the listener's rate, then the
    worker's on the backlog. CPU per message leaves out what each process spent starting."""
    database = data_dir / "tierdesk.sqlite3"
    env = benchlib.embedded_env(data_dir)
    port = free_port()
    listener = subprocess.Popen(
        [*benchlib.tierdesk_command(), "mail", "listen", "--port", str(port)], env=env
    )
    worker = None
    try:
        wait_for_port(port, listener)
        worker = start_worker(args, env)
        if apart:
            worker.send_signal(signal.SIGSTOP)
        listener_start_cpu = cpu_seconds(listener)
        worker_start_cpu = cpu_seconds(worker)
        senders = [
            Sender(port, messages[i :: args.clients], args.batch) for i in range(args.clients)
        ]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        first_sent = min(s.first_sent for s in senders if s.first_sent)
        accepted = max(s.last_accepted for s in senders if s.last_accepted)
        refused = [r for s in senders for r in s.refused]
        expected = len(messages) - len(refused)
        started = first_sent
        if apart:
            started = time.perf_counter()
            worker.send_signal(signal.SIGCONT)
        state, done = wait_processed(database, expected, args.timeout)
        finished = time.perf_counter()
    finally:
        if worker is not None and apart:
            worker.send_signal(signal.SIGCONT)
        listener_cpu = stop(listener)
        worker_cpu = stop(worker) if worker else None
    seconds = finished - started

    def per_message(cpu: float | None, at_start: float | None) -> float | None:
        if cpu is None:
            return None
        return round((cpu - (at_start or 0.0)) * 1000 / len(messages), 2)

    return {
        "smtp_seconds": round(accepted - first_sent, 3),
        "stored_per_second": round(len(messages) / (accepted - first_sent), 1),
        "retries_after_451": sum(s.retries for s in senders),
        "refused": refused[:5],
        "seconds": round(seconds, 3),
        "messages_per_second": round(done / seconds, 1),
        "statuses": state,
        "finished": done >= expected,
        # CPU time per message of each process after its start (the worker's includes its idle
        # polls); None where it could not be measured.
        "listener_cpu_ms_per_message": per_message(listener_cpu, listener_start_cpu),
        "worker_cpu_ms_per_message": per_message(worker_cpu, worker_start_cpu),
    }


def run(args: argparse.Namespace, data_dir: Path) -> dict:
    rng = random.Random(args.seed)
    contacts = seed()
    print(f"{len(contacts)} contacts; building {args.messages:,} messages", flush=True)
    messages = build_messages(args.messages, contacts, rng)
    kinds: dict[str, int] = {}
    for _, _, kind in messages:
        kinds[kind] = kinds.get(kind, 0) + 1
    # The seeded desk twice: one for the pipeline as it runs, one for each stage alone.
    apart_dir = data_dir.with_name(data_dir.name + "-apart")
    if args.stages:
        shutil.copytree(data_dir, apart_dir)
    try:
        print(
            f"Sending over SMTP from {args.clients} clients in batches of {args.batch}, "
            "the worker processing as they arrive",
            flush=True,
        )
        together = pipeline(args, data_dir, messages)
        apart = None
        if args.stages:
            print("Again, each stage alone: storing all, then processing the backlog", flush=True)
            apart = pipeline(args, apart_dir, messages, apart=True)
    finally:
        shutil.rmtree(apart_dir, ignore_errors=True)
    rate = together["messages_per_second"]
    return {
        "benchmark": "mail_intake",
        "machine": benchlib.machine(),
        "database": "sqlite (embedded default)",
        "queue": "sqlite (embedded default)",
        "path": (
            "smtplib -> `tierdesk mail listen` (inbound_store, 250 after commit) -> huey queue "
            f"-> `tierdesk worker` ({args.workers} {args.worker_type} workers, "
            "inbound_process_pending: waiting mail in batches) -> ticket"
        ),
        "messages": args.messages,
        "seeded_tickets": args.tickets,
        "kinds": kinds,
        "bytes": sum(len(raw) for _, raw, _ in messages),
        "clients": args.clients,
        "batch": args.batch,
        "workers": args.workers,
        "worker_type": args.worker_type,
        **together,
        **outcome(data_dir / "tierdesk.sqlite3"),
        # The desk after the run: tickets, messages and events (seeded and from the mail).
        "data_size": benchlib.data_size(data_dir / "tierdesk.sqlite3"),
        "stages_apart": None
        if apart is None
        else {
            "listener_alone_stored_per_second": apart["stored_per_second"],
            "worker_alone_on_the_backlog_per_second": apart["messages_per_second"],
            "worker_cpu_ms_per_message": apart["worker_cpu_ms_per_message"],
        },
        "target": f">= {TARGET_PER_SECOND} messages/s from the SMTP listener to created tickets",
        "met": together["finished"] and rate >= TARGET_PER_SECOND,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2_000, help="Messages (default 2,000).")
    parser.add_argument("--clients", type=int, default=4, help="SMTP client threads (default 4).")
    parser.add_argument("--batch", type=int, default=50, help="Messages per SMTP connection.")
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("TIERDESK_WORKERS", 2)),
        help="Worker threads or processes (default: TIERDESK_WORKERS, else 2, the desk's).",
    )
    parser.add_argument(
        "--worker-type",
        choices=["thread", "process"],
        default="thread",
        help="The worker's kind of workers (default thread, the desk's).",
    )
    parser.add_argument(
        "--timeout", type=float, default=900, help="Seconds to wait for processing."
    )
    parser.add_argument(
        "--no-stages",
        dest="stages",
        action="store_false",
        help="Skip the second run that times the listener and the worker each alone.",
    )
    parser.add_argument(
        "--tickets",
        type=int,
        default=0,
        help="Demo tickets seeded first (`tierdesk seed`, with its triage model); default none.",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="Keep the data folder.")
    parser.add_argument("--output", help="JSON file (default bench/results/mail_intake.json).")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="tierdesk-mail-bench-"))
    ran_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        if args.tickets:
            # A desk in use: its tickets, and the triage model the demo trains on them.
            print(f"Seeding {args.tickets:,} demo tickets (`tierdesk seed`)", flush=True)
            benchlib.run_tierdesk(["seed", "--tickets", str(args.tickets)], data_dir)
        setup_django(data_dir)
        result = {"ran_at": ran_at, **run(args, data_dir)}
    finally:
        if args.keep:
            print(f"Data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

    m = result["machine"]
    print(
        f"Machine: {m['cores']} cores, {m['cpu_model']}, {m['memory_gib']} GiB; SQLite {m['sqlite']}"
    )
    print(
        f"{result['messages']:,} messages ({result['bytes'] / 1e6:.1f} MB): "
        + ", ".join(f"{n} {k}" for k, n in result["kinds"].items())
    )
    benchlib.print_table(
        ["stage", "messages", "seconds", "messages/s", "target"],
        [
            [
                "SMTP, stored (250 after commit)",
                f"{result['messages']:,}",
                f"{result['smtp_seconds']:.2f}",
                f"{result['stored_per_second']:,.1f}",
                "",
            ],
            [
                f"SMTP to processed ({result['workers']} {result['worker_type']} workers)",
                f"{sum(result['statuses'].get(s, 0) for s in FINAL):,}",
                f"{result['seconds']:.2f}",
                f"{result['messages_per_second']:,.1f}",
                f">= {TARGET_PER_SECOND}",
            ],
        ],
    )
    print(
        f"\nStatuses: {result['statuses']}; email tickets {result['email_tickets']:,}; "
        f"retries after 451: {result['retries_after_451']}; refused: {len(result['refused'])}"
    )
    apart = result["stages_apart"]
    if apart:
        print(
            f"Each stage alone: the listener stores {apart['listener_alone_stored_per_second']:,.1f}"
            f" messages/s; the worker processes a backlog at "
            f"{apart['worker_alone_on_the_backlog_per_second']:,.1f} messages/s "
            f"({apart['worker_cpu_ms_per_message']} ms CPU a message)"
        )
    print(
        f"CPU per message: listener {result['listener_cpu_ms_per_message']} ms, "
        f"worker {result['worker_cpu_ms_per_message']} ms"
    )
    size = result["data_size"]
    print(
        f"The desk after the run: {size['tickets']:,} tickets, {size['messages']:,} messages, "
        f"{size['events']:,} events, {size['database_bytes'] / 1e6:.0f} MB"
    )
    print(
        f"Stored to processed: median {result['store_to_processed_median_s']} s, "
        f"p95 {result['store_to_processed_p95_s']} s"
    )
    if result["not_processed_reasons"]:
        print(f"Not processed, by reason: {result['not_processed_reasons']}")
    path = benchlib.write_json("mail_intake.json", result, args.output)
    print(f"Written to {path}")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
