"""Fixed vocabularies of service levels: what a clock measures, where it stands, how it ended."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    PERIODIC_UPDATE = "periodic_update", _("Periodic update")
    RESOLUTION = "resolution", _("Resolution")


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    STOPPED = "stopped", _("Stopped")


class Outcome(models.TextChoices):
    PENDING = "", _("Not decided")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
