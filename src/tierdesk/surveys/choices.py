"""Fixed vocabularies of surveys: what an invitation asks, what a response scores, a follow-up's state."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InvitationKind(models.TextChoices):
    """CSAT follows a solve (CES rides on the same page); NPS is asked on a schedule per contact."""

    CSAT = "csat", _("Satisfaction (CSAT)")
    NPS = "nps", _("Recommendation (NPS)")


class ResponseKind(models.TextChoices):
    CSAT = "csat", _("Satisfaction (CSAT)")
    CES = "ces", _("Effort (CES)")
    NPS = "nps", _("Recommendation (NPS)")


# The scale of each kind of answer, inclusive.
SCALES: dict[str, tuple[int, int]] = {
    ResponseKind.CSAT: (1, 5),
    ResponseKind.CES: (1, 7),
    ResponseKind.NPS: (0, 10),
}


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class SkipReason(models.TextChoices):
    """Why an invitation's email was not sent."""

    NO_EMAIL = "no_email", _("No email address")
    INACTIVE = "inactive", _("Person inactive")
