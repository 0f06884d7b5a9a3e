"""Routing rules in their order, each skill group's assignment mode, and engineers' shifts and
capacity, which decide who may be given a new ticket automatically."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tierdesk.routing.choices import AssignmentMode, Weekday

# What a person carries when nobody has set their capacity: a front-line engineer's usual
# portfolio of unsolved tickets in the teams we learned from.
DEFAULT_MAX_OPEN_TICKETS = 20


class RoutingRule(models.Model):
    """One routing rule: when every condition matches a new ticket, its actions change the ticket."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0, db_index=True)
    active = models.BooleanField(_("active"), default=True)
    conditions = models.JSONField(
        _("conditions"),
        default=dict,
        blank=True,
        help_text=_("All must match; an empty set matches every ticket."),
    )
    actions = models.JSONField(_("actions"), default=dict)
    stop_processing = models.BooleanField(
        _("stop processing"),
        default=False,
        help_text=_("When this rule matches, the rules after it are not evaluated."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return self.name


class RuleBookVersion(models.Model):
    """A token the rule services renew, so every process knows when its compiled rules are stale."""

    # One row (pk=1). Reading it by primary key is the one query a routing call spends on
    # freshness; the compiled rules themselves stay in the process. A random token rather than
    # a counter: a rolled-back change must never leave a number a later change reuses, or a
    # process holding rules compiled inside that transaction would take them as current.
    token = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = _("routing rule book version")

    def __str__(self) -> str:
        return self.token


class GroupAssignment(models.Model):
    """How a skill group hands out its new tickets: left in the queue, round-robin or least-loaded."""

    group = models.OneToOneField(
        "accounts.SkillGroup",
        verbose_name=_("group"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="assignment",
    )
    mode = models.CharField(
        _("assignment"),
        max_length=16,
        choices=AssignmentMode.choices,
        default=AssignmentMode.NONE,
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last assigned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Where round-robin continues from."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("group assignment")
        verbose_name_plural = _("group assignments")

    def __str__(self) -> str:
        return f"{self.group}: {self.get_mode_display()}"


class Shift(models.Model):
    """A weekly working window of one engineer, in the engineer's own time zone."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="shifts",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    # An end at or before the start runs past midnight into the next day (a night shift).
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        ordering = ["person", "weekday", "start"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def overnight(self) -> bool:
        return self.end <= self.start


class Availability(models.Model):
    """How many unsolved tickets an engineer may hold, and whether they are away today."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="availability",
    )
    max_open_tickets = models.PositiveSmallIntegerField(
        _("maximum unsolved tickets"), default=DEFAULT_MAX_OPEN_TICKETS
    )
    away = models.BooleanField(
        _("away"), default=False, help_text=_("Away people get no tickets automatically.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("availability")
        verbose_name_plural = _("availabilities")

    def __str__(self) -> str:
        return str(self.person)
