"""A local stand-in for engineering's trackers: an HTTP server on 127.0.0.1 that answers like
Jira's and GitHub's issue APIs and like a webhook receiver, checks what it is sent the way they
would (refusing a wrong token, a v3 description that is not a document, a bad signature), and
records every request so tests can look at them.

    with FakeTracker(token="t0k") as tracker:
        connector = Connector.objects.create(kind="jira", url=tracker.url, token="t0k", ...)
        ... open an issue ...
        assert tracker.requests[0].json["fields"]["project"] == {"key": "ENG"}

`send_status(...)` posts a signed status update to the desk's inbound webhook, as the tracker
would when the issue is fixed (a webhook's signature covers its timestamp, see trackers); `immediate_queue()` runs queued tasks at once (for browser
tests, where the worker is not running).
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tierdesk.engineering.trackers import (
    GITHUB_SIGNATURE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
    sign_webhook,
)

# How far a webhook's timestamp may be from the receiver's clock, as the desk asks receivers to.
TIMESTAMP_TOLERANCE_SECONDS = 300
JIRA_PATH = re.compile(r"^/rest/api/(?P<version>[23])/issue$")
GITHUB_PATH = re.compile(r"^/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/issues$")


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int = 0

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


@dataclass
class FakeTracker:
    """The fake tracker. `token` (and `username` for Jira basic auth) is the credential it
    accepts; `signing_secret` the secret webhook bodies must be signed with (if set)."""

    token: str = "tracker-token"
    username: str = ""
    signing_secret: str = ""
    jira_project: str = "ENG"
    requests: list[RecordedRequest] = field(default_factory=list)
    _scripted: list[tuple[int, Any]] = field(default_factory=list)
    _counter: int = 0
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeTracker:
        tracker = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                recorded = RecordedRequest(
                    method="POST",
                    path=self.path,
                    headers=dict(self.headers.items()),
                    body=self.rfile.read(length),
                )
                status, body = tracker._answer(recorded)
                recorded.answered = status
                with tracker._lock:
                    tracker.requests.append(recorded)
                raw = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeTracker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the tracker first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- scripting -----------------------------------------------------------------------------

    def fail_next(self, status: int, times: int = 1, body: Any = None) -> None:
        """Answers the next `times` requests with `status` (and `body`) instead of success."""
        with self._lock:
            self._scripted.extend([(status, body or {"errorMessages": ["scripted"]})] * times)

    # --- answers like the real APIs ------------------------------------------------------------

    def _next_number(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def _answer(self, request: RecordedRequest) -> tuple[int, Any]:
        with self._lock:
            scripted = self._scripted.pop(0) if self._scripted else None
        if scripted is not None:
            return scripted
        try:
            payload = request.json
        except ValueError:
            return 400, {"message": "Problems parsing JSON"}
        jira = JIRA_PATH.match(request.path)
        if jira:
            return self._jira(request, int(jira["version"]), payload)
        github = GITHUB_PATH.match(request.path)
        if github:
            return self._github(request, github["owner"], github["repo"], payload)
        return self._webhook(request, payload)

    def _jira(self, request: RecordedRequest, version: int, payload: Any) -> tuple[int, Any]:
        if self.username:
            pair = base64.b64encode(f"{self.username}:{self.token}".encode()).decode()
            expected = f"Basic {pair}"
        else:
            expected = f"Bearer {self.token}"
        if request.header("Authorization") != expected:
            return 401, {"errorMessages": ["You are not authenticated."]}
        fields = (payload or {}).get("fields") or {}
        errors: dict[str, str] = {}
        if (fields.get("project") or {}).get("key") != self.jira_project:
            errors["project"] = "valid project is required"
        if not fields.get("summary"):
            errors["summary"] = "You must specify a summary of the issue."
        if not (fields.get("issuetype") or {}).get("name"):
            errors["issuetype"] = "valid issue type is required"
        description = fields.get("description")
        if version == 3 and not (
            isinstance(description, dict) and description.get("type") == "doc"
        ):
            errors["description"] = "Operation value must be an Atlassian Document."
        if version == 2 and not isinstance(description, str):
            errors["description"] = "Operation value must be a string"
        if errors:
            return 400, {"errorMessages": [], "errors": errors}
        number = self._next_number()
        key = f"{self.jira_project}-{number}"
        return 201, {
            "id": str(10000 + number),
            "key": key,
            "self": f"{self.url}/rest/api/{version}/issue/{10000 + number}",
        }

    def _github(
        self, request: RecordedRequest, owner: str, repo: str, payload: Any
    ) -> tuple[int, Any]:
        if request.header("Authorization") != f"Bearer {self.token}":
            return 401, {"message": "Bad credentials"}
        if request.header("Accept") != "application/vnd.github+json":
            return 415, {"message": "Unsupported media type"}
        if not (payload or {}).get("title"):
            return 422, {"message": "Validation Failed", "errors": [{"field": "title"}]}
        number = self._next_number()
        return 201, {
            "id": 5000 + number,
            "number": number,
            "html_url": f"https://github.example/{owner}/{repo}/issues/{number}",
            "title": payload["title"],
            "state": "open",
        }

    def _webhook(self, request: RecordedRequest, payload: Any) -> tuple[int, Any]:
        """A receiver that checks the signature over "{timestamp}.{body}" and the timestamp's
        age, the way the desk documents it."""
        if self.signing_secret:
            timestamp = request.header(TIMESTAMP_HEADER) or ""
            if request.header(SIGNATURE_HEADER) != sign_webhook(
                self.signing_secret, timestamp, request.body
            ):
                return 401, {"error": "bad signature"}
            if (
                not timestamp.isdigit()
                or abs(time.time() - int(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS
            ):
                return 401, {"error": "stale timestamp"}
        return 202, {"received": True}

    # --- looking at what came in ---------------------------------------------------------------

    def last(self) -> RecordedRequest:
        assert self.requests, "the tracker received nothing"
        return self.requests[-1]


def closed_port() -> int:
    """A local port nothing listens on, for "connection refused"."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def signed_status_request(
    kind: str, secret: str, payload: dict[str, Any], *, timestamp: int | None = None
) -> tuple[bytes, dict[str, str], str]:
    """Body, headers and query string a tracker of `kind` sends to report a status. A webhook
    is stamped with `timestamp` (Unix seconds; now when None) and signed over it."""
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    query = ""
    if kind == "github":
        headers[GITHUB_SIGNATURE_HEADER] = sign(secret, body)
        headers["X-GitHub-Event"] = "issues"
    elif kind == "jira":
        query = f"?secret={secret}"
    else:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        headers[TIMESTAMP_HEADER] = stamp
        headers[SIGNATURE_HEADER] = sign_webhook(secret, stamp, body)
    return body, headers, query


def send_status(
    desk_url: str,
    connector_id: int,
    *,
    kind: str,
    secret: str,
    payload: dict[str, Any],
    timestamp: int | None = None,
) -> tuple[int, Any]:
    """Posts a signed status update to the desk's inbound webhook, as the tracker would; returns
    the status code and the JSON answer."""
    body, headers, query = signed_status_request(kind, secret, payload, timestamp=timestamp)
    url = f"{desk_url.rstrip('/')}/api/v1/engineering/webhooks/{connector_id}{query}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@contextlib.contextmanager
def immediate_queue() -> Iterator[None]:
    """Runs queued tasks at once in the process that queues them (tasks scheduled for later
    wait in memory), for tests where no worker runs."""
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    try:
        yield
    finally:
        HUEY.immediate = before
