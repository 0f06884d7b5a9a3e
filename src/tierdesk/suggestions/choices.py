"""Fixed vocabularies of suggestions: how a portal draft ended and what happened to a suggestion."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DraftOutcome(models.TextChoices):
    OPEN = "open", _("Still being written")
    SUBMITTED = "submitted", _("Request submitted")
    DEFLECTED = "deflected", _("Deflected by an article")
    ABANDONED = "abandoned", _("Abandoned")


class EventKind(models.TextChoices):
    IMPRESSION = "impression", _("Shown")
    CLICK = "click", _("Opened")
    HELPFUL = "helpful", _("Answered the question")
