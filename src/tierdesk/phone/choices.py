"""Fixed vocabularies of phone: call direction and outcome, and the answer target of the SLA."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Outcome(models.TextChoices):
    """Where a call stands, from its times: answered, ended without an answer, or still ringing."""

    ANSWERED = "answered", _("Answered")
    # Ended before anyone answered: the caller hung up (inbound) or nobody picked up (outbound).
    ABANDONED = "abandoned", _("Abandoned")
    RINGING = "ringing", _("Ringing")


# The phone SLA: 90% of inbound calls answered within 20 seconds of being offered to a queue.
ANSWER_TARGET_SECONDS = 20
ANSWER_TARGET_SHARE = 0.9
