"""What each kind of tracker is sent to open an issue and how its answer is read: a signed JSON
webhook, Jira's REST API (v2 plain text, v3 Atlassian Document Format) and GitHub Issues. The
HTTP call itself uses only the standard library.

The webhook POSTs JSON with these headers:
- `X-Tierdesk-Event: escalation.created`
- `X-Tierdesk-Delivery: <hex id>`: this attempt's id, also the payload's "delivery"; every
  attempt has a new one
- `X-Tierdesk-Timestamp: <Unix seconds when the request was built>`
- `X-Tierdesk-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{body}" under the connector's
  signing secret>`, the timestamp being the header's value and the body the raw bytes sent.
A receiver recomputes the signature, compares it in constant time, and refuses a timestamp more
than 5 minutes from its clock, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.urls import reverse

from tierdesk.engineering.choices import ConnectorKind, JiraApiVersion
from tierdesk.engineering.models import Connector, EngineeringIssue, is_web_url
from tierdesk.escalations.models import Escalation

SIGNATURE_HEADER = "X-Tierdesk-Signature"
DELIVERY_HEADER = "X-Tierdesk-Delivery"
TIMESTAMP_HEADER = "X-Tierdesk-Timestamp"
EVENT_HEADER = "X-Tierdesk-Event"
GITHUB_SIGNATURE_HEADER = "X-Hub-Signature-256"
USER_AGENT = "tierdesk-engineering-link/1"
EVENT_ESCALATION_CREATED = "escalation.created"
# Long enough for a slow tracker, short enough that a hung one does not hold a worker.
TIMEOUT_SECONDS = 15
RESPONSE_EXCERPT_CHARS = 2000
JIRA_SUMMARY_MAX = 255


@dataclass(frozen=True)
class OutboundRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class TrackerAnswer:
    """What came back: a status code (None when no answer arrived), the body, or the error."""

    status_code: int | None
    body: str = ""
    error: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        """No answer, a server error, a timeout or rate limit: worth trying again later. Any
        other refusal (bad credentials, unknown project) will not change by waiting."""
        if self.status_code is None:
            return True
        return self.status_code >= 500 or self.status_code in {408, 429}


@dataclass(frozen=True)
class CreatedIssue:
    key: str = ""
    url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def sign(secret: str, body: bytes) -> str:
    """The signature header value of `body`: "sha256=" and the hex HMAC-SHA256 under `secret`."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed_message(timestamp: str, body: bytes) -> bytes:
    """What a webhook signature covers: the timestamp header's value, a dot, then the body."""
    return f"{timestamp}.".encode() + body


def sign_webhook(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Tierdesk-Signature value of a webhook request sent at `timestamp` (Unix seconds)."""
    return sign(secret, signed_message(timestamp, body))


def signature_matches(secret: str, body: bytes, given: str | None) -> bool:
    """True when `given` is the signature of `body` under `secret`; compared in constant time."""
    if not secret or not given:
        return False
    return hmac.compare_digest(sign(secret, body).encode(), given.strip().encode())


def web_url(value: Any) -> str:
    """`value` as an issue's link when it is an http(s) address of at most 500 characters,
    else "": trackers name the address, and pages put it in an href."""
    text = value.strip() if isinstance(value, str) else ""
    return text if is_web_url(text) and len(text) <= 500 else ""


def public_url(path: str) -> str:
    """An absolute URL of this desk, for links sent to trackers (TIERDESK_PUBLIC_URL)."""
    return settings.TIERDESK_PUBLIC_URL.rstrip("/") + path


# --- the escalation package, as text -----------------------------------------------------------


def package_sections(escalation: Escalation) -> list[tuple[str, str]]:
    """The package's filled-in parts as (heading, text), in the order engineers read them."""
    parts = [
        ("Summary", escalation.summary),
        ("Customer impact", escalation.customer_impact),
        ("Steps to reproduce", escalation.steps_to_reproduce),
        ("Expected result", escalation.expected_result),
        ("Actual result", escalation.actual_result),
        ("Environment", escalation.environment),
        ("What was tried", escalation.tried),
        ("Links", "\n".join(str(link) for link in escalation.links or [])),
    ]
    return [(heading, text.strip()) for heading, text in parts if text and text.strip()]


def issue_title(issue: EngineeringIssue) -> str:
    return f"{issue.ticket.subject} (ticket #{issue.ticket_id})"


def ticket_url(issue: EngineeringIssue) -> str:
    return public_url(reverse("tickets:detail", kwargs={"number": issue.ticket_id}))


def _plain_description(issue: EngineeringIssue) -> str:
    blocks = [f"{heading}:\n{text}" for heading, text in package_sections(issue.escalation)]
    blocks.append(f"Support ticket: {ticket_url(issue)}")
    return "\n\n".join(blocks)


def _markdown_description(issue: EngineeringIssue) -> str:
    blocks = [f"### {heading}\n\n{text}" for heading, text in package_sections(issue.escalation)]
    blocks.append(f"Support ticket: [#{issue.ticket_id}]({ticket_url(issue)})")
    return "\n\n".join(blocks)


def _adf_text(text: str) -> list[dict[str, Any]]:
    """Paragraph content of ADF for text with line breaks (ADF refuses empty text nodes)."""
    content: list[dict[str, Any]] = []
    for number, line in enumerate(text.split("\n")):
        if number:
            content.append({"type": "hardBreak"})
        if line:
            content.append({"type": "text", "text": line})
    return content


def adf_description(issue: EngineeringIssue) -> dict[str, Any]:
    """The package as an Atlassian Document Format document, which Jira's v3 API requires."""
    content: list[dict[str, Any]] = []
    for heading, text in package_sections(issue.escalation):
        content.append(
            {
                "type": "heading",
                "attrs": {"level": 3},
                "content": [{"type": "text", "text": heading}],
            }
        )
        content.append({"type": "paragraph", "content": _adf_text(text)})
    url = ticket_url(issue)
    content.append(
        {
            "type": "paragraph",
            "content": [
                {"type": "text", "text": "Support ticket: "},
                {
                    "type": "text",
                    "text": f"#{issue.ticket_id}",
                    "marks": [{"type": "link", "attrs": {"href": url}}],
                },
            ],
        }
    )
    return {"type": "doc", "version": 1, "content": content}


# --- requests per kind -------------------------------------------------------------------------


def webhook_payload(issue: EngineeringIssue, delivery_id: str, now: datetime) -> dict[str, Any]:
    ticket, escalation = issue.ticket, issue.escalation
    return {
        "event": EVENT_ESCALATION_CREATED,
        "delivery": delivery_id,
        "sent_at": now.isoformat(),
        "issue_id": issue.pk,
        "ticket": {
            "number": ticket.number,
            "subject": ticket.subject,
            "url": ticket_url(issue),
            "priority": ticket.priority,
            "type": ticket.type,
            "product_area": ticket.product_area,
            "organization": ticket.organization.name if ticket.organization else None,
        },
        "tier": escalation.to_tier,
        "from_tier": escalation.from_tier,
        "escalation": {
            "id": escalation.pk,
            "summary": escalation.summary,
            "customer_impact": escalation.customer_impact,
            "steps_to_reproduce": escalation.steps_to_reproduce,
            "expected_result": escalation.expected_result,
            "actual_result": escalation.actual_result,
            "environment": escalation.environment,
            "tried": escalation.tried,
            "links": list(escalation.links or []),
            "requested_by": escalation.requested_by.display_name,
        },
    }


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _jira_auth(connector: Connector) -> str:
    if connector.username:
        pair = f"{connector.username}:{connector.token}".encode()
        return "Basic " + base64.b64encode(pair).decode()
    return f"Bearer {connector.token}"


def create_request(issue: EngineeringIssue, delivery_id: str, now: datetime) -> OutboundRequest:
    """The HTTP request that opens `issue` in its connector's tracker."""
    connector = issue.connector
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
    }
    if connector.kind == ConnectorKind.WEBHOOK:
        body = _json(webhook_payload(issue, delivery_id, now))
        headers[EVENT_HEADER] = EVENT_ESCALATION_CREATED
        headers[DELIVERY_HEADER] = delivery_id
        timestamp = str(int(now.timestamp()))
        if not connector.signing_secret:
            # The connector form requires one; a row written around it must not go out unsigned.
            raise ValueError("the webhook connector has no signing secret")
        headers[TIMESTAMP_HEADER] = timestamp
        headers[SIGNATURE_HEADER] = sign_webhook(connector.signing_secret, timestamp, body)
        return OutboundRequest("POST", connector.api_url, headers, body)

    labels = [str(label) for label in connector.labels or []]
    if connector.kind == ConnectorKind.JIRA:
        version = int(connector.jira_api_version)
        description: Any = (
            adf_description(issue) if version == JiraApiVersion.V3 else _plain_description(issue)
        )
        fields = {
            "project": {"key": connector.project},
            "summary": issue_title(issue)[:JIRA_SUMMARY_MAX],
            "issuetype": {"name": connector.issue_type or "Bug"},
            "description": description,
            # Jira labels cannot hold spaces.
            "labels": [label.replace(" ", "-") for label in labels],
        }
        headers["Authorization"] = _jira_auth(connector)
        url = f"{connector.api_url}/rest/api/{version}/issue"
        return OutboundRequest("POST", url, headers, _json({"fields": fields}))

    owner, _slash, repo = connector.project.partition("/")
    headers["Accept"] = "application/vnd.github+json"
    headers["X-GitHub-Api-Version"] = "2022-11-28"
    headers["Authorization"] = f"Bearer {connector.token}"
    url = f"{connector.api_url}/repos/{quote(owner)}/{quote(repo)}/issues"
    body = _json(
        {"title": issue_title(issue), "body": _markdown_description(issue), "labels": labels}
    )
    return OutboundRequest("POST", url, headers, body)


def read_created(connector: Connector, answer: TrackerAnswer) -> CreatedIssue:
    """The key and URL of the issue the tracker opened, from its answer. A webhook receiver may
    answer {"key", "url"} (or "id") to name its issue; an empty answer is fine too. A URL that
    is not http(s) is dropped: it would end up in a link on the ticket page."""
    try:
        data = json.loads(answer.body) if answer.body.strip() else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    if connector.kind == ConnectorKind.JIRA:
        key = str(data.get("key") or "")
        return CreatedIssue(
            key=key[:100], url=web_url(f"{connector.api_url}/browse/{quote(key)}" if key else "")
        )
    if connector.kind == ConnectorKind.GITHUB:
        number = data.get("number")
        return CreatedIssue(
            key=str(number)[:100] if number is not None else "", url=web_url(data.get("html_url"))
        )
    key = data.get("key") or data.get("id") or ""
    return CreatedIssue(key=str(key)[:100], url=web_url(data.get("url")))


# --- the call ----------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is reported as the answer: following it would turn the POST into a GET."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def send(request: OutboundRequest, *, timeout: float = TIMEOUT_SECONDS) -> TrackerAnswer:
    """Makes the call; never raises for HTTP or network trouble, which the answer carries."""
    started = time.monotonic()
    http_request = urllib.request.Request(
        request.url, data=request.body, headers=request.headers, method=request.method
    )

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        with _opener.open(http_request, timeout=timeout) as response:
            body = response.read(RESPONSE_EXCERPT_CHARS * 4).decode("utf-8", "replace")
            return TrackerAnswer(response.status, body, duration_ms=elapsed())
    except urllib.error.HTTPError as error:
        try:
            body = error.read(RESPONSE_EXCERPT_CHARS * 4).decode("utf-8", "replace")
        except OSError:
            body = ""
        return TrackerAnswer(
            error.code, body, error=f"HTTP {error.code} {error.reason}", duration_ms=elapsed()
        )
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        return TrackerAnswer(None, error=str(reason)[:500], duration_ms=elapsed())
