"""Tickets, their messages and attachments, and the append-only event history of every change."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.choices import Language, Tier
from tierdesk.tickets.choices import (
    STATUS_TRANSITIONS,
    Channel,
    EscalationFlag,
    EventKind,
    MessageKind,
    Priority,
    ProductArea,
    Status,
    TicketType,
)


class Ticket(models.Model):
    """A customer's request, from any channel, and who owns its next move."""

    # The number customers quote is the primary key: unique, gap-tolerant and assigned by the
    # database, so concurrent opens never collide and no counter row becomes a hot spot.
    number = models.BigAutoField(_("number"), primary_key=True)
    subject = models.CharField(_("subject"), max_length=250)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="requested_tickets",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.PORTAL
    )
    type = models.CharField(
        _("type"), max_length=20, choices=TicketType.choices, default=TicketType.QUESTION
    )
    product_area = models.CharField(
        _("product area"), max_length=40, choices=ProductArea.choices, blank=True
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    tier = models.PositiveSmallIntegerField(
        _("tier"), choices=Tier.choices, default=Tier.FRONT_LINE
    )
    group = models.ForeignKey(
        "accounts.SkillGroup",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.ENGLISH
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    restricted = models.BooleanField(
        _("restricted"),
        default=False,
        help_text=_("Only the named staff can read a restricted ticket."),
    )
    restricted_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("readable by"),
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reactivated_at = models.DateTimeField(
        _("reactivated"),
        null=True,
        blank=True,
        help_text=_("When the customer answered after the desk had; cleared by the next reply."),
    )
    escalation_flag = models.CharField(
        _("escalation flag"), max_length=10, choices=EscalationFlag.choices, blank=True
    )
    escalation_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalation manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_escalation_tickets",
        help_text=_("Owns the customer communication of a complaint or incident."),
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_tickets",
    )

    class Meta:
        ordering = ["-updated_at", "-number"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # The console and API list newest-updated first and page with an (updated_at, number)
            # cursor; each filter the list offers has its own leading column.
            models.Index(fields=["-updated_at", "-number"], name="ticket_updated_idx"),
            models.Index(
                fields=["status", "-updated_at", "-number"], name="ticket_status_updated_idx"
            ),
            models.Index(
                fields=["organization", "-updated_at", "-number"], name="ticket_org_updated_idx"
            ),
            models.Index(
                fields=["assignee", "-updated_at", "-number"], name="ticket_assignee_updated_idx"
            ),
            models.Index(fields=["requester", "-updated_at"], name="ticket_requester_updated_idx"),
            models.Index(fields=["created_at"], name="ticket_created_idx"),
            # The backlog as it stands now, counted by age and by group, channel, tier or
            # organization from the index alone (team KPIs read it on every dashboard).
            models.Index(
                fields=["status", "created_at", "group", "channel", "tier", "organization"],
                name="ticket_status_created_idx",
            ),
            # Solved tickets waiting to be closed by the worker's autoclose sweep.
            models.Index(
                fields=["solved_at"], name="ticket_solved_open_idx", condition=Q(status="solved")
            ),
            # Tickets closed since a moment: the KPIs counted from raw events find those open
            # during a past period by it.
            models.Index(fields=["closed_at"], name="ticket_closed_idx"),
            models.Index(
                fields=["first_responded_at", "created_at"], name="ticket_first_response_idx"
            ),
            # A group's queue: its unsolved tickets nobody holds, oldest first.
            models.Index(
                fields=["group", "created_at"],
                name="ticket_group_queue_idx",
                condition=Q(
                    assignee__isnull=True, status__in=["new", "open", "pending", "on_hold"]
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    def can_move_to(self, status: str) -> bool:
        return status in STATUS_TRANSITIONS[self.status]


class Message(models.Model):
    """One entry of a ticket's conversation: a public reply the customer sees or an internal note."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=MessageKind.choices, default=MessageKind.PUBLIC
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.PORTAL
    )
    body_text = models.TextField(_("text"))
    body_html = models.TextField(
        _("HTML"), blank=True, help_text=_("Sanitised; safe to show as is.")
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="message_ticket_created_idx"),
            # Which replies are chat lines (a chat is one touch), found without reading them.
            models.Index(fields=["id"], name="message_chat_idx", condition=Q(channel="chat")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id}"

    @property
    def is_internal(self) -> bool:
        return self.kind == MessageKind.INTERNAL


# File systems take at most 255 bytes per name; 85 Japanese characters are that many.
DISK_NAME_BYTES_MAX = 200


def disk_name(filename: str) -> str:
    """The file's name as stored: as sent, cut to DISK_NAME_BYTES_MAX bytes of UTF-8 with its
    extension kept. The attachment keeps the whole name for people to read."""
    name = PurePath(filename).name
    if len(name.encode()) <= DISK_NAME_BYTES_MAX:
        return name
    suffix = PurePath(name).suffix
    if len(suffix.encode()) > 20:
        suffix = ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    room = DISK_NAME_BYTES_MAX - len(suffix.encode())
    return stem.encode()[:room].decode(errors="ignore") + suffix


def attachment_path(instance: Attachment, filename: str) -> str:
    # A random folder per file keeps names as the customer sent them without collisions,
    # and keeps paths unguessable when the storage is a public bucket.
    return f"tickets/{instance.ticket_id}/{uuid.uuid4().hex}/{disk_name(filename)}"


class Attachment(models.Model):
    """A file sent with a message, kept in the configured storage."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        Message,
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=500)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class TicketEvent(models.Model):
    """One change to a ticket: who, when, which field, from what to what. Never updated or deleted."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the system made the change."),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    field = models.CharField(_("field"), max_length=40, blank=True)
    from_value = models.TextField(_("from"), blank=True)
    to_value = models.TextField(_("to"), blank=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_ticket_created_idx"),
            # Metrics scan one kind of change over a period (status changes in a week, ...).
            models.Index(fields=["field", "created_at"], name="event_field_created_idx"),
            # An engineer's own figures read their actions over a period; the team's KPIs count
            # the tickets staff acted on in a period from this index alone.
            models.Index(
                fields=["actor", "created_at", "ticket", "kind", "field"],
                name="event_actor_acted_idx",
            ),
            # The team's KPIs counted from raw events read status changes and staff replies from
            # these alone: over a period, and per ticket (its state before the period, the
            # replies before a solve, a reopen after it).
            models.Index(
                fields=["created_at", "ticket", "kind", "from_value", "to_value", "actor"],
                name="event_status_time_idx",
                condition=Q(field="status"),
            ),
            models.Index(
                fields=["ticket", "created_at", "kind", "from_value", "to_value"],
                name="event_status_ticket_idx",
                condition=Q(field="status"),
            ),
            models.Index(
                fields=["ticket", "created_at", "actor", "message"],
                name="event_reply_ticket_idx",
                condition=Q(kind="message", field=""),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.kind} {self.field}"
