"""Fixed vocabularies of routing: assignment modes and weekdays."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssignmentMode(models.TextChoices):
    NONE = "none", _("Leave in the group queue")
    ROUND_ROBIN = "round_robin", _("Round-robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")


class Weekday(models.IntegerChoices):
    # Python's datetime.weekday() numbering, so a shift compares with a local time directly.
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")
