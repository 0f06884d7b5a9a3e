"""Status updates trackers send back: verifying who sent them, reading each tracker's payload,
and applying the status to the engineering issue it names.

Signatures, by connector kind:
- webhook: three headers, all required —
  `X-Tierdesk-Timestamp: <Unix seconds>`, within 5 minutes of the desk's clock;
  `X-Tierdesk-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{body}" under the inbound
  secret>`, the raw body as sent. The body is {"issue": "<key>" or "issue_id": <id we sent>,
  "status": "...", "comment": "...", "delivery": "<id>"}; "delivery" is optional, and a delivery
  id the desk already applied is refused as a replay.
- github: `X-Hub-Signature-256: sha256=...`, GitHub's own signature with the webhook's secret
  (it carries no timestamp); `issues` events: closed (completed → fixed, not planned → won't
  fix), reopened → open, and a label whose name the status mapping knows.
- jira: Jira Cloud webhooks cannot sign their requests, so the webhook URL carries the inbound
  secret as `?secret=...` (keep the URL private); a relay may send `X-Tierdesk-Signature:
  sha256=<HMAC of the body>` instead. The status is the issue's resolution if the mapping knows
  it, else its status name.

A refused request (no or a wrong signature, a stale timestamp, a replay) is logged as a Delivery
without its body — the sender proved nothing, so it may not fill the log — and as a warning.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.core.errors import AuthenticationFailed, NotFound, ValidationFailed
from tierdesk.engineering import trackers
from tierdesk.engineering.choices import ConnectorKind, DeliveryDirection, DeliveryOutcome
from tierdesk.engineering.models import Connector, Delivery, EngineeringIssue
from tierdesk.engineering.services import issue_status_report

logger = logging.getLogger(__name__)

# How much of an accepted request's body the log keeps.
LOGGED_BODY_MAX = 4000
# How far a webhook's timestamp may be from the desk's clock, either way.
TIMESTAMP_TOLERANCE = timedelta(minutes=5)
DELIVERY_ID_MAX = 64


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


@dataclass(frozen=True)
class _Answer:
    """What applying a verified payload came to, before it is logged and answered."""

    status_code: int
    outcome: str
    detail: str
    event: str
    result: str = "ignored"
    issue: EngineeringIssue | None = None


def refusal(
    connector: Connector,
    body: bytes,
    headers: Mapping[str, str],
    query: Mapping[str, str],
    now: datetime,
) -> str | None:
    """Why the request does not prove it knows the connector's inbound secret, or None when it
    does. For the webhook kind the signature covers the timestamp, which must be recent."""
    secret = connector.inbound_secret
    mismatch = _("The signature is missing or does not match.")
    if not secret:
        return mismatch
    if connector.kind == ConnectorKind.GITHUB:
        given = headers.get(trackers.GITHUB_SIGNATURE_HEADER)
        return None if trackers.signature_matches(secret, body, given) else mismatch
    if connector.kind == ConnectorKind.JIRA:
        if trackers.signature_matches(secret, body, headers.get(trackers.SIGNATURE_HEADER)):
            return None
        given = query.get("secret") or ""
        if given and hmac.compare_digest(given.encode(), secret.encode()):
            return None
        return mismatch
    timestamp = (headers.get(trackers.TIMESTAMP_HEADER) or "").strip()
    if not timestamp.isdigit() or len(timestamp) > 12:
        return _("The %(header)s header is missing or not a Unix time in seconds.") % {
            "header": trackers.TIMESTAMP_HEADER
        }
    message = trackers.signed_message(timestamp, body)
    if not trackers.signature_matches(secret, message, headers.get(trackers.SIGNATURE_HEADER)):
        return mismatch
    if abs(now.timestamp() - int(timestamp)) > TIMESTAMP_TOLERANCE.total_seconds():
        return _(
            "The timestamp is more than 5 minutes away from the desk's clock; send a fresh request."
        )
    return None


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
    delivery_id: str = "",
) -> None:
    Delivery.objects.create(
        connector=connector,
        issue=issue,
        direction=DeliveryDirection.INBOUND,
        event=event[:60],
        delivery_id=delivery_id,
        method="POST",
        request_body=body[:LOGGED_BODY_MAX].decode("utf-8", "replace"),
        request_size=len(body),
        status_code=status_code,
        response_excerpt=detail[:2000],
        outcome=outcome,
        created_at=timezone.now(),
    )


def _refuse(connector: Connector, body: bytes, reason: str) -> AuthenticationFailed:
    """Logs a refused request by its size alone, and the error to raise."""
    logger.warning(
        "Refused a status update for connector %s (%s bytes): %s", connector.pk, len(body), reason
    )
    Delivery.objects.create(
        connector=connector,
        direction=DeliveryDirection.INBOUND,
        event="refused",
        method="POST",
        request_size=len(body),
        status_code=401,
        response_excerpt=reason[:2000],
        outcome=DeliveryOutcome.REFUSED,
        created_at=timezone.now(),
    )
    return AuthenticationFailed(reason)


def _already_applied(connector: Connector, delivery_id: str) -> bool:
    return Delivery.objects.filter(
        connector=connector, direction=DeliveryDirection.INBOUND, delivery_id=delivery_id
    ).exists()


def _apply(connector: Connector, payload: dict[str, Any], headers: Mapping[str, str]) -> _Answer:
    """Applies a verified payload's status to its issue; a 404 answer changes nothing."""
    report = parse_report(connector, payload, headers)
    if report is None:
        detail = _("This event carries no issue status; nothing to do.")
        return _Answer(200, DeliveryOutcome.IGNORED, detail, "event")
    if (
        report.repository
        and connector.project
        and report.repository.lower() != connector.project.lower()
    ):
        detail = _("This connector is for %(project)s, not %(repository)s.") % {
            "project": connector.project,
            "repository": report.repository,
        }
        return _Answer(404, DeliveryOutcome.IGNORED, detail, report.event)
    issue = _find_issue(connector, report)
    if issue is None:
        detail = _("No engineering issue %(key)s was opened through this connector.") % {
            "key": report.key or report.issue_id or "?"
        }
        return _Answer(404, DeliveryOutcome.IGNORED, detail, report.event)

    meaning = None
    if report.resolution:
        meaning = connector.meaning_of(report.resolution)
    if meaning is None and report.tracker_status:
        meaning = connector.meaning_of(report.tracker_status)
    if meaning is None:
        detail = _("The status %(status)s is not in the connector's status mapping.") % {
            "status": report.tracker_status or "?"
        }
        return _Answer(200, DeliveryOutcome.IGNORED, detail, report.event, issue=issue)

    changed = issue_status_report(
        issue=issue,
        meaning=meaning,
        tracker_status=report.resolution or report.tracker_status,
        comment=report.comment,
    )
    detail = (
        _("%(issue)s is now %(status)s.") if changed else _("%(issue)s was already %(status)s.")
    ) % {"issue": issue.label or issue.pk, "status": meaning}
    return _Answer(
        200,
        DeliveryOutcome.ACCEPTED,
        detail,
        report.event,
        result="changed" if changed else "unchanged",
        issue=issue,
    )


def webhook_receive(
    *,
    connector_id: int,
    body: bytes,
    headers: Mapping[str, str],
    query: Mapping[str, str],
) -> InboundOutcome:
    """Verifies and applies one status update. Every request to a known connector is logged; a
    refused one without its body.

    Raises NotFound for an unknown connector or issue, AuthenticationFailed for a missing or
    forged signature, a stale webhook timestamp or a replayed delivery id (nothing is
    changed), ValidationFailed for a body that is not a JSON object.
    """
    connector = Connector.objects.filter(pk=connector_id).first()
    if connector is None:
        # No row: a Delivery belongs to a connector, and the sender proved nothing.
        logger.warning(
            "Refused a status update for unknown connector %s (%s bytes)", connector_id, len(body)
        )
        raise NotFound(_("No such connector."))
    reason = refusal(connector, body, headers, query, timezone.now())
    if reason is not None:
        raise _refuse(connector, body, reason)
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        detail = _("The body must be a JSON object.")
        _log(connector, body, DeliveryOutcome.REFUSED, 422, detail)
        raise ValidationFailed(body=detail)

    delivery_id = ""
    if connector.kind == ConnectorKind.WEBHOOK and payload.get("delivery") is not None:
        delivery_id = _text(payload.get("delivery"), DELIVERY_ID_MAX + 1)
        if len(delivery_id) > DELIVERY_ID_MAX:
            detail = _("A delivery id has at most %(max)s characters.") % {"max": DELIVERY_ID_MAX}
            _log(connector, body, DeliveryOutcome.REFUSED, 422, detail)
            raise ValidationFailed(delivery=detail)
    replay = _("Delivery %(id)s was already received; a replay is not applied again.") % {
        "id": delivery_id
    }
    if delivery_id and _already_applied(connector, delivery_id):
        raise _refuse(connector, body, replay)

    try:
        # The log row carries the delivery id of an applied request and is written with the
        # change, so of two copies racing past the check above one is applied and the other
        # fails on the unique constraint.
        with transaction.atomic():
            answer = _apply(connector, payload, headers)
            _log(
                connector,
                body,
                answer.outcome,
                answer.status_code,
                answer.detail,
                event=answer.event,
                issue=answer.issue,
                # A 404 consumes nothing: the tracker may send it again once the issue is known.
                delivery_id=delivery_id if answer.status_code == 200 else "",
            )
    except IntegrityError:
        if delivery_id and _already_applied(connector, delivery_id):
            raise _refuse(connector, body, replay) from None
        raise
    if answer.status_code == 404:
        raise NotFound(answer.detail)
    return InboundOutcome(answer.result, answer.detail, answer.issue)
