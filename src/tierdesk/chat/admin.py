"""Administration of live chat: the websites allowed to show the widget, and a read-only view of
chats."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tierdesk.chat.models import ChatSession, ChatWidgetSite


@admin.register(ChatWidgetSite)
class ChatWidgetSiteAdmin(admin.ModelAdmin):
    list_display = ["name", "origins", "organization", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    readonly_fields = ["embed_tag"]
    autocomplete_fields = ["organization"]
    fields = ["name", "allowed_origins", "organization", "is_active", "embed_tag"]

    @admin.display(description=_("origins"))
    def origins(self, site: ChatWidgetSite) -> str:
        return ", ".join(site.allowed_origins or [])

    @admin.display(description=_("tag for the site's pages"))
    def embed_tag(self, site: ChatWidgetSite) -> str:
        desk = settings.TIERDESK_PUBLIC_URL.rstrip("/")
        tag = f'<script src="{desk}/chat/widget.js" data-desk="{desk}" async></script>'
        return format_html("<code>{}</code>", tag)


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "ticket",
        "customer",
        "status",
        "origin",
        "started_at",
        "taken_by",
        "wait_seconds",
        "first_answer_seconds",
    ]
    list_filter = ["status", "origin", "site"]
    list_select_related = ["ticket", "customer", "taken_by"]
    date_hierarchy = "started_at"
    exclude = ["token_hash"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Chats change through their services only: the clock is what the figures count.
        return [f.name for f in ChatSession._meta.fields if f.name != "token_hash"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False
