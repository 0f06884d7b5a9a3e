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


# What tells one rollup row from another within a zone (rollups writes rows by these columns).
ROLLUP_KEY = (
    "level",
    "member",
    "kind",
    "day",
    "prev",
    "next",
    "flags",
    "bucket",
    "slot",
    "type",
    "product_area",
)


class KpiRollup(models.Model):
    """Daily sums of KPI facts (measures.facts) in one time zone, at one level: the team
    (level ""), or one group, channel, tier or region (`member`). `day` is the local date's
    ordinal; `prev`/`next` are the days of the ticket's previous/next fact of the kind (0 and
    NEVER when there is none), so a period counts each ticket once."""

    zone = models.CharField(max_length=64)
    level = models.CharField(max_length=8, blank=True)
    member = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=20)
    day = models.IntegerField()
    prev = models.IntegerField(default=0)
    next = models.IntegerField(default=0)
    flags = models.SmallIntegerField(default=0)
    bucket = models.SmallIntegerField(default=-1)
    slot = models.SmallIntegerField(default=-1)
    type = models.CharField(max_length=40, blank=True)
    product_area = models.CharField(max_length=40, blank=True)
    count = models.BigIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["zone", *ROLLUP_KEY],
                name="kpirollup_key_uniq",
            )
        ]
        # Reads take one level's days (all members, for rows by group or tier).
        indexes = [models.Index(fields=["zone", "level", "day"], name="kpirollup_level_day_idx")]

    def __str__(self) -> str:
        return f"{self.zone} {self.level}={self.member} {self.kind} day {self.day}: {self.count}"


class KpiDurations(models.Model):
    """The durations of one kind of fact in a day at one level, as counts per bucket (a JSON
    list of bucket, count pairs): a day's hundreds of durations are one row to read, not one
    row per bucket. `next` is the day of the ticket's next solve for solves (NEVER when none),
    as in KpiRollup; the other kinds have NEVER."""

    zone = models.CharField(max_length=64)
    level = models.CharField(max_length=8, blank=True)
    member = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=20)
    day = models.IntegerField()
    next = models.IntegerField()
    counts = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["zone", "level", "member", "kind", "day", "next"],
                name="kpidurations_key_uniq",
            )
        ]
        indexes = [models.Index(fields=["zone", "level", "day"], name="kpidurations_day_idx")]

    def __str__(self) -> str:
        return f"{self.zone} {self.level}={self.member} {self.kind} day {self.day}"


class KpiRollupState(models.Model):
    """How far the rollups of a time zone reach: facts of days before `horizon` and the open
    tickets at each midnight up to it."""

    zone = models.CharField(max_length=64, unique=True)
    horizon = models.IntegerField()
    rebuilt_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # One more at every change of the zone's rollups: work counted outside the write
    # transaction is written only onto the version it was counted against.
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.zone} through day {self.horizon}"


class KpiTicketShare(models.Model):
    """What one ticket added to a zone's rollups (compressed), to take it back out when the
    ticket's history grows. No foreign key: a deleted ticket's share is still subtracted."""

    ticket_id = models.BigIntegerField()
    zone = models.CharField(max_length=64)
    entries = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket_id", "zone"], name="kpiticketshare_uniq")
        ]

    def __str__(self) -> str:
        return f"ticket {self.ticket_id} in {self.zone}"


class KpiStaleTicket(models.Model):
    """A ticket whose history changed since its share was counted."""

    ticket_id = models.BigIntegerField(primary_key=True)
    marked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"ticket {self.ticket_id} since {self.marked_at}"
