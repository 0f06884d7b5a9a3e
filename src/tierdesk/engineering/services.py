"""Writes of the engineering link: issues opened in the tracker for tier-3 escalations, and their
status coming back.

An escalation's issue is opened in one connector, chosen by its receiving group (see
selectors.connector_for_escalation), once the escalation commits. Each attempt is a
Delivery row; a failed attempt that may succeed later is retried after 1 minute, 5 minutes,
30 minutes, 2 hours and 12 hours, then the issue is marked failed and an admin may retry it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Role, Tier
from tierdesk.accounts.models import SkillGroup, User
from tierdesk.accounts.selectors import skill_group_by_reference
from tierdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tierdesk.engineering import trackers
from tierdesk.engineering.choices import (
    ACTION_NO_CONNECTOR,
    CLOSING_MEANINGS,
    ConnectorKind,
    DeliveryDirection,
    DeliveryOutcome,
    IssueStatus,
)
from tierdesk.engineering.models import Connector, Delivery, EngineeringIssue
from tierdesk.engineering.selectors import connector_for_escalation
from tierdesk.escalations.models import Escalation
from tierdesk.tickets.choices import EventKind
from tierdesk.tickets.events import record_event

logger = logging.getLogger(__name__)

# Waits after the 1st, 2nd, ... failed attempt; after the last one the issue has failed for good.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# How long a claimed attempt may run before the sweeper takes it for lost (a killed worker).
ATTEMPT_LEASE = timedelta(minutes=5)
REQUEST_BODY_MAX = 20_000


def retry_delay(attempt: int) -> timedelta | None:
    """The wait before the attempt after failed attempt number `attempt`, or None if none follows."""
    if 1 <= attempt <= len(RETRY_DELAYS):
        return RETRY_DELAYS[attempt - 1]
    return None


def _enqueue(issue_id: int) -> None:
    # Imported here: tasks imports this module.
    from tierdesk.engineering.tasks import deliver_engineering_issue

    deliver_engineering_issue(issue_id)


def _enqueue_later(issue_id: int) -> Callable[[], None]:
    """A callback that queues the issue's delivery, for transaction.on_commit."""
    return lambda: _enqueue(issue_id)


def _schedule(issue_id: int, eta: datetime) -> None:
    from tierdesk.engineering.tasks import deliver_engineering_issue

    deliver_engineering_issue.schedule(args=(issue_id,), eta=eta)


# --- opening issues ----------------------------------------------------------------------------


def escalation_to_engineering(escalation: Escalation) -> EngineeringIssue | None:
    """Called inside the transaction that creates a tier-3 escalation: opens its engineering
    issue in one connector (see selectors.connector_for_escalation) once the transaction
    commits.

    Creates the pending EngineeringIssue now, so a rolled-back escalation leaves nothing
    behind; the call to the tracker runs in the worker after the commit. When no connector
    serves the escalation, returns None and records that on the ticket (the engineering card
    shows it) and in the log, so someone opens the issue by hand or adds a connector.
    """
    now = timezone.now()
    connector = connector_for_escalation(escalation)
    if connector is None:
        group = escalation.group.name if escalation.group is not None else ""
        record_event(
            escalation.ticket,
            actor=None,
            kind=EventKind.ENGINEERING,
            at=now,
            field="issue",
            data={"action": ACTION_NO_CONNECTOR, "escalation": escalation.pk, "group": group},
        )
        logger.warning(
            "No engineering connector serves escalation %s (ticket #%s, group %s); no issue "
            "was opened",
            escalation.pk,
            escalation.ticket_id,
            group or "none",
        )
        return None
    issue = EngineeringIssue.objects.create(
        ticket_id=escalation.ticket_id,
        escalation=escalation,
        connector=connector,
        status=IssueStatus.PENDING,
        next_attempt_at=now,
        history=[_history_entry(now, IssueStatus.PENDING, "", "escalation")],
        created_at=now,
        updated_at=now,
    )
    transaction.on_commit(_enqueue_later(issue.pk))
    return issue


def _history_entry(at: datetime, status: str, tracker_status: str, source: str) -> dict[str, str]:
    return {
        "at": at.isoformat(),
        "status": str(status),
        "tracker_status": tracker_status,
        "source": source,
    }


def _claim(issue_id: int, now: datetime) -> bool:
    """Takes the next attempt of a pending issue whose attempt is due. A conditional update, so
    of two workers (a scheduled task and the sweeper) only one sends."""
    return bool(
        EngineeringIssue.objects.filter(
            pk=issue_id, status=IssueStatus.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=now + ATTEMPT_LEASE, attempts=F("attempts") + 1)
    )


def issue_deliver(issue_id: int) -> Delivery | None:
    """Makes one attempt to open the issue in its tracker, if one is due, and logs it.

    Returns the Delivery, or None when nothing was due (already opened, failed, or another
    worker holds the attempt), so running it twice is safe. The HTTP call is made outside any
    transaction; its outcome is written in one.
    """
    now = timezone.now()
    if not _claim(issue_id, now):
        return None
    issue = EngineeringIssue.objects.select_related(
        "connector", "ticket__organization", "escalation__requested_by"
    ).get(pk=issue_id)
    delivery_id = uuid.uuid4().hex
    try:
        request = trackers.create_request(issue, delivery_id, now)
    except Exception as error:
        # A request that cannot be built will not build later either: fail now and log it,
        # rather than let the lease expire and the sweeper try again forever.
        logger.exception("Could not build the request for engineering issue %s", issue_id)
        request = trackers.OutboundRequest("POST", issue.connector.api_url, {}, b"")
        answer = trackers.TrackerAnswer(None, error=f"Could not build the request: {error}"[:500])
        return _record_attempt(issue_id, request, answer, delivery_id, retryable=False)
    answer = trackers.send(request)
    return _record_attempt(issue_id, request, answer, delivery_id)


@transaction.atomic
def _record_attempt(
    issue_id: int,
    request: trackers.OutboundRequest,
    answer: trackers.TrackerAnswer,
    delivery_id: str,
    *,
    retryable: bool = True,
) -> Delivery:
    now = timezone.now()
    issue = (
        EngineeringIssue.objects.select_for_update()
        .select_related("connector", "ticket")
        .get(pk=issue_id)
    )
    connector = issue.connector
    delivery = Delivery(
        connector=connector,
        issue=issue,
        direction=DeliveryDirection.OUTBOUND,
        event=trackers.EVENT_ESCALATION_CREATED,
        delivery_id=delivery_id,
        method=request.method,
        request_url=request.url[:500],
        request_body=request.body.decode("utf-8", "replace")[:REQUEST_BODY_MAX],
        request_size=len(request.body),
        attempt=issue.attempts,
        status_code=answer.status_code,
        response_excerpt=answer.body[: trackers.RESPONSE_EXCERPT_CHARS],
        error=answer.error,
        duration_ms=answer.duration_ms,
        created_at=now,
    )
    if answer.ok:
        created = trackers.read_created(connector, answer)
        delivery.outcome = DeliveryOutcome.DELIVERED
        issue.external_key = created.key
        issue.url = created.url
        issue.status = IssueStatus.OPEN
        issue.next_attempt_at = None
        issue.history = [*issue.history, _history_entry(now, IssueStatus.OPEN, "", "delivery")]
        record_event(
            issue.ticket,
            actor=None,
            kind=EventKind.ENGINEERING,
            at=now,
            field="issue",
            new=issue.label or connector.name,
            data={
                "action": "opened",
                "issue": issue.pk,
                "connector": connector.name,
                "key": issue.label,
                "url": issue.url,
            },
        )
    else:
        delay = retry_delay(issue.attempts) if retryable and answer.retryable else None
        if delay is not None:
            delivery.outcome = DeliveryOutcome.RETRYING
            delivery.next_retry_at = issue.next_attempt_at = now + delay
            eta = delivery.next_retry_at
            transaction.on_commit(lambda: _schedule(issue_id, eta))
        else:
            delivery.outcome = DeliveryOutcome.FAILED
            issue.status = IssueStatus.FAILED
            issue.next_attempt_at = None
            issue.history = [
                *issue.history,
                _history_entry(now, IssueStatus.FAILED, "", "delivery"),
            ]
            record_event(
                issue.ticket,
                actor=None,
                kind=EventKind.ENGINEERING,
                at=now,
                field="issue",
                new=IssueStatus.FAILED,
                data={
                    "action": "failed",
                    "issue": issue.pk,
                    "connector": connector.name,
                    "attempts": issue.attempts,
                    "status_code": answer.status_code,
                    "error": answer.error[:200],
                },
            )
            logger.warning(
                "Engineering issue %s could not be opened in %s after %s attempt(s): %s",
                issue.pk,
                connector.name,
                issue.attempts,
                answer.error or answer.status_code,
            )
    issue.updated_at = now
    issue.save()
    delivery.save()
    return delivery


def issues_deliver_due(*, limit: int = 100) -> int:
    """One pass of the sweeper: attempts every pending issue whose attempt is due, including
    those whose queued task was lost. Returns the number of attempts made."""
    due = list(
        EngineeringIssue.objects.filter(
            status=IssueStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for issue_id in due if issue_deliver(issue_id) is not None)


def _require_admin(actor: User) -> None:
    if not actor.is_active or actor.role != Role.ADMIN:
        raise PermissionDenied(_("Only administrators manage the engineering link."))


@transaction.atomic
def delivery_retry(*, actor: User, delivery: Delivery) -> EngineeringIssue:
    """Queues a new attempt to open the issue of a delivery that failed for good, with a fresh
    back-off. Raises Conflict when that issue is not in the failed state."""
    _require_admin(actor)
    if delivery.direction != DeliveryDirection.OUTBOUND or delivery.issue_id is None:
        raise Conflict(_("Only a delivery that opens an issue can be sent again."))
    issue = EngineeringIssue.objects.select_for_update().get(pk=delivery.issue_id)
    if issue.status != IssueStatus.FAILED:
        raise Conflict(
            _("This issue is %(status)s; only an issue that could not be opened is retried.")
            % {"status": issue.get_status_display()}
        )
    now = timezone.now()
    issue.status = IssueStatus.PENDING
    issue.attempts = 0
    issue.next_attempt_at = now
    issue.history = [*issue.history, _history_entry(now, IssueStatus.PENDING, "", "retry")]
    issue.updated_at = now
    issue.save()
    transaction.on_commit(lambda: _enqueue(issue.pk))
    return issue


# --- status coming back ------------------------------------------------------------------------


def _resolution_text(issue: EngineeringIssue, meaning: str, comment: str) -> str:
    name = issue.label or _("the issue in %(connector)s") % {"connector": issue.connector.name}
    if meaning == IssueStatus.FIXED:
        text = _("Engineering fixed %(issue)s") % {"issue": name}
    else:
        text = _("Engineering won't fix %(issue)s") % {"issue": name}
    return f"{text}: {comment}" if comment else f"{text}."


@transaction.atomic
def issue_status_report(
    *,
    issue: EngineeringIssue,
    meaning: str,
    tracker_status: str = "",
    comment: str = "",
    source: str = "webhook",
) -> bool:
    """Records a status the tracker reported for `issue`. Returns False when the issue already
    had it (a tracker resending an event changes nothing).

    "fixed" and "won't fix" resolve the issue's escalation while it is open, which hands the
    ticket back to the tier that escalated with the resolution as an internal note.
    """
    if meaning not in IssueStatus.values:
        raise ValidationFailed(status=_("Unknown status %(value)s.") % {"value": meaning})
    issue = (
        EngineeringIssue.objects.select_for_update()
        .select_related("connector", "ticket", "escalation")
        .get(pk=issue.pk)
    )
    if issue.status == meaning:
        return False
    now = timezone.now()
    old = issue.status
    issue.status = meaning
    issue.tracker_status = tracker_status[:100]
    issue.next_attempt_at = None
    issue.history = [*issue.history, _history_entry(now, meaning, tracker_status, source)]
    issue.updated_at = now
    issue.save()
    data: dict[str, Any] = {
        "action": "status",
        "issue": issue.pk,
        "connector": issue.connector.name,
        "key": issue.label,
        "url": issue.url,
        "tracker_status": tracker_status,
    }
    if meaning in CLOSING_MEANINGS and issue.escalation.is_open:
        data["handed_back"] = _hand_back(issue, meaning, comment)
    record_event(
        issue.ticket,
        actor=None,
        kind=EventKind.ENGINEERING,
        at=now,
        field="issue_status",
        old=old,
        new=meaning,
        data=data,
    )
    return True


def _hand_back(issue: EngineeringIssue, meaning: str, comment: str) -> bool:
    """Resolves the escalation for the system; a refusal by the escalation's rules is logged and
    leaves the ticket where it is, while the issue's new status is still kept."""
    # Imported here: escalations calls into this module when it creates a tier-3 escalation.
    from tierdesk.escalations.services import escalation_resolve

    try:
        with transaction.atomic():
            escalation_resolve(
                actor=None,
                escalation=issue.escalation,
                resolution=_resolution_text(issue, meaning, comment.strip()[:2000]),
            )
    except (ValidationFailed, Conflict, PermissionDenied, NotFound) as refusal:
        logger.warning(
            "Escalation %s not resolved from %s: %s", issue.escalation_id, issue, refusal
        )
        return False
    return True


# --- connectors --------------------------------------------------------------------------------

CONNECTOR_FIELDS = frozenset(
    {
        "name",
        "kind",
        "active",
        "groups",
        "is_default",
        "url",
        "username",
        "token",
        "project",
        "issue_type",
        "jira_api_version",
        "labels",
        "signing_secret",
        "inbound_secret",
        "status_map",
    }
)


def _resolve_groups(references: Any, errors: dict[str, str]) -> list[SkillGroup]:
    """The skill groups named by id, name or instance, each a tier-3 group; a refusal goes into
    `errors` under "groups"."""
    if isinstance(references, str) or not isinstance(references, Iterable):
        errors["groups"] = _("Give a list of skill groups.")
        return []
    groups: list[SkillGroup] = []
    for reference in references:
        group = (
            reference
            if isinstance(reference, SkillGroup)
            else skill_group_by_reference(reference)
            if isinstance(reference, int | str) and not isinstance(reference, bool)
            else None
        )
        if group is None:
            errors["groups"] = _("No skill group %(value)s.") % {"value": reference}
            return []
        if group.tier != Tier.ENGINEERING:
            errors["groups"] = _(
                "%(group)s is not a tier-3 group; connectors serve tier-3 groups only."
            ) % {"group": group.name}
            return []
        if group not in groups:
            groups.append(group)
    return groups


def _check_connector(
    connector: Connector, groups: list[SkillGroup], errors: dict[str, str] | None = None
) -> None:
    """Refuses a connector that could not open an issue, or that would make the choice of
    connector for an escalation ambiguous, naming every field at fault."""
    errors = dict(errors or {})
    name = (connector.name or "").strip()
    if not name:
        errors["name"] = _("Give the connector a name.")
    elif Connector.objects.filter(name__iexact=name).exclude(pk=connector.pk).exists():
        errors["name"] = _("Another connector has this name.")
    connector.name = name
    if connector.kind not in ConnectorKind.values:
        errors["kind"] = _("Choose webhook, jira or github.")
    url = (connector.url or "").strip()
    if url and not url.startswith(("http://", "https://")):
        errors["url"] = _("Give an http:// or https:// URL.")
    elif not url and connector.kind in {ConnectorKind.WEBHOOK, ConnectorKind.JIRA}:
        errors["url"] = _("Give the URL the requests go to.")
    connector.url = url
    if connector.kind == ConnectorKind.WEBHOOK and not connector.signing_secret:
        errors["signing_secret"] = _(
            "Give the secret that signs each request, so the receiver can tell it came from "
            "this desk."
        )
    if connector.kind == ConnectorKind.JIRA:
        if not connector.project.strip():
            errors["project"] = _("Give the Jira project key, e.g. ENG.")
        if connector.jira_api_version not in (2, 3):
            errors["jira_api_version"] = _("Choose 2 or 3.")
    if connector.kind == ConnectorKind.GITHUB:
        owner, slash, repo = connector.project.strip().partition("/")
        if not (owner and slash and repo) or "/" in repo:
            errors["project"] = _('Give the repository as "owner/name".')
    if connector.kind in {ConnectorKind.JIRA, ConnectorKind.GITHUB} and not connector.token:
        errors["token"] = _("Give the API token the tracker issued.")
    if not isinstance(connector.labels, list) or not all(
        isinstance(label, str) for label in connector.labels
    ):
        errors["labels"] = _("Give a list of labels.")
    errors.update(_status_map_errors(connector.status_map))
    if connector.is_default:
        other = Connector.objects.filter(is_default=True).exclude(pk=connector.pk).first()
        if other is not None:
            errors["is_default"] = _(
                "%(name)s is already the default connector; only one connector is the default."
            ) % {"name": other.name}
    if connector.active and groups and "groups" not in errors:
        # Two active connectors serving one group would open the issue in either.
        clash = (
            Connector.groups.through.objects.filter(connector__active=True, skillgroup__in=groups)
            .exclude(connector_id=connector.pk)
            .select_related("connector", "skillgroup")
            .order_by("skillgroup__name")
            .first()
        )
        if clash is not None:
            errors["groups"] = _("%(connector)s already serves %(group)s.") % {
                "connector": clash.connector.name,
                "group": clash.skillgroup.name,
            }
    if errors:
        raise ValidationFailed(errors)


def _status_map_errors(mapping: Any) -> dict[str, str]:
    if not isinstance(mapping, dict):
        return {"status_map": _("Give an object of tracker status → meaning.")}
    allowed = {"open", "in_progress", "fixed", "wont_fix"}
    wrong = sorted(str(k) for k, v in mapping.items() if v not in allowed)
    if wrong:
        return {
            "status_map": _("%(statuses)s: map to open, in_progress, fixed or wont_fix.")
            % {"statuses": ", ".join(wrong)}
        }
    return {}


def _normalized_map(mapping: Mapping[str, str]) -> dict[str, str]:
    return {str(key).strip().lower(): value for key, value in mapping.items()}


def _refuse_unknown(fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - CONNECTOR_FIELDS
    if unknown:
        raise ValidationFailed({name: _("Unknown field.") for name in sorted(unknown)})


@transaction.atomic
def connector_create(*, actor: User, fields: Mapping[str, Any]) -> Connector:
    """Creates a connector from the given fields (see CONNECTOR_FIELDS); admins only. `groups`
    lists the tier-3 groups it serves, by id, name or SkillGroup."""
    _require_admin(actor)
    _refuse_unknown(fields)
    values = {k: v for k, v in fields.items() if v is not None}
    errors: dict[str, str] = {}
    groups = _resolve_groups(values.pop("groups"), errors) if "groups" in values else []
    connector = Connector(**values)
    if isinstance(connector.status_map, dict):
        connector.status_map = _normalized_map(connector.status_map)
    _check_connector(connector, groups, errors)
    connector.save()
    connector.groups.set(groups)
    return connector


@transaction.atomic
def connector_update(*, actor: User, connector: Connector, changes: Mapping[str, Any]) -> Connector:
    """Changes the given fields. A secret given as "" is cleared; one left out is kept. `groups`
    replaces the groups served; left out, they are kept."""
    _require_admin(actor)
    _refuse_unknown(changes)
    connector = Connector.objects.select_for_update().get(pk=connector.pk)
    errors: dict[str, str] = {}
    given_groups = changes.get("groups")
    groups = (
        _resolve_groups(given_groups, errors)
        if given_groups is not None
        else list(connector.groups.all())
    )
    for name, value in changes.items():
        if value is None or name == "groups":
            continue
        if name == "status_map" and isinstance(value, dict):
            value = _normalized_map(value)
        setattr(connector, name, value)
    _check_connector(connector, groups, errors)
    connector.save()
    if given_groups is not None:
        connector.groups.set(groups)
    return connector


@transaction.atomic
def connector_delete(*, actor: User, connector: Connector) -> None:
    """Deletes a connector that never opened an issue; one with issues is deactivated instead,
    so their status can still come back."""
    _require_admin(actor)
    if connector.issues.exists():
        raise Conflict(
            _("This connector has engineering issues; deactivate it instead of deleting it.")
        )
    connector.delete()
