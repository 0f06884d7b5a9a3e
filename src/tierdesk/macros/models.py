"""Macros (canned replies or notes with field changes), notifications of @mentions, and the
extra requesters a ticket gains when a duplicate is merged into it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tierdesk.macros.choices import CollaboratorReason, MacroKind, MacroScope, NotificationKind


class Macro(models.Model):
    """A canned reply or internal note with placeholders, plus field changes applied in one go."""

    name = models.CharField(_("name"), max_length=120)
    # A macro has an owner (personal), or a group (shared with its members), or neither (global).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
    )
    group = models.ForeignKey(
        "accounts.SkillGroup",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
    )
    kind = models.CharField(
        _("writes"), max_length=10, choices=MacroKind.choices, default=MacroKind.REPLY
    )
    body = models.TextField(_("text"), blank=True)
    changes = models.JSONField(
        _("field changes"),
        default=dict,
        blank=True,
        help_text=_(
            "status, priority, type, product_area, tags_add, tags_remove, group (id), "
            'assignee ("me" or "none").'
        ),
    )
    usage_count = models.PositiveIntegerField(_("times used"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=True) | Q(group__isnull=True),
                name="macro_personal_or_group",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope(self) -> str:
        if self.owner_id is not None:
            return MacroScope.PERSONAL
        if self.group_id is not None:
            return MacroScope.GROUP
        return MacroScope.GLOBAL

    def get_scope_display(self) -> str:
        return str(MacroScope(self.scope).label)


class Notification(models.Model):
    """Something a member of staff should look at: for now, being @mentioned in a note."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=NotificationKind.choices, default=NotificationKind.MENTION
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    message = models.ForeignKey(
        "tickets.Message",
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["person", "-created_at"], name="notification_person_idx"),
            # The console navigation counts a person's unread notifications on every page.
            models.Index(
                fields=["person"], name="notification_unread_idx", condition=Q(read_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id} for {self.person_id}"


class TicketCollaborator(models.Model):
    """A person who is also a requester of a ticket, e.g. the requester of a duplicate merged in."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="collaborators",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    reason = models.CharField(
        _("reason"),
        max_length=12,
        choices=CollaboratorReason.choices,
        default=CollaboratorReason.MERGED,
    )
    source_ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("from ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("additional requester")
        verbose_name_plural = _("additional requesters")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "person"], name="collaborator_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} on #{self.ticket_id}"
