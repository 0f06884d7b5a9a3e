"""Choice values of the mail app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InboundSource(models.TextChoices):
    SMTP = "smtp", _("SMTP listener")
    IMAP = "imap", _("IMAP mailbox")
    UPLOAD = "upload", _("Uploaded")


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    HELD = "held", _("Held for review")
    QUARANTINED = "quarantined", _("Quarantined")


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")


class UnknownSenders(models.TextChoices):
    CREATE = "create", _("Create a contact")
    HOLD = "hold", _("Hold for review")
