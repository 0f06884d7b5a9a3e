"""Calls the telephony system reports, and the contacts' phone numbers they are matched against."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tierdesk.phone.choices import ANSWER_TARGET_SECONDS, Direction, Outcome


def seconds_between(start: datetime | None, end: datetime | None) -> int | None:
    """Whole seconds from `start` to `end`, rounded; None when either is missing."""
    if start is None or end is None:
        return None
    return round((end - start).total_seconds())


class Call(models.Model):
    """One phone call as the telephony system reported it, with its wait and talk time."""

    source = models.CharField(
        _("source"),
        max_length=50,
        default="default",
        help_text=_("The telephony system that reported the call; its call ids are unique."),
    )
    external_id = models.CharField(_("call id"), max_length=200)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INBOUND
    )
    caller_number = models.CharField(
        _("caller number"),
        max_length=21,
        blank=True,
        help_text=_("Digits with an optional leading +; empty when the caller withheld it."),
    )
    caller_name = models.CharField(_("caller name"), max_length=200, blank=True)
    queue = models.CharField(_("queue"), max_length=100, blank=True)
    offered_at = models.DateTimeField(_("offered"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    wait_seconds = models.PositiveIntegerField(
        _("wait (s)"),
        null=True,
        blank=True,
        help_text=_("Until answered, or until the caller gave up; empty while ringing."),
    )
    talk_seconds = models.PositiveIntegerField(_("talk (s)"), null=True, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls_taken",
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        help_text=_("The customer contact whose phone number the caller's matched."),
    )
    recording_url = models.URLField(_("recording"), max_length=1000, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    ticket_opened = models.BooleanField(
        _("opened its ticket"),
        default=False,
        help_text=_("Whether the call opened its ticket, rather than being added to one."),
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["-offered_at", "-id"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            # A telephony system reports the same call several times (ringing, answered,
            # ended); its id makes each report an update of one row.
            models.UniqueConstraint(fields=["source", "external_id"], name="call_source_id_uniq"),
        ]
        indexes = [
            # The list pages newest first with an (offered_at, id) cursor, and the stats count
            # the calls offered in a period.
            models.Index(fields=["-offered_at", "-id"], name="call_offered_idx"),
            models.Index(fields=["caller_number", "-offered_at"], name="call_caller_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"

    @property
    def outcome(self) -> str:
        if self.answered_at is not None:
            return Outcome.ANSWERED
        if self.ended_at is not None:
            return Outcome.ABANDONED
        return Outcome.RINGING

    def get_outcome_display(self) -> str:
        return str(Outcome(self.outcome).label)

    @property
    def answered_within_target(self) -> bool | None:
        """Whether an inbound call was answered within the SLA's answer target; None for an
        outbound call, and for one still ringing within the target."""
        if self.direction != Direction.INBOUND:
            return None
        if self.answered_at is not None:
            return self.wait_seconds is not None and self.wait_seconds <= ANSWER_TARGET_SECONDS
        if self.ended_at is not None:
            return False
        return None

    def measure(self) -> None:
        """Sets wait and talk from the times: wait until answered (or, unanswered, until the
        call ended), talk from answer to end."""
        self.wait_seconds = seconds_between(self.offered_at, self.answered_at or self.ended_at)
        self.talk_seconds = (
            seconds_between(self.answered_at, self.ended_at) if self.answered_at else None
        )


class ContactNumber(models.Model):
    """A person's phone number, normalised and indexed, so a caller is found with one lookup.

    Kept in step with User.phone by a post_save hook; writes that skip signals (bulk_create,
    QuerySet.update) are caught up by the nightly contact_numbers_sync."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="contact_number",
    )
    number = models.CharField(_("number"), max_length=21, db_index=True)

    class Meta:
        verbose_name = _("contact number")
        verbose_name_plural = _("contact numbers")

    def __str__(self) -> str:
        return self.number
