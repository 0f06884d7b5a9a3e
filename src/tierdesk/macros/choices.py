"""Fixed vocabularies of the working tools: what a macro writes, who shares it, what a
notification is about and why a person joined a ticket."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MacroKind(models.TextChoices):
    """Whether the macro's text goes to the customer or stays with the desk."""

    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")


class MacroScope(models.TextChoices):
    """Who sees a macro: its owner alone, a skill group's members, or the whole desk."""

    PERSONAL = "personal", _("Personal")
    GROUP = "group", _("Group")
    GLOBAL = "global", _("Everyone")


class NotificationKind(models.TextChoices):
    MENTION = "mention", _("Mention")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breach")
    FOLLOW_UP = "follow_up", _("Survey follow-up")


class CollaboratorReason(models.TextChoices):
    MERGED = "merged", _("Merged from another ticket")
