"""Fixed vocabularies of triage: where a training run is."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainingStatus(models.TextChoices):
    """A training run waits for the worker, runs, then ends one of two ways."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


# The runs that hold the desk's one place for training.
PENDING_STATUSES = (TrainingStatus.QUEUED, TrainingStatus.RUNNING)
