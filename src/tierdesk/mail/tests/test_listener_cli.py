"""The listener on the command line: `tierdesk serve` runs it, `tierdesk mail listen` runs it in
the foreground (a real process on a real port here); and `tierdesk mail reprocess`."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tierdesk import cli
from tierdesk.mail.choices import InboundStatus
from tierdesk.mail.intake import inbound_store
from tierdesk.mail.models import InboundMail
from tierdesk.mail.tests.dovecot import free_port


def _command() -> list[str]:
    script = Path(sys.executable).with_name("tierdesk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tierdesk.cli"]


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    # Always the embedded SQLite in the temporary folder, even when the suite runs on PostgreSQL.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TIERDESK_DATABASE_URL", "TIERDESK_REDIS_URL"}
    }
    env["TIERDESK_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def migrated_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("desk")
    subprocess.run([*_command(), "migrate", "-v", "0"], env=_env(folder), check=True, timeout=120)
    return folder


def _wait_for_smtp(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(100).startswith(b"220"):
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the listener did not answer")


def test_serve_runs_the_mail_listener_beside_the_web_server_and_the_worker(settings):
    settings.TIERDESK_SMTP_PORT = 2525

    specs = cli.serve_processes(host="127.0.0.1", port=8123, workers=2, threads=4)

    assert [s.name for s in specs] == ["web", "worker", "mail"]
    assert specs[2].argv[-2:] == ("mail", "listen")


def test_serve_runs_without_the_listener_when_its_port_is_0(settings):
    settings.TIERDESK_SMTP_PORT = 0

    specs = cli.serve_processes(host="127.0.0.1", port=8123, workers=2, threads=4)

    assert [s.name for s in specs] == ["web", "worker"]


def test_mail_listen_stores_mail_until_it_is_told_to_stop(migrated_folder):
    # Given `tierdesk mail listen` running on a free port with a 64 KiB limit
    port = free_port()
    process = subprocess.Popen(
        [*_command(), "mail", "listen", "--port", str(port)],
        env=_env(migrated_folder, TIERDESK_MAIL_MAX_BYTES="65536"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_smtp(port, process)
        raw = (
            b"From: alice@acme.test\r\nTo: support@tierdesk.test\r\nSubject: Over the wire\r\n"
            b"Message-ID: <cli-listen@acme.test>\r\n\r\nHello\r\n"
        )

        # When a message is sent to it
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.ehlo()
            size = int(client.esmtp_features["size"])
            refused = client.sendmail("alice@acme.test", ["support@tierdesk.test"], raw)
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)

    # Then it announced the configured limit, stored the message, and stopped cleanly
    assert size == 65536
    assert refused == {}
    assert process.returncode == 0, err
    with sqlite3.connect(migrated_folder / "tierdesk.sqlite3") as db:
        stored = db.execute(
            "SELECT raw, source FROM mail_inboundmail WHERE message_id_header = ?",
            ("cli-listen@acme.test",),
        ).fetchone()
    assert (bytes(stored[0]), stored[1]) == (raw, "smtp")


def test_mail_listen_on_a_busy_port_fails_and_says_how_to_fix_it(migrated_folder):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        result = subprocess.run(
            [*_command(), "mail", "listen", "--port", str(port)],
            env=_env(migrated_folder),
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "TIERDESK_SMTP_PORT" in result.stderr


def test_mail_listen_is_off_when_its_port_is_0(settings, capsys):
    settings.TIERDESK_SMTP_PORT = 0

    assert cli.main(["mail", "listen"]) == 1
    assert "TIERDESK_SMTP_PORT is 0" in capsys.readouterr().err


# --- tierdesk mail reprocess -----------------------------------------------------------------


def _quarantined(subject: str) -> InboundMail:
    raw = (
        f"From: dana@acme.test\r\nTo: support@tierdesk.test\r\nSubject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '-')}@acme.test>\r\n\r\nHello\r\n"
    ).encode()
    inbound = inbound_store(raw, source="smtp", recipients=["support@tierdesk.test"])
    InboundMail.objects.filter(pk=inbound.pk).update(
        status=InboundStatus.QUARANTINED, reason="RuntimeError: a parser bug"
    )
    return inbound


@pytest.mark.django_db
def test_mail_reprocess_quarantined_processes_each_into_a_ticket(acme, capsys):
    # Given two messages quarantined by a bug since fixed, and one processed
    first, second = _quarantined("First stuck"), _quarantined("Second stuck")

    # When the quarantined mail is reprocessed
    status = cli.main(["mail", "reprocess", "--quarantined"])

    # Then each became a ticket, and the command says so
    out = capsys.readouterr().out
    assert status == 0
    for inbound in (first, second):
        inbound.refresh_from_db()
        assert inbound.status == InboundStatus.PROCESSED
        assert inbound.ticket_id is not None
        assert f"#{inbound.pk}: processed, ticket {inbound.ticket.number}" in out
    assert cli.main(["mail", "reprocess", "--quarantined"]) == 0
    assert "No quarantined messages." in capsys.readouterr().out


@pytest.mark.django_db
def test_mail_reprocess_by_id_refuses_unknown_and_processed_messages(acme, capsys):
    inbound = _quarantined("Stuck once")

    assert cli.main(["mail", "reprocess", "999999"]) == 1
    assert "no inbound message #999999" in capsys.readouterr().err

    assert cli.main(["mail", "reprocess", str(inbound.pk)]) == 0
    assert cli.main(["mail", "reprocess", str(inbound.pk)]) == 1
    assert f"#{inbound.pk}: not reprocessed: " in capsys.readouterr().err
