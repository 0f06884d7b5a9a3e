"""An escalation: a ticket handed up a tier with the package the receiver needs, and its answer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.choices import Tier


class EscalationStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")
    RESOLVED = "resolved", _("Resolved")
    # Taken back by the person who escalated (or a manager) before anyone accepted it.
    WITHDRAWN = "withdrawn", _("Withdrawn")


# An escalation still waiting for, or held by, the higher tier.
OPEN_ESCALATION_STATUSES = frozenset({EscalationStatus.REQUESTED, EscalationStatus.ACCEPTED})


class Escalation(models.Model):
    """A ticket moved from one tier to a higher one, with the escalation package.

    The package is what the receiving engineer needs to start without asking back: what is
    wrong, for whom, how to see it happen, in which environment, and what was already tried.
    """

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="escalations",
    )
    from_tier = models.PositiveSmallIntegerField(_("from tier"), choices=Tier.choices)
    to_tier = models.PositiveSmallIntegerField(_("to tier"), choices=Tier.choices)
    group = models.ForeignKey(
        "accounts.SkillGroup",
        verbose_name=_("receiving group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalations",
    )
    # Where the ticket was before it went up, so a return or a resolution puts it back there.
    from_group = models.ForeignKey(
        "accounts.SkillGroup",
        verbose_name=_("escalating group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EscalationStatus.choices,
        default=EscalationStatus.REQUESTED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated by"),
        on_delete=models.PROTECT,
        related_name="escalations_requested",
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations_accepted",
    )
    # The package.
    summary = models.TextField(_("summary"))
    customer_impact = models.TextField(_("customer impact"), blank=True)
    steps_to_reproduce = models.TextField(_("steps to reproduce"), blank=True)
    expected_result = models.TextField(_("expected result"), blank=True)
    actual_result = models.TextField(_("actual result"), blank=True)
    environment = models.TextField(
        _("environment"), blank=True, help_text=_("Versions, account, region.")
    )
    tried = models.TextField(_("what was tried"), blank=True)
    links = models.JSONField(_("links"), default=list, blank=True)
    attachments = models.ManyToManyField(
        "tickets.Attachment", verbose_name=_("attachments"), blank=True, related_name="+"
    )
    # The answer.
    return_reason = models.TextField(_("reason for return"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    withdraw_reason = models.TextField(_("reason for withdrawal"), blank=True)
    created_at = models.DateTimeField(_("escalated"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="escalation_ticket_idx"),
            # "Escalated to me": what waits for a tier, oldest first.
            models.Index(
                fields=["to_tier", "created_at"],
                name="escalation_waiting_idx",
                condition=Q(status="requested"),
            ),
            models.Index(fields=["accepted_by", "status"], name="escalation_holder_idx"),
            # Escalation counts per engineer and group over a period.
            models.Index(fields=["created_at"], name="escalation_created_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} → {self.get_to_tier_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ESCALATION_STATUSES
