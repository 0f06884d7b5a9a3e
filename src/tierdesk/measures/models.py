"""Targets of the team KPIs: the number a manager wants a KPI kept under or above."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Comparison(models.TextChoices):
    AT_MOST = "at_most", _("at most")
    AT_LEAST = "at_least", _("at least")


class KpiTarget(models.Model):
    """A target of one KPI for the whole team (no group) or for one group."""

    metric = models.CharField(_("metric"), max_length=40)
    comparison = models.CharField(_("comparison"), max_length=10, choices=Comparison.choices)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    group = models.ForeignKey(
        "accounts.SkillGroup",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty for the team's target."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["metric", "group_id"]
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        constraints = [
            models.UniqueConstraint(fields=["metric", "group"], name="kpitarget_metric_group_uniq"),
            models.UniqueConstraint(
                fields=["metric"],
                condition=models.Q(group__isnull=True),
                name="kpitarget_metric_team_uniq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.comparison} {self.value}"

    def met_by(self, value: float | None) -> bool | None:
        """Whether `value` meets the target; None when there is no value."""
        if value is None:
            return None
        if self.comparison == Comparison.AT_MOST:
            return value <= float(self.value)
        return value >= float(self.value)
