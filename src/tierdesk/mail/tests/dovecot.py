"""A real IMAP server for tests: Debian's dovecot, started on free 127.0.0.1 ports with a
configuration of its own in a temporary folder, one user with a password and a Maildir.

    with Dovecot.start() as server:
        server.append(b"From: ...")                 # delivered as a mail server would
        mailbox = Mailbox.objects.create(host=server.host, port=server.port, use_tls=False,
                                         username=server.username, password=server.password)
        ... poll ...
        server.messages("INBOX")                    # [(uid, flags, raw), ...]
        server.damage(b"Subject: Broken")           # a message dovecot can no longer read

Plain-text login without TLS is allowed on `port`; `imaps_port` speaks TLS with a certificate
for 127.0.0.1 signed by nobody, which `cafile` trusts (present when openssl is). `start()`
skips the calling test with a message saying so when dovecot is not installed (`make setup`
installs it with apt).

dovecot refuses to run its login process as root, and its mail processes as a system user below
first_valid_uid. Run by root (as CI runs), the login process runs as Debian's `dovenull` and the
mail one as `dovecot`, which own the mail folder; run by anyone else, everything runs as them.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
START_TIMEOUT_SECONDS = 15


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _accounts() -> tuple[str, str, int, int]:
    """(login user, internal user, mail uid, mail gid) dovecot may run as here."""
    if os.getuid() != 0:
        me = pwd.getpwuid(os.getuid()).pw_name
        return me, me, os.getuid(), os.getgid()
    try:
        login = pwd.getpwnam("dovenull").pw_name
        internal = pwd.getpwnam("dovecot")
    except KeyError:
        pytest.skip("dovecot's dovenull and dovecot users are missing: reinstall dovecot-core")
    return login, internal.pw_name, internal.pw_uid, internal.pw_gid


def _certificate(folder: Path) -> tuple[Path, Path] | None:
    """A self-signed certificate for 127.0.0.1 and its key, or None without openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


CONFIG = """\
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}
# Tests log in with a password over plain IMAP on 127.0.0.1.
disable_plaintext_auth = no
auth_mechanisms = plain login
# A test of a wrong password should not wait out the delays that slow down guessing (the
# penalty is off without its anvil socket, below).
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{folder}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {folder}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
  chroot =
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


class Dovecot:
    """A running dovecot; `stop()` (or leaving the `with`) ends it and removes its folder."""

    host = "127.0.0.1"
    username = "desk"
    password = "imap secret"

    def __init__(self, folder: Path, process: subprocess.Popen, port: int, imaps_port: int | None):
        self.folder = folder
        self.process = process
        self.port = port
        self.imaps_port = imaps_port
        self.cafile = str(folder / "cert.pem") if imaps_port else None

    @classmethod
    def start(cls) -> Dovecot:
        if not os.access(DOVECOT, os.X_OK):
            pytest.skip(
                f"{DOVECOT} is missing: install Debian's dovecot-imapd (make setup does) "
                "to run the IMAP tests"
            )
        login_user, internal_user, uid, gid = _accounts()
        folder = Path(tempfile.mkdtemp(prefix="tierdesk-dovecot-"))
        # The mail processes run as `uid` and must reach the Maildir below this folder.
        folder.chmod(0o755)
        for sub in ("run", "state", "mail"):
            (folder / sub).mkdir()
        os.chown(folder / "mail", uid, gid)
        (folder / "passwd").write_text(
            f"{cls.username}:{{PLAIN}}{cls.password}:{uid}:{gid}::{folder}/mail::\n"
        )
        certificate = _certificate(folder)
        port = free_port()
        imaps_port = free_port() if certificate else 0
        ssl = (
            f"ssl = yes\nssl_cert = <{certificate[0]}\nssl_key = <{certificate[1]}"
            if certificate
            else "ssl = no"
        )
        config = folder / "dovecot.conf"
        config.write_text(
            CONFIG.format(
                folder=folder,
                ssl=ssl,
                login_user=login_user,
                internal_user=internal_user,
                internal_group=grp.getgrgid(gid).gr_name,
                uid=uid,
                gid=gid,
                port=port,
                imaps_port=imaps_port,
            )
        )
        process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        server = cls(folder, process, port, imaps_port or None)
        server._wait_ready()
        return server

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        log = self.log()
        stderr = self.process.stderr.read().decode() if self.process.poll() is not None else ""
        self.stop()
        raise RuntimeError(f"dovecot did not start:\n{stderr}\n{log}")

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Dovecot:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- what a mail server and a mail client would do --------------------------------------

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(self.username, self.password)
        return client

    def append(self, raw: bytes, *, folder: str = "INBOX", flags: str = "") -> None:
        """Delivers `raw` into `folder` (created when missing) with `flags`, e.g. r"\\Seen"."""
        client = self.client()
        try:
            client.create(f'"{folder}"')
            status, data = client.append(f'"{folder}"', f"({flags})" if flags else None, None, raw)
            assert status == "OK", data
        finally:
            client.logout()

    def clear(self) -> None:
        """Removes every message and every folder but INBOX, for the next test."""
        client = self.client()
        try:
            status, data = client.list()
            folders = [
                re.search(rb'"([^"]*)"$|(\S+)$', line).group(1 if line.endswith(b'"') else 2)
                for line in data
                if line
            ]
            for name in folders:
                folder = name.decode()
                status, count = client.select(f'"{folder}"')
                if status == "OK" and int(count[0] or 0):
                    client.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
                    client.expunge()
                client.close()
                if folder.upper() != "INBOX":
                    client.delete(f'"{folder}"')
        finally:
            client.logout()

    def damage(self, marker: bytes) -> None:
        """Empties the Maildir file of the message holding `marker`, as a disk fault would:
        dovecot then fails to read it and closes the connection of whoever fetches it."""
        for path in (self.folder / "mail").rglob("*"):
            if (
                path.is_file()
                and path.parent.name in ("cur", "new")
                and marker in path.read_bytes()
            ):
                path.write_bytes(b"")
                return
        raise AssertionError(f"no message holds {marker!r}")

    def flags(self, folder: str = "INBOX") -> dict[int, set[str]]:
        """The flags of every message left in `folder` by UID, read without the messages (so
        also for one `damage` left unreadable)."""
        client = self.client()
        try:
            status, _ = client.select(f'"{folder}"', readonly=True)
            if status != "OK":
                return {}
            status, data = client.uid("FETCH", "1:*", "(UID FLAGS)")
            result = {}
            for item in data:
                if isinstance(item, bytes):
                    uid = int(re.search(rb"UID (\d+)", item).group(1))
                    flags = re.search(rb"FLAGS \(([^)]*)\)", item).group(1).decode().split()
                    result[uid] = set(flags)
            return result
        finally:
            client.logout()

    def messages(self, folder: str = "INBOX") -> list[tuple[int, set[str], bytes]]:
        """Every message left in `folder` (a name as IMAP spells it; expunged messages are gone):
        (uid, flags, raw)."""
        client = self.client()
        try:
            status, _ = client.select(f'"{folder}"', readonly=True)
            if status != "OK":
                return []
            status, data = client.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
            result = []
            for item in data:
                if not isinstance(item, tuple):
                    continue
                head = item[0].decode()
                uid = int(re.search(r"UID (\d+)", head).group(1))
                flags = set(re.search(r"FLAGS \(([^)]*)\)", head).group(1).split())
                result.append((uid, flags, item[1]))
            return result
        finally:
            client.logout()
