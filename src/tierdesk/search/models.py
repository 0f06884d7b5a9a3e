"""The search index's bookkeeping: one entry per indexed article or ticket (the filters and
permission facts), and the marks of documents to index again. The text itself lives in the
backend's own objects (an FTS5 table on SQLite, tsvector columns on PostgreSQL; see backend.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocKind(models.TextChoices):
    ARTICLE = "article", _("Article")
    TICKET = "ticket", _("Ticket")


# Articles' documents sit above every ticket number: a search takes its candidates in descending
# document order, so articles come first, then the newest tickets.
ARTICLE_DOC_BASE = 1 << 52


def doc_id(kind: str, object_id: int) -> int:
    """The document's key in every index table: a ticket's number, or an article's id above
    ARTICLE_DOC_BASE, so one integer names both the kind and the object and a search needs no
    join to know what it found."""
    return object_id + ARTICLE_DOC_BASE if kind == DocKind.ARTICLE else object_id


def doc_parts(doc: int) -> tuple[str, int]:
    if doc >= ARTICLE_DOC_BASE:
        return DocKind.ARTICLE, doc - ARTICLE_DOC_BASE
    return DocKind.TICKET, doc


class SearchEntry(models.Model):
    """An article or ticket in the search index, with what filters and permissions read."""

    doc = models.BigIntegerField(_("document"), primary_key=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DocKind.choices)
    object_id = models.BigIntegerField(_("article or ticket"))
    organization_id = models.BigIntegerField(_("organization"), null=True, blank=True)
    requester_id = models.BigIntegerField(_("requester"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=5, blank=True)
    # An article's KCS state or a ticket's status.
    status = models.CharField(_("state or status"), max_length=16)
    # Articles: internal or public; tickets: empty (their organization decides).
    visibility = models.CharField(_("visibility"), max_length=10, blank=True)
    product_area = models.CharField(_("product area"), max_length=40, blank=True)
    updated_at = models.DateTimeField(_("updated"))
    solved = models.BooleanField(_("solved or closed"), default=False)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_object")
        ]
        indexes = [
            # PostgreSQL's date filter and the permission scope beside the text match.
            models.Index(fields=["updated_at"], name="search_entry_updated_idx"),
            models.Index(fields=["organization_id"], name="search_entry_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class SearchStale(models.Model):
    """A document to index again: marked in the transaction that changed it, indexed right after
    it commits, and by the minute's task should that ever not happen."""

    doc = models.BigIntegerField(_("document"), primary_key=True)

    class Meta:
        verbose_name = _("stale search document")
        verbose_name_plural = _("stale search documents")

    def __str__(self) -> str:
        return str(self.doc)
