"""Live chat: the websites allowed to show the chat widget, and each chat with its clock (waited,
taken, first answer, ended). The conversation itself is the ticket's messages."""

from __future__ import annotations

import hmac
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.models import hash_token
from tierdesk.chat.choices import OPEN_STATUSES, ChatOrigin, ChatStatus, EndReason

_HOST = re.compile(r"^[a-z0-9.\-\[\]:]+$")


def normalize_origin(value: str) -> str | None:
    """`scheme://host[:port]` in lower case, as browsers send it in the Origin header, or None
    for anything that is not an http(s) origin (a path, a query or credentials included)."""
    text = str(value or "").strip().lower().rstrip("/")
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    if parts.path or parts.query or parts.fragment or "@" in parts.netloc:
        return None
    if not _HOST.match(parts.netloc):
        return None
    return f"{parts.scheme}://{parts.netloc}"


class ChatWidgetSite(models.Model):
    """A website whose pages may show the chat widget, named by its origins."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    allowed_origins = models.JSONField(
        _("allowed origins"),
        default=list,
        help_text=_(
            "The addresses of the site as browsers name them: scheme, host and port, no path, "
            'e.g. ["https://www.example.com", "https://docs.example.com"].'
        ),
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization for unknown visitors"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Visitors whose address matches no organization's email domains become contacts of "
            "this organization. Empty: they are asked to use their work address."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("chat widget site")
        verbose_name_plural = _("chat widget sites")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.allowed_origins, list) or not self.allowed_origins:
            raise ValidationError(
                {"allowed_origins": _('Give a list of origins, e.g. ["https://www.example.com"].')}
            )
        cleaned = []
        for origin in self.allowed_origins:
            normal = normalize_origin(origin)
            if normal is None:
                raise ValidationError(
                    {
                        "allowed_origins": _(
                            "%(value)s is not an origin: give scheme, host and port only, "
                            "e.g. https://www.example.com."
                        )
                        % {"value": origin}
                    }
                )
            if normal not in cleaned:
                cleaned.append(normal)
        self.allowed_origins = cleaned


class ChatSessionQuerySet(models.QuerySet["ChatSession"]):
    def open(self) -> ChatSessionQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def waiting(self) -> ChatSessionQuerySet:
        return self.filter(status=ChatStatus.WAITING)


class ChatSession(models.Model):
    """One live chat: who started it where, who took it, and its clock. Its lines are the public
    messages of its ticket."""

    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="chats"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    visitor_name = models.CharField(_("name given"), max_length=120, blank=True)
    visitor_email = models.EmailField(_("address given"), blank=True)
    verified = models.BooleanField(
        _("signed in"),
        default=False,
        help_text=_("The customer was signed in; a widget visitor only typed their address."),
    )
    existing_contact = models.BooleanField(
        _("address of an existing customer"),
        default=False,
        help_text=_(
            "A widget visitor typed the address of a customer who existed before this chat, "
            "without proving it is theirs; the ticket is tagged unverified-chat."
        ),
    )
    origin = models.CharField(
        _("started from"), max_length=10, choices=ChatOrigin.choices, default=ChatOrigin.WIDGET
    )
    site = models.ForeignKey(
        ChatWidgetSite,
        verbose_name=_("website"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chats",
    )
    page_url = models.CharField(_("page"), max_length=500, blank=True)
    visitor_ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    # Only the hash of the visitor's secret is kept: a database leak lets no one join a chat.
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ChatStatus.choices, default=ChatStatus.WAITING
    )
    started_at = models.DateTimeField(_("started"))
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    end_reason = models.CharField(
        _("why it ended"), max_length=10, choices=EndReason.choices, blank=True
    )
    wait_seconds = models.FloatField(
        _("wait (seconds)"),
        null=True,
        blank=True,
        help_text=_(
            "From start until an engineer took it; for a chat nobody took, until it ended."
        ),
    )
    first_answer_seconds = models.FloatField(
        _("first answer (seconds)"),
        null=True,
        blank=True,
        help_text=_("From taking the chat until the engineer's first line."),
    )
    visitor_seen_at = models.DateTimeField(
        _("customer last seen"),
        help_text=_("The customer's last line or open connection; the sweep ends chats left."),
    )

    objects = ChatSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("chat")
        verbose_name_plural = _("chats")
        indexes = [
            # The waiting list, oldest first: only the few waiting rows are in it.
            models.Index(
                fields=["started_at"],
                name="chat_waiting_idx",
                condition=Q(status="waiting"),
            ),
            # An engineer's active chats.
            models.Index(
                fields=["taken_by", "started_at"],
                name="chat_active_idx",
                condition=Q(status="active"),
            ),
            # The take-time figures over a day or a week, and the API's ended list.
            models.Index(fields=["started_at"], name="chat_started_idx"),
            # Rate limits: chats started from one address or by one email in the last hour.
            models.Index(fields=["visitor_ip", "started_at"], name="chat_ip_started_idx"),
            models.Index(fields=["visitor_email", "started_at"], name="chat_email_started_idx"),
            # The sweep that ends chats whose customer left.
            models.Index(
                fields=["visitor_seen_at"],
                name="chat_open_seen_idx",
                condition=Q(status__in=["waiting", "active"]),
            ),
        ]

    def __str__(self) -> str:
        return f"chat {self.pk} on #{self.ticket_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def customer_name(self) -> str:
        """The name the visitor gave, else the contact's."""
        return self.visitor_name or self.customer.display_name

    def token_matches(self, raw: str) -> bool:
        """Whether `raw` is this chat's secret (compared in constant time)."""
        return bool(raw) and hmac.compare_digest(self.token_hash, hash_token(raw))


class ChatStreamTicket(models.Model):
    """A one-time pass to open a chat's event stream, so the chat's secret never appears in an
    address (EventSource cannot send headers). Asked for with the secret, valid for a minute,
    deleted when used; only its hash is kept."""

    chat = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("chat stream ticket")
        verbose_name_plural = _("chat stream tickets")
        indexes = [models.Index(fields=["chat", "created_at"], name="chat_stream_ticket_idx")]

    def __str__(self) -> str:
        return f"stream ticket of chat {self.chat_id}"
