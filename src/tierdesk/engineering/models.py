"""Connectors to engineering's trackers, the issues opened in them for tier-3 escalations, and
the log of every call made to or received from a tracker."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tierdesk.engineering.choices import (
    ConnectorKind,
    DeliveryDirection,
    DeliveryOutcome,
    IssueStatus,
    JiraApiVersion,
    default_status_map,
)

GITHUB_API_URL = "https://api.github.com"


def is_web_url(value: str) -> bool:
    """True for an http:// or https:// address, the only kind a page may link to."""
    return value.strip().lower().startswith(("http://", "https://"))


# Fields that hold credentials: written through forms and the API, never shown back.
SECRET_FIELDS = ("token", "signing_secret", "inbound_secret")


class Connector(models.Model):
    """A way into engineering's tracker: a signed webhook, a Jira project or a GitHub repository."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ConnectorKind.choices)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Only active connectors open issues.")
    )
    groups = models.ManyToManyField(
        "accounts.SkillGroup",
        verbose_name=_("skill groups"),
        blank=True,
        related_name="engineering_connectors",
        help_text=_(
            "The tier-3 groups whose escalations open an issue here. Leave empty for a connector "
            "that is the default or the only one."
        ),
    )
    is_default = models.BooleanField(
        _("default"),
        default=False,
        help_text=_("Opens the issue of an escalation to a group no active connector serves."),
    )
    url = models.URLField(
        _("URL"),
        max_length=500,
        blank=True,
        help_text=_(
            "Webhook: the URL the JSON is posted to. Jira: the site, e.g. "
            "https://example.atlassian.net. GitHub: the API, https://api.github.com unless "
            "GitHub Enterprise."
        ),
    )
    username = models.CharField(
        _("user"),
        max_length=200,
        blank=True,
        help_text=_(
            "Jira: the account's email, sent with the token as basic authentication. Leave empty "
            "to send the token as a bearer token."
        ),
    )
    token = models.CharField(_("API token"), max_length=500, blank=True)
    project = models.CharField(
        _("project"),
        max_length=200,
        blank=True,
        help_text=_('Jira: the project key, e.g. ENG. GitHub: the repository as "owner/name".'),
    )
    issue_type = models.CharField(_("issue type"), max_length=100, blank=True, default="Bug")
    jira_api_version = models.PositiveSmallIntegerField(
        _("Jira API version"), choices=JiraApiVersion.choices, default=JiraApiVersion.V3
    )
    labels = models.JSONField(_("labels"), default=list, blank=True)
    signing_secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("Webhook: signs each request body with HMAC-SHA256."),
    )
    inbound_secret = models.CharField(
        _("inbound secret"),
        max_length=200,
        blank=True,
        help_text=_("Verifies status updates the tracker sends back."),
    )
    status_map = models.JSONField(
        _("status mapping"),
        default=default_status_map,
        blank=True,
        help_text=_("Tracker status (lower case) → open, in_progress, fixed or wont_fix."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("connector")
        verbose_name_plural = _("connectors")
        constraints = [
            # One default connector at most; services refuse a second one by name first.
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="connector_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def api_url(self) -> str:
        """The base URL without a trailing slash; GitHub's public API when none is set."""
        base = self.url or (GITHUB_API_URL if self.kind == ConnectorKind.GITHUB else "")
        return base.rstrip("/")

    def secrets_set(self) -> dict[str, bool]:
        """Which credentials are set, for pages and API answers that never show them."""
        return {name: bool(getattr(self, name)) for name in SECRET_FIELDS}

    def meaning_of(self, tracker_status: str) -> str | None:
        """What a tracker status means to the desk, or None when the mapping does not know it."""
        mapping: dict[str, Any] = self.status_map or {}
        key = tracker_status.strip().lower()
        meaning = mapping.get(key)
        if meaning is None and key in IssueStatus.values:
            meaning = key
        return meaning if meaning in IssueStatus.values else None


class EngineeringIssue(models.Model):
    """The issue a tier-3 escalation has, or is getting, in one connector's tracker."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="engineering_issues",
    )
    escalation = models.ForeignKey(
        "escalations.Escalation",
        verbose_name=_("escalation"),
        on_delete=models.CASCADE,
        related_name="engineering_issues",
    )
    connector = models.ForeignKey(
        Connector,
        verbose_name=_("connector"),
        on_delete=models.PROTECT,
        related_name="issues",
    )
    external_key = models.CharField(_("key"), max_length=100, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=IssueStatus.choices, default=IssueStatus.PENDING
    )
    tracker_status = models.CharField(_("tracker status"), max_length=100, blank=True)
    # [{"at": iso, "status": meaning, "tracker_status": raw, "source": "delivery"/"webhook"}]
    history = models.JSONField(_("status history"), default=list, blank=True)
    # Attempts since the issue was (re)queued; a manual retry starts the back-off over.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the next attempt may start; while an attempt runs, when it is considered lost.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("engineering issue")
        verbose_name_plural = _("engineering issues")
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="engissue_ticket_idx"),
            # The inbound webhook finds the issue by connector and key.
            models.Index(fields=["connector", "external_key"], name="engissue_key_idx"),
            # The sweeper: pending issues whose next attempt is due.
            models.Index(
                fields=["next_attempt_at"],
                name="engissue_due_idx",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return self.external_key or f"#{self.ticket_id} ({self.connector})"

    @property
    def web_url(self) -> str:
        """The issue's address in the tracker when it is a web address, else "": the tracker
        names it, and only http(s) may become a link."""
        return self.url if is_web_url(self.url) else ""

    @property
    def label(self) -> str:
        """How people name the issue: the tracker's key, or a GitHub issue's number with #."""
        if not self.external_key:
            return ""
        if self.connector.kind == ConnectorKind.GITHUB:
            return f"{self.connector.project}#{self.external_key}"
        return self.external_key


class Delivery(models.Model):
    """One call to or from a tracker, kept whatever its outcome, so admins can see what was sent,
    what came back and what happens next."""

    connector = models.ForeignKey(
        Connector,
        verbose_name=_("connector"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    issue = models.ForeignKey(
        EngineeringIssue,
        verbose_name=_("issue"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    direction = models.CharField(
        _("direction"),
        max_length=8,
        choices=DeliveryDirection.choices,
        default=DeliveryDirection.OUTBOUND,
    )
    event = models.CharField(_("event"), max_length=60)
    delivery_id = models.CharField(_("delivery id"), max_length=64, blank=True)
    method = models.CharField(_("method"), max_length=8, blank=True)
    request_url = models.CharField(_("URL"), max_length=500, blank=True)
    request_body = models.TextField(_("request body"), blank=True)
    # The body's length; refused inbound requests keep only this, never the body.
    request_size = models.PositiveIntegerField(_("request size (bytes)"), null=True, blank=True)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_excerpt = models.TextField(_("response"), blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=DeliveryOutcome.choices)
    next_retry_at = models.DateTimeField(_("next retry"), null=True, blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            # The delivery log, newest first, for all connectors or one.
            models.Index(fields=["-created_at", "-id"], name="delivery_log_idx"),
            models.Index(fields=["connector", "-created_at"], name="delivery_connector_idx"),
        ]
        constraints = [
            # A webhook's delivery id is applied once: the row is written in the transaction
            # that applies the status, so a replay racing the original fails here.
            models.UniqueConstraint(
                fields=["connector", "delivery_id"],
                condition=Q(direction="inbound") & ~Q(delivery_id=""),
                name="delivery_inbound_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.connector} ({self.outcome})"

    @property
    def retryable(self) -> bool:
        """An outbound delivery whose issue could not be opened may be sent again by hand."""
        return (
            self.direction == DeliveryDirection.OUTBOUND
            and self.issue is not None
            and self.issue.status == IssueStatus.FAILED
        )
