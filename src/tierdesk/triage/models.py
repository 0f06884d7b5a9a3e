"""Trained triage models and the suggestions they made for tickets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tierdesk.triage.choices import PENDING_STATUSES, TrainingStatus


class TriageModel(models.Model):
    """One training run on the desk's solved tickets: the classifier and how well it did on the
    tickets it was not trained on. At most one is active, the one suggestions come from."""

    trained_at = models.DateTimeField(_("trained"))
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trained by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the worker retrained on its schedule."),
    )
    # The pickled TextClassifier. Selectors that list models defer it: it runs to megabytes.
    blob = models.BinaryField(_("classifier"), editable=False)
    training_tickets = models.PositiveIntegerField(_("tickets trained on"))
    held_out_tickets = models.PositiveIntegerField(_("tickets held out"))
    type_accuracy = models.FloatField(_("type accuracy"))
    type_macro_f1 = models.FloatField(_("type macro-F1"))
    product_area_accuracy = models.FloatField(_("product area accuracy"))
    product_area_macro_f1 = models.FloatField(_("product area macro-F1"))
    # Per target: its labels and, per label, precision, recall, F1 and support on the held-out
    # part; see services.TARGETS for the keys.
    report = models.JSONField(_("held-out report"), default=dict)
    seconds = models.FloatField(_("training seconds"))
    active = models.BooleanField(_("active"), default=False)

    class Meta:
        ordering = ["-trained_at", "-id"]
        verbose_name = _("triage model")
        verbose_name_plural = _("triage models")
        constraints = [
            # Every prediction asks for the active model's id; the one-row partial index answers.
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="triage_one_active_model"
            )
        ]

    def __str__(self) -> str:
        return f"Triage model {self.pk} ({self.trained_at:%Y-%m-%d %H:%M})"


class TriageSuggestion(models.Model):
    """What the active model suggested for a ticket's type and product area, and how sure it was."""

    ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="triage_suggestion",
    )
    model = models.ForeignKey(
        TriageModel,
        verbose_name=_("model"),
        null=True,
        blank=True,
        # Old models are pruned; what they suggested stays.
        on_delete=models.SET_NULL,
        related_name="suggestions",
    )
    type = models.CharField(_("type"), max_length=20)
    type_confidence = models.FloatField(_("type confidence"))
    product_area = models.CharField(_("product area"), max_length=40)
    product_area_confidence = models.FloatField(_("product area confidence"))
    created_at = models.DateTimeField(_("created"))
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("triage suggestion")
        verbose_name_plural = _("triage suggestions")

    def __str__(self) -> str:
        return f"Suggestion for #{self.ticket_id}: {self.type} / {self.product_area}"

    def accepted_by_ticket(self, ticket_type: str, product_area: str) -> bool:
        """Whether the ticket now carries what was suggested (applied, or set by hand the same)."""
        return ticket_type == self.type and product_area == self.product_area


class TriageTraining(models.Model):
    """One request to train the triage model, carried out by the worker: who asked, when it ran,
    and the model it made or the reason it made none."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the worker retrained on its schedule."),
    )
    requested_at = models.DateTimeField(_("requested"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TrainingStatus.choices, default=TrainingStatus.QUEUED
    )
    # Why no model came of it, in the API's error shape: [{"field": ..., "reason": ...}].
    errors = models.JSONField(_("reasons it failed"), default=list, blank=True)
    model = models.ForeignKey(
        TriageModel,
        verbose_name=_("model"),
        null=True,
        blank=True,
        # Old models are pruned; the record of the run stays.
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("triage training")
        verbose_name_plural = _("triage trainings")
        constraints = [
            # One run queued or running at a time, whatever the requests race: the index is on a
            # constant, so a second pending row collides with the first.
            models.UniqueConstraint(
                models.Value(1),
                condition=Q(status__in=PENDING_STATUSES),
                name="triage_one_pending_training",
            )
        ]

    def __str__(self) -> str:
        return f"Triage training {self.pk} ({self.status})"

    @property
    def pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def error(self) -> str:
        """The reasons it failed, as one sentence after another; empty unless it failed."""
        return " ".join(item["reason"] for item in self.errors)
