"""Suggestions and deflection: each article's sentence vector, the version token that tells every
process its matrix of vectors is stale, and the portal drafts with what they were shown and
opened."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tierdesk.suggestions.choices import DraftOutcome, EventKind


class ArticleVector(models.Model):
    """The sentence vector of an article's title and the first sentence of its problem."""

    article = models.OneToOneField(
        "knowledge.Article",
        verbose_name=_("article"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="vector",
    )
    # float32 little-endian, semantic.DIMENSIONS of them.
    vector = models.BinaryField(_("vector"))
    # sha256 of the embedded text: a change that leaves it alone is not encoded again.
    text_hash = models.CharField(_("text hash"), max_length=64)
    model = models.CharField(_("model"), max_length=64)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("article vector")
        verbose_name_plural = _("article vectors")

    def __str__(self) -> str:
        return f"{self.article_id} ({self.model})"


class SuggestionIndexVersion(models.Model):
    """A token renewed in every transaction that changes an article or its vector, so each
    process knows when its matrix of article vectors is stale (one row, pk=1; random, so a
    rolled-back change never leaves a value a later change reuses)."""

    token = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = _("suggestion index version")

    def __str__(self) -> str:
        return self.token


class PortalDraft(models.Model):
    """One visit to the portal's new-request form, from the first suggestion shown to how it
    ended: a request submitted, deflected by an article, or abandoned."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="portal_drafts",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started"))
    last_activity_at = models.DateTimeField(_("last activity"))
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=DraftOutcome.choices, default=DraftOutcome.OPEN
    )
    # Whether the customer said an article answered them, rather than just leaving after one.
    deflected_explicitly = models.BooleanField(_("said it answered them"), default=False)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Counted once per article, so the weekly figures need no join.
    shown_count = models.PositiveIntegerField(_("articles shown"), default=0)
    clicked_count = models.PositiveIntegerField(_("articles opened"), default=0)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("portal draft")
        verbose_name_plural = _("portal drafts")
        indexes = [
            # Serves the deflection figures per week.
            models.Index(fields=["started_at"], name="draft_started_idx"),
            # Serves the hourly sweep of open drafts gone quiet.
            models.Index(
                fields=["last_activity_at"],
                name="draft_open_idx",
                condition=models.Q(outcome="open"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.outcome})"


class SuggestionEvent(models.Model):
    """An article shown to, opened by, or said to help a customer writing a draft; at most one
    of each kind per draft and article."""

    draft = models.ForeignKey(
        PortalDraft, verbose_name=_("draft"), on_delete=models.CASCADE, related_name="events"
    )
    article = models.ForeignKey(
        "knowledge.Article",
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="suggestion_events",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind.choices)
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("suggestion event")
        verbose_name_plural = _("suggestion events")
        constraints = [
            models.UniqueConstraint(
                fields=["draft", "article", "kind"], name="suggestion_event_once"
            )
        ]
        indexes = [models.Index(fields=["at", "kind"], name="suggestion_event_at_idx")]

    def __str__(self) -> str:
        return f"{self.draft_id} {self.kind} {self.article_id}"
