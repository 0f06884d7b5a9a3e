"""What email stores: the support addresses mail arrives at, the IMAP mailboxes polled, every
inbound message raw as received (processed from the store, never lost), and every reply sent."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tierdesk.mail.choices import InboundReason, InboundSource, InboundStatus, OutboundStatus


class SupportAddress(models.Model):
    """An address customers write to, and where its mail goes. Mail to an address without one
    goes to the default address's group."""

    address = models.EmailField(_("address"), unique=True)
    name = models.CharField(_("sender name"), max_length=120, blank=True)
    brand = models.CharField(_("brand"), max_length=120, blank=True)
    group = models.ForeignKey(
        "accounts.SkillGroup",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_default = models.BooleanField(_("default address"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("support address")
        verbose_name_plural = _("support addresses")
        ordering = ["address"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_support_address",
            )
        ]

    def __str__(self) -> str:
        return self.address


class Mailbox(models.Model):
    """An existing IMAP mailbox the worker polls for customer mail."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    host = models.CharField(_("host"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    use_tls = models.BooleanField(_("TLS"), default=True)
    username = models.CharField(_("user name"), max_length=255)
    password = models.CharField(_("password"), max_length=255)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    # Processed messages move here; empty: they are marked seen and with a private keyword.
    processed_folder = models.CharField(_("folder for processed mail"), max_length=255, blank=True)
    support_address = models.ForeignKey(
        SupportAddress,
        verbose_name=_("support address"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mailboxes",
    )
    active = models.BooleanField(_("active"), default=True)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InboundMail(models.Model):
    """One message as received, stored before anything parses it. `raw` is the exact bytes;
    processing reads them from here, so a crash or a parser bug loses nothing and the message
    can be processed again."""

    source = models.CharField(_("source"), max_length=10, choices=InboundSource.choices)
    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    # The SMTP envelope's recipients (or the mailbox's address): which support address it is for.
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    envelope_from = models.CharField(_("envelope sender"), max_length=998, blank=True)
    raw = models.BinaryField(_("raw message"))
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    # The Message-ID header without angle brackets; empty when the message has none.
    message_id_header = models.CharField(_("Message-ID"), max_length=998, blank=True)
    # SHA-256 of what tells messages reusing one Message-ID apart (intake.message_fingerprint);
    # empty without a Message-ID, and for rows stored before it was kept.
    fingerprint = models.CharField(_("fingerprint"), max_length=64, blank=True)
    received_at = models.DateTimeField(_("received"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=InboundStatus.choices,
        default=InboundStatus.RECEIVED,
    )
    reason_code = models.CharField(
        _("reason code"), max_length=20, choices=InboundReason.choices, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    # What processing read, kept for the pages and for threading.
    from_address = models.CharField(_("from"), max_length=998, blank=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    quoted_text = models.TextField(_("quoted history"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    message = models.OneToOneField(
        "tickets.Message",
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_mail",
    )

    class Meta:
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound email")
        ordering = ["-received_at", "-id"]
        constraints = [
            # The same message twice is one row: the same Message-ID and fingerprint. Another
            # message reusing a Message-ID is a row of its own; mail without one is told apart
            # by hash.
            models.UniqueConstraint(
                fields=["message_id_header", "fingerprint"],
                condition=~models.Q(message_id_header=""),
                name="inbound_mail_message_once",
            )
        ]
        indexes = [
            models.Index(fields=["status", "received_at"], name="inbound_status_received_idx"),
            models.Index(fields=["from_address", "received_at"], name="inbound_sender_idx"),
        ]

    def __str__(self) -> str:
        return self.subject or self.message_id_header or f"#{self.pk}"


class OutboundMail(models.Model):
    """One email the desk sends for a public reply, with its delivery state."""

    message = models.OneToOneField(
        "tickets.Message",
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="outbound_mail",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="+"
    )
    # Our Message-ID without angle brackets: customers' replies name it in In-Reply-To.
    message_id_header = models.CharField(_("Message-ID"), max_length=998, unique=True)
    from_address = models.CharField(_("from"), max_length=998)
    to = models.JSONField(_("to"), default=list)
    cc = models.JSONField(_("cc"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=998)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OutboundStatus.choices,
        default=OutboundStatus.QUEUED,
    )
    reason = models.TextField(_("reason"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    bounced_at = models.DateTimeField(_("bounced"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound email")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbound_due_idx"),
        ]

    def __str__(self) -> str:
        return self.subject
