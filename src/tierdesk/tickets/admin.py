"""Admin pages for tickets: read-mostly, since every change must go through services and events."""

from django.contrib import admin

from tierdesk.tickets.models import Attachment, Message, Ticket, TicketEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "subject",
        "status",
        "priority",
        "tier",
        "channel",
        "organization",
        "assignee",
        "updated_at",
    ]
    list_filter = ["status", "priority", "tier", "channel", "type"]
    search_fields = ["subject"]
    list_select_related = ["organization", "assignee"]
    show_full_result_count = False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "kind", "author", "created_at"]
    list_select_related = ["author"]
    raw_id_fields = ["ticket"]
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["filename", "ticket", "content_type", "size", "created_at"]
    raw_id_fields = ["ticket", "message"]


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "kind", "field", "from_value", "to_value", "actor", "created_at"]
    list_filter = ["kind", "field"]
    raw_id_fields = ["ticket", "message"]
    show_full_result_count = False
