"""The knowledge base: KCS articles with their versions and translations, the tickets each one
solved (reuse), what customers said of it and the flags raised to fix it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.choices import Language
from tierdesk.knowledge.choices import ArticleKind, ArticleState, LinkSource, Visibility
from tierdesk.tickets.choices import ProductArea


class Article(models.Model):
    """One KCS article: the problem in the customer's words, the environment it happens in, the
    cause and the resolution. A template is an article whose resolution carries a code block
    (SQL, a workflow) customers copy."""

    title = models.CharField(_("title"), max_length=250)
    problem = models.TextField(_("problem"))
    environment = models.TextField(_("environment"), blank=True)
    cause = models.TextField(_("cause"), blank=True)
    resolution = models.TextField(_("resolution"))
    kind = models.CharField(
        _("kind"), max_length=10, choices=ArticleKind.choices, default=ArticleKind.SOLUTION
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    product_area = models.CharField(
        _("product area"), max_length=40, choices=ProductArea.choices, blank=True
    )
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.ENGLISH
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    state = models.CharField(
        _("KCS state"), max_length=16, choices=ArticleState.choices, default=ArticleState.WIP
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_articles",
    )
    # Translations point at the article they were translated from, so an article and all its
    # translations share one original (the original points at nothing).
    translation_of = models.ForeignKey(
        "self",
        verbose_name=_("translation of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    validated_at = models.DateTimeField(_("validated"), null=True, blank=True)
    # Kept with every link, feedback and flag so lists sort and show them without counting.
    reuse_count = models.PositiveIntegerField(_("reuse"), default=0)
    helped_count = models.PositiveIntegerField(_("helped"), default=0)
    not_helped_count = models.PositiveIntegerField(_("did not help"), default=0)
    open_flags = models.PositiveIntegerField(_("open flags for fix"), default=0)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["state", "visibility", "language"], name="article_state_vis_idx"),
            models.Index(fields=["updated_at"], name="article_updated_idx"),
            models.Index(fields=["owner", "state"], name="article_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC

    @property
    def customers_see(self) -> bool:
        """Customers read public articles once validated; anything else stays with the team."""
        return self.visibility == Visibility.PUBLIC and self.state == ArticleState.VALIDATED


class ArticleVersion(models.Model):
    """The article as it stood after one change, with who made it: the history and the diffs."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=250)
    problem = models.TextField(_("problem"))
    environment = models.TextField(_("environment"), blank=True)
    cause = models.TextField(_("cause"), blank=True)
    resolution = models.TextField(_("resolution"))
    kind = models.CharField(_("kind"), max_length=10, choices=ArticleKind.choices)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    product_area = models.CharField(
        _("product area"), max_length=40, choices=ProductArea.choices, blank=True
    )
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices)
    state = models.CharField(_("KCS state"), max_length=16, choices=ArticleState.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed"))
    note = models.CharField(_("note"), max_length=250, blank=True)

    class Meta:
        ordering = ["article", "-number"]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="article_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class ArticleLink(models.Model):
    """An article used to solve a ticket: each one is a reuse (or the capture, when the article
    was created from the ticket)."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="links"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="article_links",
    )
    source = models.CharField(
        _("how"), max_length=10, choices=LinkSource.choices, default=LinkSource.LINKED
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    linked_at = models.DateTimeField(_("linked"))

    class Meta:
        ordering = ["-linked_at", "-id"]
        verbose_name = _("article link")
        verbose_name_plural = _("article links")
        constraints = [
            models.UniqueConstraint(fields=["article", "ticket"], name="article_link_unique")
        ]
        indexes = [models.Index(fields=["linked_by", "linked_at"], name="article_link_by_idx")]

    def __str__(self) -> str:
        return f"{self.article_id} → #{self.ticket_id}"


class ArticleFeedback(models.Model):
    """A reader's verdict on an article: it helped or it did not, with an optional comment."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="feedback"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    helped = models.BooleanField(_("helped"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("given"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")

    def __str__(self) -> str:
        return f"{self.article_id}: {'helped' if self.helped else 'did not help'}"


class ArticleFlag(models.Model):
    """A request to fix an article (wrong, outdated, unclear), open until someone resolves it."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="flags"
    )
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("flagged by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("flagged"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("flag for fix")
        verbose_name_plural = _("flags for fix")
        indexes = [models.Index(fields=["flagged_by", "created_at"], name="article_flag_by_idx")]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.reason[:40]}"
