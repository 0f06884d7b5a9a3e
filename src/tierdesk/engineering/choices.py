"""Fixed vocabularies of the engineering link: connector kinds, what an issue's status means to
the desk, and how a delivery to the tracker ended."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConnectorKind(models.TextChoices):
    WEBHOOK = "webhook", _("Webhook")
    JIRA = "jira", _("Jira")
    GITHUB = "github", _("GitHub Issues")


class JiraApiVersion(models.IntegerChoices):
    V2 = 2, _("REST API v2 (plain-text description)")
    V3 = 3, _("REST API v3 (Atlassian Document Format)")


class IssueStatus(models.TextChoices):
    """What the tracker's status means to the desk; "pending" and "failed" are the desk's own
    states before the tracker knows the issue."""

    PENDING = "pending", _("Being opened")
    FAILED = "failed", _("Could not be opened")
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    FIXED = "fixed", _("Fixed")
    WONT_FIX = "wont_fix", _("Won't fix")


# The meanings a tracker status can be mapped to.
TRACKER_MEANINGS = (
    IssueStatus.OPEN,
    IssueStatus.IN_PROGRESS,
    IssueStatus.FIXED,
    IssueStatus.WONT_FIX,
)
# Meanings that end engineering's work and hand the ticket back.
CLOSING_MEANINGS = frozenset({IssueStatus.FIXED, IssueStatus.WONT_FIX})


# The "action" of a ticket event recording a tier-3 escalation that no connector serves.
ACTION_NO_CONNECTOR = "no_connector"


class DeliveryDirection(models.TextChoices):
    OUTBOUND = "outbound", _("Sent")
    INBOUND = "inbound", _("Received")


class DeliveryOutcome(models.TextChoices):
    DELIVERED = "delivered", _("Delivered")
    RETRYING = "retrying", _("Will be retried")
    FAILED = "failed", _("Failed")
    ACCEPTED = "accepted", _("Accepted")
    IGNORED = "ignored", _("Ignored")
    REFUSED = "refused", _("Refused")


# The tracker statuses a new connector understands, lower-cased: Jira's default workflow and
# resolutions, GitHub's issue states and close reasons, and the desk's own words for webhooks.
DEFAULT_STATUS_MAP: dict[str, str] = {
    "open": "open",
    "to do": "open",
    "backlog": "open",
    "reopened": "open",
    "in progress": "in_progress",
    "in_progress": "in_progress",
    "in review": "in_progress",
    "fixed": "fixed",
    "done": "fixed",
    "resolved": "fixed",
    "closed": "fixed",
    "completed": "fixed",
    "won't fix": "wont_fix",
    "won't do": "wont_fix",
    "wont_fix": "wont_fix",
    "wontfix": "wont_fix",
    "not_planned": "wont_fix",
    "duplicate": "wont_fix",
}


def default_status_map() -> dict[str, str]:
    return dict(DEFAULT_STATUS_MAP)
