"""The `tierdesk` command: run the desk (demo, serve, web, worker), seed it, and manage it."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

log = logging.getLogger("tierdesk.cli")

DEMO_TICKETS = 5_000
DEMO_LOGINS = (
    ("admin", "administrator (also the Django admin)"),
    ("agent1", "front-line engineer, tier 1 (English)"),
    ("agent2", "back-line engineer, tier 2 (query engine)"),
    ("agent3", "product engineer, tier 3 (engineering / platform)"),
    ("manager1", "support manager"),
    ("customer1", "customer contact at Northwind Logistics Inc."),
    ("customer2", "customer contact at Brightwater Energy Ltd"),
)
DEMO_PAGES = (
    ("/tickets/", "agent console"),
    ("/portal/", "customer portal"),
    ("/api/v1/docs", "API documentation"),
    ("/admin/", "administration"),
)
# How long children get to finish their requests and tasks after SIGTERM before they are killed.
STOP_GRACE_SECONDS = 20


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    import django

    django.setup()


# --- processes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessSpec:
    """A child process `serve` runs and watches: a name for the logs and its command line."""

    name: str
    argv: tuple[str, ...]


def default_workers() -> int:
    return max(2, 2 * (os.cpu_count() or 1))


def web_process(
    *, host: str, port: int, workers: int, threads: int, access_log: bool = False
) -> ProcessSpec:
    """gunicorn serving tierdesk.wsgi: threads per worker keep slow clients from blocking a process."""
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "tierdesk.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--timeout",
        "60",
        "--graceful-timeout",
        str(STOP_GRACE_SECONDS),
        "--max-requests",
        "10000",
        "--max-requests-jitter",
        "1000",
        "--worker-tmp-dir",
        "/dev/shm" if os.path.isdir("/dev/shm") else "/tmp",
        "--log-level",
        "info",
        # Nothing uses gunicorn's control socket, and its default path in $HOME would be shared
        # by every tierdesk on the machine (a demo next to a benchmark).
        "--no-control-socket",
    ]
    if access_log:
        argv += ["--access-logfile", "-"]
    return ProcessSpec("web", tuple(argv))


def worker_process() -> ProcessSpec:
    """The huey consumer: SLA sweeps, autoclose, mail and every other queued task."""
    return ProcessSpec("worker", (sys.executable, "-m", "tierdesk.cli", "worker"))


def mail_listener_process() -> ProcessSpec:
    """The SMTP listener for the support addresses (TIERDESK_SMTP_LISTEN_HOST:TIERDESK_SMTP_PORT)."""
    return ProcessSpec("mail", (sys.executable, "-m", "tierdesk.cli", "mail", "listen"))


def serve_processes(*, host: str, port: int, workers: int, threads: int) -> list[ProcessSpec]:
    """Everything the embedded desk runs on one machine: the web server, the worker and, unless
    TIERDESK_SMTP_PORT is 0, the mail listener. `serve` watches every entry the same way."""
    from django.conf import settings

    specs = [
        web_process(host=host, port=port, workers=workers, threads=threads),
        worker_process(),
    ]
    if settings.TIERDESK_SMTP_PORT:
        specs.append(mail_listener_process())
    return specs


def supervise(specs: Sequence[ProcessSpec], *, on_started=None) -> int:
    """Starts the children and waits. SIGINT/SIGTERM are passed on to every child; when any child
    exits the others are stopped too, so the desk never runs half. Returns the exit status: 0 after
    a requested stop, else the failed child's (at least 1)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "tierdesk.settings"),
    }
    children: dict[str, subprocess.Popen] = {}
    stop_requested = False

    def request_stop(signum: int, _frame) -> None:
        nonlocal stop_requested
        stop_requested = True
        log.info("Received %s: stopping %s.", signal.Signals(signum).name, ", ".join(children))
        _signal_all(children, signal.SIGTERM)

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for spec in specs:
            children[spec.name] = subprocess.Popen(spec.argv, env=env)
            log.info("Started %s (pid %d).", spec.name, children[spec.name].pid)
        if on_started is not None:
            # In a thread: the loop below must notice a child that dies while we wait for the port.
            threading.Thread(target=on_started, daemon=True).start()
        while True:
            for name, child in children.items():
                code = child.poll()
                if code is None:
                    continue
                if not stop_requested:
                    log.error("%s exited with status %d; stopping the others.", name, code)
                else:
                    log.info("%s stopped.", name)
                _stop_all(children)
                return 0 if stop_requested else _exit_status(code)
            time.sleep(0.3)
    finally:
        _stop_all(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _exit_status(code: int) -> int:
    """A child's exit as a shell reports it: killed by signal N is 128 + N; a clean exit that
    nobody asked for is still a failure of the desk (1)."""
    if code < 0:
        return 128 - code
    return code or 1


def _signal_all(children: dict[str, subprocess.Popen], sig: int) -> None:
    for child in children.values():
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(sig)


def _stop_all(children: dict[str, subprocess.Popen]) -> None:
    _signal_all(children, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for name, child in children.items():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %d s; killing it.", name, STOP_GRACE_SECONDS)
            child.kill()
            child.wait()


def wait_for_port(host: str, port: int, *, timeout: float = 60.0) -> bool:
    """Whether something accepts connections on host:port within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


# --- commands ----------------------------------------------------------------------------------


def migrate(verbosity: int = 1) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def _address(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://{shown}:{port}/"


def cmd_serve(args: argparse.Namespace, *, banner: bool = False) -> int:
    setup_django()
    from django.conf import settings
    from django.db import connections

    migrate(verbosity=0 if banner else 1)
    port = args.port or settings.PORT
    specs = serve_processes(host=args.host, port=port, workers=args.workers, threads=args.threads)

    def started() -> None:
        if wait_for_port("127.0.0.1" if args.host in ("0.0.0.0", "") else args.host, port):
            print(
                demo_banner(_address(args.host, port))
                if banner
                else f"tierdesk is running at {_address(args.host, port)}",
                flush=True,
            )
        if settings.TIERDESK_SMTP_PORT:
            print(
                "Mail for the support addresses is received by SMTP on "
                f"{settings.TIERDESK_SMTP_LISTEN_HOST}:{settings.TIERDESK_SMTP_PORT}.",
                flush=True,
            )

    # The children open their own connections; this process only watches them.
    connections.close_all()
    return supervise(specs, on_started=started)


def cmd_web(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings

    if args.migrate:
        migrate()
    spec = web_process(
        host=args.host,
        port=args.port or settings.PORT,
        workers=args.workers,
        threads=args.threads,
        access_log=True,
    )
    # gunicorn takes over this process: it handles signals and its workers itself.
    os.execv(spec.argv[0], list(spec.argv))
    return 0  # pragma: no cover - execv does not return


def cmd_worker(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import execute_from_command_line

    # run_huey gives the "huey" logger a handler of its own unless it has one; with Django's root
    # handler as well, every line would print twice. A null handler leaves it to the root.
    logging.getLogger("huey").addHandler(logging.NullHandler())
    execute_from_command_line(["tierdesk", "run_huey", *args.huey_args])
    return 0


def demo_seed_plan(requested: int) -> int:
    """How many tickets `tierdesk demo` seeds: the requested number into an empty desk, none into
    a desk that already has tickets (it is served as it is, demo or not)."""
    from tierdesk.demo.seed import demo_tickets_present

    if requested <= 0 or demo_tickets_present():
        return 0
    return requested


def demo_banner(address: str) -> str:
    lines = ["", f"tierdesk demo is running at {address}", "", "Sign in with (password: demo):"]
    lines += [f"  {login:<10} {who}" for login, who in DEMO_LOGINS]
    lines += ["", "Open:"]
    lines += [f"  {address.rstrip('/')}{path:<14} {what}" for path, what in DEMO_PAGES]
    lines += ["", "Press Ctrl+C to stop.", ""]
    return "\n".join(lines)


def _print_progress(done: int, total: int, seconds: float) -> None:
    rate = done / seconds if seconds else 0.0
    print(
        f"  {done:>10,} / {total:,} tickets  {seconds:7.1f} s  {rate:9,.0f} tickets/s", flush=True
    )


def _seed(tickets: int, seed: int, now, append: bool) -> int:
    from tierdesk.demo.seed import DemoDataExists, seed_demo, seed_working_tools

    try:
        report = seed_demo(
            tickets=tickets, seed=seed, now=now, append=append, progress=_print_progress
        )
    except DemoDataExists as exc:
        print(f"tierdesk seed: {exc}", file=sys.stderr)
        return 1
    print("Adding routing rules, shifts, macros, escalations and a triage model ...", flush=True)
    seed_working_tools()
    print(
        f"Seeded {report.tickets:,} tickets, {report.messages:,} messages and {report.events:,} events "
        f"in {report.seconds:.1f} s ({report.rows / max(report.seconds, 1e-9):,.0f} rows/s).",
        flush=True,
    )
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    setup_django()
    migrate(verbosity=0)
    return _seed(args.tickets, args.seed, args.now, args.append)


def cmd_demo(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings

    migrate(verbosity=0)
    tickets = demo_seed_plan(args.tickets)
    if tickets:
        print(
            f"Seeding a demo desk of {tickets:,} tickets into {settings.DATA_DIR} ...", flush=True
        )
        status = _seed(tickets, args.seed, None, False)
        if status:
            return status
    else:
        print(f"Serving the existing desk in {settings.DATA_DIR}.", flush=True)
    return cmd_serve(args, banner=True)


def cmd_token(args: argparse.Namespace) -> int:
    setup_django()
    from tierdesk.accounts.models import User
    from tierdesk.accounts.services import token_issue

    user = User.objects.filter(username=args.username).first()
    if user is None:
        print(f"tierdesk token issue: no person with username {args.username!r}.", file=sys.stderr)
        return 1
    _token, raw = token_issue(user=user, name=args.name)
    print(raw)
    return 0


def cmd_triage_train(args: argparse.Namespace) -> int:
    setup_django()
    from tierdesk.triage.report import train_command

    return train_command()


def cmd_sla_sweep(args: argparse.Namespace) -> int:
    setup_django()
    from tierdesk.sla.sweep import sla_sweep

    report = sla_sweep(stale_limit=args.stale_limit)
    print(
        f"Recomputed {report.stale_recomputed:,} tickets' clocks; recorded {report.warned:,} "
        f"warnings and {report.breached:,} breaches; raised {report.priority_raised:,} "
        f"priorities; sent {report.notified:,} notifications ({report.seconds:.2f} s)."
    )
    return 0


def cmd_sla_recompute(args: argparse.Namespace) -> int:
    setup_django()
    from django.db import transaction

    from tierdesk.sla.pending import mark_unsolved_stale
    from tierdesk.sla.services import clocks_refresh, clocks_refresh_stale

    if args.tickets:
        with transaction.atomic():
            done = clocks_refresh(args.tickets)
    else:
        marked = mark_unsolved_stale(compute=False)
        print(f"Computing the clocks of {marked:,} unsolved tickets ...", flush=True)
        done = clocks_refresh_stale()
    print(f"Computed the clocks of {done:,} tickets.")
    return 0


def cmd_search_reindex(args: argparse.Namespace) -> int:
    setup_django()
    from tierdesk.search.services import reindex_all

    started = time.monotonic()
    done = reindex_all(progress=lambda n: print(f"  {n:,} documents indexed", flush=True))
    print(f"Indexed {done:,} articles and tickets ({time.monotonic() - started:.1f} s).")
    return 0


def cmd_measures_rollup(args: argparse.Namespace) -> int:
    setup_django()
    from tierdesk.measures.rollups import rollup_zones, rollups_rebuild

    started = time.monotonic()

    def progress(zone: str, done: int, total: int) -> None:
        print(f"  {zone}: {done:,} / {total:,} tickets counted", flush=True)

    from zoneinfo import available_timezones

    zones = args.zone or rollup_zones()
    unknown = [zone for zone in zones if zone not in available_timezones()]
    if unknown:
        print(f"Unknown time zone: {', '.join(unknown)}", file=sys.stderr)
        return 2
    written = rollups_rebuild(zones=zones, progress=progress)
    for zone, rows in written.items():
        print(f"KPI rollups of {zone}: {rows:,} rows.")
    print(f"Done in {time.monotonic() - started:.1f} s.")
    return 0


def cmd_mail_listen(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings

    from tierdesk.mail.listener import listen

    port = settings.TIERDESK_SMTP_PORT if args.port is None else args.port
    if not port:
        print(
            "tierdesk mail listen: TIERDESK_SMTP_PORT is 0, the listener is off.", file=sys.stderr
        )
        return 1
    return listen(host=args.host, port=port)


def cmd_mail_poll(args: argparse.Namespace) -> int:
    setup_django()
    from tierdesk.mail.imap import mailbox_poll
    from tierdesk.mail.models import Mailbox

    mailboxes = Mailbox.objects.select_related("support_address")
    if args.mailbox:
        mailboxes = mailboxes.filter(name=args.mailbox)
        if not mailboxes:
            print(f"tierdesk mail poll: no mailbox named {args.mailbox!r}.", file=sys.stderr)
            return 1
    else:
        mailboxes = mailboxes.filter(active=True)
        if not mailboxes:
            print("No active mailboxes to poll.")
            return 0
    failed = False
    for mailbox in mailboxes:
        result = mailbox_poll(mailbox)
        print(
            f"{mailbox.name}: {result.fetched} fetched, {result.stored} stored, "
            f"{result.marked} marked processed, {result.failed} not stored"
        )
        if result.error:
            failed = True
            print(f"{mailbox.name}: {result.error}", file=sys.stderr)
    return 1 if failed else 0


def cmd_mail_reprocess(args: argparse.Namespace) -> int:
    setup_django()
    from tierdesk.core.errors import Conflict
    from tierdesk.mail.choices import InboundReason, InboundStatus
    from tierdesk.mail.intake import inbound_reprocess
    from tierdesk.mail.models import InboundMail

    if args.quarantined:
        # A message kept only in part (over the size limit) cannot be processed again.
        messages = list(
            InboundMail.objects.filter(status=InboundStatus.QUARANTINED)
            .exclude(reason_code=InboundReason.OVERSIZE)
            .order_by("id")
        )
        if not messages:
            print("No quarantined messages.")
            return 0
    else:
        found = InboundMail.objects.in_bulk(args.ids)
        missing = [i for i in args.ids if i not in found]
        if missing:
            print(
                "tierdesk mail reprocess: no inbound message "
                + ", ".join(f"#{i}" for i in missing)
                + ".",
                file=sys.stderr,
            )
            return 1
        messages = [found[i] for i in args.ids]
    status = 0
    for inbound in messages:
        try:
            inbound = inbound_reprocess(actor=None, inbound=inbound)
        except Conflict as exc:
            print(f"#{inbound.pk}: not reprocessed: {exc}", file=sys.stderr)
            status = 1
            continue
        reason = f" ({inbound.reason})" if inbound.reason else ""
        ticket = f", ticket {inbound.ticket.number}" if inbound.ticket_id else ""
        print(f"#{inbound.pk}: {inbound.get_status_display().lower()}{ticket}{reason}")
    return status


def cmd_manage(argv: Sequence[str]) -> int:
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tierdesk", *argv])
    return 0


# --- arguments ---------------------------------------------------------------------------------


def _parse_now(value: str):
    from tierdesk.demo.period import parse_now

    try:
        return parse_now(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _add_server_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1)."
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="Port (default: TIERDESK_PORT, else PORT, else 8000).",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="Web worker processes (default: twice the cores).",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=8,
        help="Threads per web worker (default 8; live chat streams hold up to half of them).",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tierdesk", description="Support operations for B2B software companies."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    demo = commands.add_parser("demo", help="Seed an empty desk with demo data, then serve it.")
    _add_server_arguments(demo)
    demo.add_argument(
        "--tickets",
        type=int,
        default=DEMO_TICKETS,
        help=f"Tickets to seed (default {DEMO_TICKETS:,}).",
    )
    demo.add_argument("--seed", type=int, default=1, help="Random seed of the demo data.")
    demo.set_defaults(handler=cmd_demo)

    serve = commands.add_parser(
        "serve",
        help="Apply migrations, run the web server, the worker and the mail listener together.",
    )
    _add_server_arguments(serve)
    serve.set_defaults(handler=cmd_serve)

    web = commands.add_parser("web", help="Run the web server alone (gunicorn), for production.")
    _add_server_arguments(web)
    web.add_argument("--migrate", action="store_true", help="Apply migrations first.")
    web.set_defaults(handler=cmd_web)

    worker = commands.add_parser("worker", help="Run the background worker alone (huey consumer).")
    worker.add_argument("huey_args", nargs=argparse.REMAINDER, help="Options passed to run_huey.")
    worker.set_defaults(handler=cmd_worker)

    seed = commands.add_parser("seed", help="Apply migrations and seed deterministic demo data.")
    seed.add_argument("--tickets", type=int, required=True, help="How many tickets.")
    seed.add_argument(
        "--seed", type=int, default=1, help="Random seed; the same seed gives the same desk."
    )
    seed.add_argument(
        "--now",
        type=_parse_now,
        default=None,
        help="End of the six seeded months (default: today 00:00 UTC).",
    )
    seed.add_argument(
        "--append", action="store_true", help="Add tickets to a desk that already has some."
    )
    seed.set_defaults(handler=cmd_seed)

    token = commands.add_parser("token", help="API tokens.")
    token_commands = token.add_subparsers(dest="token_command", required=True, metavar="action")
    issue = token_commands.add_parser("issue", help="Print a new API token for a person.")
    issue.add_argument("username")
    issue.add_argument(
        "--name", default="cli", help="A name to tell the token apart (default: cli)."
    )
    issue.set_defaults(handler=cmd_token)

    triage = commands.add_parser("triage", help="The triage classifier.")
    triage_commands = triage.add_subparsers(dest="triage_command", required=True, metavar="action")
    triage_commands.add_parser(
        "train", help="Train on the solved tickets, activate, print held-out accuracy."
    ).set_defaults(handler=cmd_triage_train)

    sla = commands.add_parser("sla", help="Service levels: the sweep and the clocks.")
    sla_commands = sla.add_subparsers(dest="sla_command", required=True, metavar="action")
    sweep = sla_commands.add_parser(
        "sweep", help="Run the SLA sweep once: stale clocks, warnings, breaches and their actions."
    )
    sweep.add_argument(
        "--stale-limit",
        type=int,
        default=2000,
        help="Most stale tickets to recompute in this sweep (default 2,000).",
    )
    sweep.set_defaults(handler=cmd_sla_sweep)
    recompute = sla_commands.add_parser(
        "recompute",
        help="Compute clocks again: of the tickets given, or of every unsolved ticket.",
    )
    recompute.add_argument(
        "tickets", nargs="*", type=int, help="Ticket numbers (default: all unsolved)."
    )
    recompute.set_defaults(handler=cmd_sla_recompute)

    search = commands.add_parser("search", help="The search index.")
    search_commands = search.add_subparsers(dest="search_command", required=True, metavar="action")
    search_commands.add_parser(
        "reindex", help="Index every article and ticket again (first deploy, analyzer change)."
    ).set_defaults(handler=cmd_search_reindex)

    measures = commands.add_parser("measures", help="Team KPIs.")
    measures_commands = measures.add_subparsers(
        dest="measures_command", required=True, metavar="action"
    )
    rollup = measures_commands.add_parser(
        "rollup",
        help="Count every ticket's history again into the daily KPI rollups (first deploy, "
        "after a bulk import); the worker keeps them current afterwards.",
    )
    rollup.add_argument(
        "--zone",
        action="append",
        help="A time zone to build (default: TIERDESK_KPI_ROLLUP_ZONES); repeat for more.",
    )
    rollup.set_defaults(handler=cmd_measures_rollup)

    mail = commands.add_parser("mail", help="Inbound email: the SMTP listener, IMAP mailboxes.")
    mail_commands = mail.add_subparsers(dest="mail_command", required=True, metavar="action")
    listen = mail_commands.add_parser(
        "listen", help="Run the SMTP listener for the support addresses in the foreground."
    )
    listen.add_argument(
        "--host", default=None, help="Address to listen on (default: TIERDESK_SMTP_LISTEN_HOST)."
    )
    listen.add_argument(
        "--port", type=int, default=None, help="Port (default: TIERDESK_SMTP_PORT, 2525)."
    )
    listen.set_defaults(handler=cmd_mail_listen)
    poll = mail_commands.add_parser(
        "poll", help="Poll the active IMAP mailboxes once and print what each brought."
    )
    poll.add_argument("--mailbox", help="Poll only the mailbox of this name (active or not).")
    poll.set_defaults(handler=cmd_mail_poll)
    reprocess = mail_commands.add_parser(
        "reprocess", help="Process stored inbound messages again, e.g. after a fix."
    )
    which = reprocess.add_mutually_exclusive_group(required=True)
    which.add_argument("ids", nargs="*", type=int, default=[], help="Inbound message ids.")
    which.add_argument(
        "--quarantined", action="store_true", help="Every quarantined message, oldest first."
    )
    reprocess.set_defaults(handler=cmd_mail_reprocess)

    commands.add_parser(
        "migrate", help="Apply database migrations (options as manage.py migrate).", add_help=False
    )
    commands.add_parser(
        "manage",
        help="Run any Django management command: tierdesk manage <command> ...",
        add_help=False,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # Pass-through commands keep every argument for Django, --help included.
    if argv and argv[0] == "manage":
        return cmd_manage(argv[1:])
    if argv and argv[0] == "migrate":
        return cmd_manage(argv)
    # argparse leaves options such as `-w 4` out of a remainder that starts with them.
    if argv and argv[0] == "worker" and not {"-h", "--help"} & set(argv[1:]):
        return cmd_worker(argparse.Namespace(huey_args=argv[1:]))
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
