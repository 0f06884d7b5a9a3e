"""Admin pages for tickets: read-only, since every change must go through services and events,
and scoped like every other read: a restricted ticket shows only to the staff named on it."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tierdesk.tickets.models import Attachment, Message, Ticket, TicketEvent
from tierdesk.tickets.selectors import tickets_visible_to


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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        # The selector's own conditions, not an IN over every visible ticket.
        return super().get_queryset(request) & tickets_visible_to(request.user)


class OnVisibleTicketsAdmin(ReadOnlyAdmin):
    """Rows of tickets the admin may read; the rest do not exist here, as in the console."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(ticket__in=tickets_visible_to(request.user))


@admin.register(Message)
class MessageAdmin(OnVisibleTicketsAdmin):
    list_display = ["ticket", "kind", "author", "created_at"]
    list_select_related = ["author"]
    raw_id_fields = ["ticket"]
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(OnVisibleTicketsAdmin):
    list_display = ["filename", "ticket", "content_type", "size", "created_at"]
    raw_id_fields = ["ticket", "message"]


@admin.register(TicketEvent)
class TicketEventAdmin(OnVisibleTicketsAdmin):
    list_display = ["ticket", "kind", "field", "from_value", "to_value", "actor", "created_at"]
    list_filter = ["kind", "field"]
    raw_id_fields = ["ticket", "message"]
    show_full_result_count = False
