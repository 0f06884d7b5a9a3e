"""Fixed vocabularies of queues: why a ticket waits in a queue."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class QueueState(models.TextChoices):
    """Why an unassigned ticket is in its group's queue; the queue serves them in this order."""

    NEW = "new", _("New")
    REACTIVATED = "reactivated", _("Customer answered")
    ANSWERED = "answered", _("Answered")
