"""Fixed vocabularies of the knowledge base: KCS states, visibility, kinds of article and how an
article came to be linked to a ticket."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleState(models.TextChoices):
    WIP = "wip", _("Work in progress")
    NOT_VALIDATED = "not_validated", _("Not validated")
    VALIDATED = "validated", _("Validated")
    ARCHIVED = "archived", _("Archived")


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    PUBLIC = "public", _("Public")


class ArticleKind(models.TextChoices):
    SOLUTION = "solution", _("Solution")
    TEMPLATE = "template", _("SQL or workflow template")


class LinkSource(models.TextChoices):
    LINKED = "linked", _("Linked an existing article")
    CREATED = "created", _("Article created from the ticket")
    REPLY = "reply", _("Inserted in a public reply")
