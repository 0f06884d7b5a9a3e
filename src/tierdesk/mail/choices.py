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


class InboundReason(models.TextChoices):
    """Why inbound mail was not turned into a ticket message (or was, after review)."""

    AUTO_REPLY = "auto_reply", _("Auto-reply")
    BULK = "bulk", _("Bulk or list mail")
    BOUNCE = "bounce", _("Delivery report")
    RECEIPT = "receipt", _("Read receipt")
    OWN_MAIL = "own_mail", _("Sent from a support address")
    SENDER_LIMIT = "sender_limit", _("Too many messages from the sender: a mail loop?")
    UNKNOWN_SENDER = "unknown_sender", _("Unknown sender")
    DISABLED_SENDER = "disabled_sender", _("The sender's account is disabled")
    NO_SENDER = "no_sender", _("No sender address")
    OVERSIZE = "oversize", _("Over the size limit")
    ERROR = "error", _("Processing failed")


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")


class UnknownSenders(models.TextChoices):
    CREATE = "create", _("Create a contact")
    HOLD = "hold", _("Hold for review")
