"""Admin for the knowledge base, read-mostly: articles change through their pages and the API,
where every change makes a version and tells the search index."""

from django.contrib import admin

from tierdesk.knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleFlag,
    ArticleLink,
    ArticleVersion,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Looking only: adding, changing or deleting here would bypass the versions, the counters
    (reuse, feedback, open flags) and the search index the services keep in step."""

    actions = None  # no "delete selected"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class VersionInline(admin.TabularInline):
    model = ArticleVersion
    fields = ("number", "state", "visibility", "changed_by", "changed_at", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "title",
        "state",
        "visibility",
        "language",
        "kind",
        "owner",
        "reuse_count",
        "open_flags",
        "updated_at",
    )
    list_filter = ("state", "visibility", "language", "kind", "product_area")
    search_fields = ("title",)
    raw_id_fields = ("owner", "translation_of", "created_by")
    inlines = [VersionInline]


@admin.register(ArticleVersion)
class ArticleVersionAdmin(ReadOnlyAdmin):
    list_display = ("article", "number", "state", "changed_by", "changed_at", "note")
    raw_id_fields = ("article", "changed_by")


@admin.register(ArticleLink)
class ArticleLinkAdmin(ReadOnlyAdmin):
    list_display = ("article", "ticket", "source", "linked_by", "linked_at")
    list_filter = ("source",)
    raw_id_fields = ("article", "ticket", "linked_by")


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(ReadOnlyAdmin):
    list_display = ("article", "person", "helped", "created_at")
    list_filter = ("helped",)
    raw_id_fields = ("article", "person")


@admin.register(ArticleFlag)
class ArticleFlagAdmin(ReadOnlyAdmin):
    list_display = ("article", "flagged_by", "created_at", "resolved_by", "resolved_at")
    raw_id_fields = ("article", "flagged_by", "resolved_by")
