"""Status updates trackers send back: verifying who sent them, reading each tracker's payload,
and applying the status to the engineering issue it names.

Signatures, by connector kind:
- webhook: `X-Tierdesk-Signature: sha256=<hex HMAC-SHA256 of the raw body under the inbound
  secret>`; the body is {"issue": "<key>" or "issue_id": <id we sent>, "status": "...",
  "comment": "..."}.
- github: `X-Hub-Signature-256: sha256=...`, GitHub's own signature with the webhook's secret;
  `issues` events: closed (completed → fixed, not planned → won't fix), reopened → open, and a
  label whose name the status mapping knows.
- jira: Jira Cloud webhooks cannot sign their requests, so the webhook URL carries the inbound
  secret as `?secret=...` (keep the URL private); a relay may send `X-Tierdesk-Signature`
  instead. The status is the issue's resolution if the mapping knows it, else its status name.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.core.errors import AuthenticationFailed, NotFound, ValidationFailed
from tierdesk.engineering import trackers
from tierdesk.engineering.choices import ConnectorKind, DeliveryDirection, DeliveryOutcome
from tierdesk.engineering.models import Connector, Delivery, EngineeringIssue
from tierdesk.engineering.services import issue_status_report

logger = logging.getLogger(__name__)

LOGGED_BODY_MAX = 4000


@dataclass(frozen=True)
class StatusReport:
    """What a payload says: which issue (tracker key, or our id) and its status."""

    event: str
    key: str = ""
    issue_id: int | None = None
    tracker_status: str = ""
    resolution: str = ""
    comment: str = ""
    repository: str = ""


@dataclass(frozen=True)
class InboundOutcome:
    """The answer to the tracker: "changed", "unchanged" or "ignored", and why."""

    result: str
    detail: str
    issue: EngineeringIssue | None = None


def signature_valid(
    connector: Connector, body: bytes, headers: Mapping[str, str], query: Mapping[str, str]
) -> bool:
    """True when the request proves it knows the connector's inbound secret."""
    secret = connector.inbound_secret
    if not secret:
        return False
    if connector.kind == ConnectorKind.GITHUB:
        return trackers.signature_matches(
            secret, body, headers.get(trackers.GITHUB_SIGNATURE_HEADER)
        )
    if trackers.signature_matches(secret, body, headers.get(trackers.SIGNATURE_HEADER)):
        return True
    if connector.kind == ConnectorKind.JIRA:
        given = query.get("secret") or ""
        return bool(given) and hmac.compare_digest(given.encode(), secret.encode())
    return False


def _text(value: Any, limit: int = 2000) -> str:
    return str(value).strip()[:limit] if value is not None else ""


def parse_report(
    connector: Connector, payload: dict[str, Any], headers: Mapping[str, str]
) -> StatusReport | None:
    """The status report in a tracker's payload, or None for an event that carries none."""
    if connector.kind == ConnectorKind.GITHUB:
        event = headers.get("X-GitHub-Event", "")
        issue = payload.get("issue")
        if event != "issues" or not isinstance(issue, dict):
            return None
        action = _text(payload.get("action"))
        if action == "closed":
            status = _text(issue.get("state_reason")) or "closed"
        elif action == "reopened":
            status = "reopened"
        elif action == "labeled":
            status = _text((payload.get("label") or {}).get("name"))
        else:
            return None
        repository = payload.get("repository") or {}
        return StatusReport(
            event=f"issues.{action}",
            key=_text(issue.get("number")),
            tracker_status=status,
            comment=_text(issue.get("title")),
            repository=_text(repository.get("full_name")),
        )
    if connector.kind == ConnectorKind.JIRA:
        issue = payload.get("issue")
        if not isinstance(issue, dict):
            return None
        fields = issue.get("fields") or {}
        comment = payload.get("comment") or {}
        body = comment.get("body") if isinstance(comment, dict) else None
        return StatusReport(
            event=_text(payload.get("webhookEvent")) or "jira",
            key=_text(issue.get("key")),
            tracker_status=_text((fields.get("status") or {}).get("name")),
            resolution=_text((fields.get("resolution") or {}).get("name")),
            comment=_text(body if isinstance(body, str) else fields.get("summary")),
        )
    issue_id = payload.get("issue_id")
    return StatusReport(
        event=_text(payload.get("event")) or "issue.status",
        key=_text(payload.get("issue")),
        issue_id=issue_id if isinstance(issue_id, int) else None,
        tracker_status=_text(payload.get("status")),
        comment=_text(payload.get("comment")),
    )


def _find_issue(connector: Connector, report: StatusReport) -> EngineeringIssue | None:
    issues = EngineeringIssue.objects.filter(connector=connector).select_related("connector")
    if report.key:
        found = issues.filter(external_key=report.key).order_by("-created_at").first()
        if found is not None:
            return found
    if report.issue_id is not None and connector.kind == ConnectorKind.WEBHOOK:
        return issues.filter(pk=report.issue_id).first()
    return None


def _log(
    connector: Connector,
    body: bytes,
    outcome: str,
    status_code: int,
    detail: str,
    *,
    event: str = "status",
    issue: EngineeringIssue | None = None,
) -> None:
    Delivery.objects.create(
        connector=connector,
        issue=issue,
        direction=DeliveryDirection.INBOUND,
        event=event[:60],
        method="POST",
        request_body=body[:LOGGED_BODY_MAX].decode("utf-8", "replace"),
        status_code=status_code,
        response_excerpt=detail[:2000],
        outcome=outcome,
        created_at=timezone.now(),
    )


def webhook_receive(
    *,
    connector_id: int,
    body: bytes,
    headers: Mapping[str, str],
    query: Mapping[str, str],
) -> InboundOutcome:
    """Verifies and applies one status update. Every request to a known connector is logged.

    Raises NotFound for an unknown connector or issue, AuthenticationFailed for a missing or
    forged signature (nothing is changed), ValidationFailed for a body that is not JSON.
    """
    connector = Connector.objects.filter(pk=connector_id).first()
    if connector is None:
        logger.warning("Engineering webhook for unknown connector %s", connector_id)
        raise NotFound(_("No such connector."))
    if not signature_valid(connector, body, headers, query):
        detail = _("The signature is missing or does not match.")
        logger.warning("Refused an unsigned or forged webhook for connector %s", connector.pk)
        _log(connector, body, DeliveryOutcome.REFUSED, 401, detail)
        raise AuthenticationFailed(detail)
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        detail = _("The body must be a JSON object.")
        _log(connector, body, DeliveryOutcome.REFUSED, 422, detail)
        raise ValidationFailed(body=detail)

    report = parse_report(connector, payload, headers)
    if report is None:
        detail = _("This event carries no issue status; nothing to do.")
        _log(connector, body, DeliveryOutcome.IGNORED, 200, detail, event="event")
        return InboundOutcome("ignored", detail)
    if (
        report.repository
        and connector.project
        and report.repository.lower() != connector.project.lower()
    ):
        detail = _("This connector is for %(project)s, not %(repository)s.") % {
            "project": connector.project,
            "repository": report.repository,
        }
        _log(connector, body, DeliveryOutcome.IGNORED, 404, detail, event=report.event)
        raise NotFound(detail)
    issue = _find_issue(connector, report)
    if issue is None:
        detail = _("No engineering issue %(key)s was opened through this connector.") % {
            "key": report.key or report.issue_id or "?"
        }
        _log(connector, body, DeliveryOutcome.IGNORED, 404, detail, event=report.event)
        raise NotFound(detail)

    meaning = None
    if report.resolution:
        meaning = connector.meaning_of(report.resolution)
    if meaning is None and report.tracker_status:
        meaning = connector.meaning_of(report.tracker_status)
    if meaning is None:
        detail = _("The status %(status)s is not in the connector's status mapping.") % {
            "status": report.tracker_status or "?"
        }
        _log(connector, body, DeliveryOutcome.IGNORED, 200, detail, event=report.event, issue=issue)
        return InboundOutcome("ignored", detail, issue)

    changed = issue_status_report(
        issue=issue,
        meaning=meaning,
        tracker_status=report.resolution or report.tracker_status,
        comment=report.comment,
    )
    detail = (
        _("%(issue)s is now %(status)s.") if changed else _("%(issue)s was already %(status)s.")
    ) % {"issue": issue.label or issue.pk, "status": meaning}
    _log(connector, body, DeliveryOutcome.ACCEPTED, 200, detail, event=report.event, issue=issue)
    return InboundOutcome("changed" if changed else "unchanged", detail, issue)
