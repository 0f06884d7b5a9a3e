"""Fixed vocabularies of live chat: where a chat starts, how far it got, why it ended, and the
service level it is measured against."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChatStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class ChatOrigin(models.TextChoices):
    WIDGET = "widget", _("Widget on a website")
    PORTAL = "portal", _("Portal")


class EndReason(models.TextChoices):
    VISITOR = "visitor", _("The customer ended it")
    AGENT = "agent", _("The engineer ended it")
    LEFT = "left", _("The customer left")


OPEN_STATUSES = frozenset({ChatStatus.WAITING, ChatStatus.ACTIVE})

# The service level of chat: 90% of chats taken within 30 seconds.
TAKE_TARGET_SECONDS = 30
TAKE_TARGET_PERCENT = 90
