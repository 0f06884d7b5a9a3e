"""Survey invitations sent to customers, their answers, the settings managers keep, and the
follow-up calls a poor answer opens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tierdesk.surveys.choices import FollowUpStatus, InvitationKind, ResponseKind, SkipReason


class SurveySettings(models.Model):
    """The desk's one row of survey settings (pk 1), changed by managers."""

    ces_enabled = models.BooleanField(_("ask CES after CSAT"), default=True)
    nps_enabled = models.BooleanField(_("ask NPS"), default=True)
    nps_interval_days = models.PositiveSmallIntegerField(
        _("days between NPS surveys of a contact"), default=90
    )
    # At most this many NPS invitations a day, so turning NPS on does not mail every recent
    # contact at once.
    nps_daily_max = models.PositiveIntegerField(_("NPS invitations a day at most"), default=200)
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")

    def __str__(self) -> str:
        return "survey settings"


class SurveyInvitation(models.Model):
    """One survey sent to one contact: a CSAT for a solved ticket, or a scheduled NPS."""

    kind = models.CharField(_("kind"), max_length=8, choices=InvitationKind.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="survey_invitations",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="survey_invitations",
    )
    # Random; the link carries it signed, so a guessed or altered link is refused.
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # Why no email went (the person has no address or is inactive); sent_at then stays empty
    # and the catch-up job does not queue it again.
    skipped_reason = models.CharField(
        _("not sent because"), max_length=16, choices=SkipReason.choices, blank=True
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            # One CSAT per ticket: a reopened and solved again ticket is not asked twice.
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(kind="csat"), name="survey_one_csat_per_ticket"
            )
        ]
        indexes = [
            # The NPS schedule asks for each contact's latest NPS invitation.
            models.Index(fields=["person", "kind", "-created_at"], name="survey_person_kind_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.ticket_id} {self.person_id}"


class SurveyResponse(models.Model):
    """One answer: a score on its kind's scale and an optional comment."""

    invitation = models.ForeignKey(
        SurveyInvitation,
        verbose_name=_("invitation"),
        on_delete=models.CASCADE,
        related_name="responses",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ResponseKind.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    # Copied from the invitation so scores read one table.
    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The ticket's group and tier when the answer came, so moving the ticket later never moves
    # its score to another group's weeks.
    group = models.ForeignKey(
        "accounts.SkillGroup",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tier = models.PositiveSmallIntegerField(_("tier"), null=True, blank=True)
    created_at = models.DateTimeField(_("answered"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "kind"], name="survey_one_response_per_kind"
            )
        ]
        indexes = [
            # Scores read one kind over a period.
            models.Index(fields=["kind", "created_at"], name="survey_response_kind_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.score}"


class FollowUpTask(models.Model):
    """A call a manager owes a customer who answered poorly (CSAT 1-2, NPS 0-6)."""

    response = models.OneToOneField(
        SurveyResponse,
        verbose_name=_("response"),
        on_delete=models.CASCADE,
        related_name="follow_up",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_follow_ups",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    outcome = models.TextField(_("outcome"), blank=True)
    created_at = models.DateTimeField(_("created"))
    due_at = models.DateTimeField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["status", "due_at", "id"]
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")

    def __str__(self) -> str:
        return f"follow-up #{self.ticket_id}"
