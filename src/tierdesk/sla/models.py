"""Service levels: business-hours calendars, the policies that promise response and resolution
times, and each ticket's clocks against those promises."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.models import validate_time_zone
from tierdesk.sla.choices import ClockState, Metric, Outcome
from tierdesk.tickets.choices import Channel, Priority


class BusinessCalendar(models.Model):
    """When a team is at work: weekly hours in a time zone, public holidays of a country and the
    dates the team adds (closed days, transferred working days)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    around_the_clock = models.BooleanField(
        _("around the clock"),
        default=False,
        help_text=_("Every hour of every day; holidays still close it when a country is set."),
    )
    # {"mon": [["09:00", "18:00"]], ...}; a missing day is closed, an end at or before the
    # start runs overnight into the next day.
    hours = models.JSONField(_("weekly hours"), default=dict, blank=True)
    holiday_country = models.CharField(_("holidays of country"), max_length=3, blank=True)
    holiday_subdivision = models.CharField(_("holidays of subdivision"), max_length=10, blank=True)
    regions = models.JSONField(
        _("regions"),
        default=list,
        blank=True,
        help_text=_("Customers in these regions are measured on this calendar's hours."),
    )
    is_default = models.BooleanField(
        _("default"),
        default=False,
        help_text=_("Used for customers whose region no calendar serves."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="calendar_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CalendarDate(models.Model):
    """A date a calendar treats differently: closed all day, or open with its own hours."""

    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="dates"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120, blank=True)
    # Empty: closed that day. Otherwise the day's openings, in the calendar's JSON form
    # [["10:00", "15:00"]], replacing the weekday's hours and any public holiday.
    hours = models.JSONField(_("hours"), default=list, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar date")
        verbose_name_plural = _("calendar dates")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_date_unique")
        ]

    def __str__(self) -> str:
        return f"{self.calendar} {self.date}"


class SlaPolicy(models.Model):
    """A promise for the tickets it matches. Policies are tried in order; the first that matches
    a ticket sets its targets. An empty condition matches every ticket."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)
    plans = models.JSONField(_("plans"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    organizations = models.ManyToManyField(
        "accounts.Organization", verbose_name=_("organizations"), blank=True, related_name="+"
    )
    tags = models.JSONField(
        _("tags"), default=list, blank=True, help_text=_("Matches a ticket with any of these tags.")
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        help_text=_("Empty: the calendar of the customer's region."),
    )
    pause_on_hold = models.BooleanField(
        _("pause on hold"),
        default=False,
        help_text=_("Resolution and update clocks also stop while the ticket is on hold."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    """One promise of a policy: a metric to meet within so much time, business or calendar."""

    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="targets"
    )
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    seconds = models.PositiveIntegerField(_("within (seconds)"))
    business_hours = models.BooleanField(
        _("business hours"),
        default=True,
        help_text=_("Counted in the calendar's business hours; otherwise around the clock."),
    )
    goal_percent = models.DecimalField(
        _("goal (%)"),
        max_digits=5,
        decimal_places=2,
        default=90,
        help_text=_("The share of tickets that should meet this target."),
    )
    warn_before_seconds = models.PositiveIntegerField(
        _("warn before (seconds)"), default=0, help_text=_("0: no warning before a breach.")
    )
    notify = models.BooleanField(
        _("notify"),
        default=True,
        help_text=_(
            "Warnings and breaches notify the assignee, or the group when nobody holds it."
        ),
    )
    breach_priority = models.CharField(
        _("on breach, raise priority to"), max_length=10, choices=Priority.choices, blank=True
    )
    breach_notify_managers = models.BooleanField(
        _("on breach, notify the group's managers"), default=False
    )

    class Meta:
        ordering = ["policy", "metric"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(fields=["policy", "metric"], name="sla_target_unique_metric")
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.get_metric_display()}"


class SlaClock(models.Model):
    """One measured instance of a target on a ticket: the first response, each next response
    after a customer message, each update period, each resolution (a reopen starts another).

    Derived from the ticket's events by sla.clocks and rewritten whenever they change; the
    sweep only adds when it warned and when it recorded the breach."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="sla_clocks",
    )
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=1)
    policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    policy_name = models.CharField(_("policy name"), max_length=120)
    target = models.ForeignKey(
        SlaTarget,
        verbose_name=_("target"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    target_seconds = models.PositiveIntegerField(_("target (seconds)"))
    business_hours = models.BooleanField(_("business hours"), default=True)
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    goal_percent = models.DecimalField(_("goal (%)"), max_digits=5, decimal_places=2, default=90)
    started_at = models.DateTimeField(_("started"))
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=ClockState.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    # When the outcome was decided: the stop for a met target, the due time for a breach.
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    elapsed_seconds = models.FloatField(_("elapsed (seconds)"), default=0)
    remaining_seconds = models.FloatField(
        _("remaining (seconds)"), default=0, help_text=_("Kept while the clock is paused.")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    group = models.ForeignKey(
        "accounts.SkillGroup",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The moves of this clock, oldest first: {"at", "move", ...}; see sla.clocks.
    history = models.JSONField(_("history"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed"))
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    breach_recorded_at = models.DateTimeField(_("breach recorded"), null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "metric", "cycle"], name="sla_clock_unique_cycle"
            )
        ]
        indexes = [
            # The sweep's two questions, each a range scan over only the clocks still to act on.
            models.Index(
                fields=["warn_at"],
                name="sla_clock_warn_idx",
                condition=Q(state="running", warned_at__isnull=True, warn_at__isnull=False),
            ),
            models.Index(
                fields=["due_at"],
                name="sla_clock_breach_idx",
                condition=Q(state="running", breach_recorded_at__isnull=True),
            ),
            # Attainment also counts clocks past due that neither the sweep nor a recompute has
            # marked breached yet.
            models.Index(
                fields=["due_at"],
                name="sla_clock_overdue_idx",
                condition=Q(state="running", outcome=""),
            ),
            # The sweep's third question: clocks a computation found breached after they had
            # paused or stopped, not yet recorded.
            models.Index(
                fields=["decided_at"],
                name="sla_clock_unrecorded_idx",
                condition=Q(outcome="breached", breach_recorded_at__isnull=True),
            ),
            # Attainment counts the clocks decided in a period.
            models.Index(fields=["decided_at"], name="sla_clock_decided_idx"),
            # The team's KPIs counted from raw events read the clocks stopped in a period.
            models.Index(
                fields=["stopped_at", "metric", "elapsed_seconds"],
                name="sla_clock_stopped_idx",
                condition=Q(state="stopped"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.metric} {self.cycle}"


class SlaStale(models.Model):
    """A ticket whose history changed since its clocks were computed. Written in the same
    transaction as the change, so a crash before the recompute only delays it to the sweep."""

    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    marked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ticket with stale clocks")
        verbose_name_plural = _("tickets with stale clocks")

    def __str__(self) -> str:
        return f"#{self.ticket_id}"


class SlaSetupVersion(models.Model):
    """A token renewed on every change to policies or calendars, so each process knows when its
    compiled policies are stale (one row, pk=1; random, so a rolled-back change never leaves a
    value a later change reuses)."""

    token = models.CharField(max_length=32, blank=True)
    # When an administrator last changed the setup: a clock it made due before then breached
    # without anyone being late, and the sweep records that breach without acting on it.
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SLA setup version")

    def __str__(self) -> str:
        return self.token
