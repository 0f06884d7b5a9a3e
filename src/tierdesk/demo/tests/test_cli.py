"""The `tierdesk` command: seeding an empty data folder, refusing to seed twice, issuing tokens,
and the process list `serve` watches (no server is started here)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tierdesk.cli import ProcessSpec, build_parser, demo_banner, serve_processes, supervise


def _tierdesk(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("tierdesk")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "tierdesk.cli"]
    # Always the embedded SQLite in the temporary folder, even when the suite runs on PostgreSQL.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TIERDESK_DATABASE_URL", "TIERDESK_REDIS_URL"}
    }
    env["TIERDESK_DATA_DIR"] = str(data_dir)
    return subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def seeded_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("desk")
    result = _tierdesk("seed", "--tickets", "50", "--now", "2024-06-01", data_dir=folder)
    assert result.returncode == 0, result.stderr
    assert "Seeded 50 tickets" in result.stdout
    return folder


def test_seed_migrates_and_fills_an_empty_data_folder(seeded_folder):
    with sqlite3.connect(seeded_folder / "tierdesk.sqlite3") as db:
        tickets = db.execute("SELECT count(*) FROM tickets_ticket").fetchone()[0]
        events = db.execute("SELECT count(*) FROM tickets_ticketevent").fetchone()[0]
        logins = db.execute(
            "SELECT count(*) FROM accounts_user WHERE username IN ('admin', 'agent1', 'customer1')"
        ).fetchone()[0]
        rules = db.execute("SELECT count(*) FROM routing_routingrule").fetchone()[0]
        macros = db.execute("SELECT count(*) FROM macros_macro").fetchone()[0]
        connectors = db.execute("SELECT count(*) FROM engineering_connector").fetchone()[0]
        default_address = db.execute(
            "SELECT address FROM mail_supportaddress WHERE is_default"
        ).fetchone()[0]

    assert tickets == 50
    assert events > 100
    assert logins == 3
    # The working tools come with the desk: routing rules, macros, the engineering connector
    assert (rules > 5, macros > 3, connectors) == (True, True, 1)
    assert default_address == "support@tierdesk.test"


def test_seed_refuses_a_folder_that_has_tickets(seeded_folder):
    result = _tierdesk("seed", "--tickets", "5", data_dir=seeded_folder)

    assert result.returncode == 1
    assert "already holds 50 tickets" in result.stderr
    assert "--append" in result.stderr


def test_token_issue_prints_a_token_for_a_demo_login(seeded_folder):
    result = _tierdesk("token", "issue", "agent1", "--name", "bench", data_dir=seeded_folder)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("td_")


def test_token_issue_for_an_unknown_person_fails_clearly(seeded_folder):
    result = _tierdesk("token", "issue", "nobody", data_dir=seeded_folder)

    assert result.returncode == 1
    assert "no person with username 'nobody'" in result.stderr


def test_serve_runs_the_web_server_the_worker_and_the_mail_listener(settings):
    specs = serve_processes(host="127.0.0.1", port=8123, workers=3, threads=4)

    assert [s.name for s in specs] == ["web", "worker", "mail"]
    web = specs[0].argv
    assert "tierdesk.wsgi:application" in web
    assert web[web.index("--bind") + 1] == "127.0.0.1:8123"
    assert web[web.index("--workers") + 1] == "3"
    assert specs[1].argv[-1] == "worker"
    settings.TIERDESK_SMTP_PORT = 0
    assert [s.name for s in serve_processes(host="", port=1, workers=1, threads=1)] == [
        "web",
        "worker",
    ]


def test_demo_arguments_default_to_five_thousand_tickets_on_localhost():
    args = build_parser().parse_args(["demo"])

    assert (args.tickets, args.host, args.port) == (5_000, "127.0.0.1", None)


def test_demo_banner_names_the_address_the_logins_and_the_pages():
    banner = demo_banner("http://127.0.0.1:8000/")

    for text in (
        "http://127.0.0.1:8000/",
        "agent1",
        "customer2",
        "password: demo",
        "/portal/",
        "/api/v1/docs",
    ):
        assert text in banner


def test_supervise_stops_the_others_when_one_child_dies_and_reports_it():
    # Given a long-running child beside one that fails at once
    sleeper = ProcessSpec("sleeper", (sys.executable, "-c", "import time; time.sleep(60)"))
    failing = ProcessSpec("failing", (sys.executable, "-c", "import sys; sys.exit(3)"))

    # When both are supervised
    status = supervise([sleeper, failing])

    # Then the failure's status comes back, and the sleeper was stopped rather than waited for
    assert status == 3


def test_seeded_tickets_have_their_sla_clocks_and_the_sla_commands_run(seeded_folder):
    with sqlite3.connect(seeded_folder / "tierdesk.sqlite3") as db:
        measured = db.execute("SELECT count(DISTINCT ticket_id) FROM sla_slaclock").fetchone()[0]
        decided = db.execute(
            "SELECT count(*) FROM sla_slaclock WHERE outcome IN ('met', 'breached')"
        ).fetchone()[0]
    assert measured > 40
    assert decided > 40

    sweep = _tierdesk("sla", "sweep", data_dir=seeded_folder)
    recompute = _tierdesk("sla", "recompute", data_dir=seeded_folder)

    assert sweep.returncode == 0, sweep.stderr
    assert "warnings" in sweep.stdout and "breaches" in sweep.stdout
    assert recompute.returncode == 0, recompute.stderr
    assert "Computed the clocks of" in recompute.stdout
