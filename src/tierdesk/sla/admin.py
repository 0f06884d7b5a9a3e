"""Admin pages of service levels, read-only: calendars and policies change on the console's SLA
pages, whose services check every field, renew the policy book and have the clocks recomputed (an
edit here would do none of that); clocks are derived from tickets' history and shown only for
tickets the admin may read."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tierdesk.sla.models import (
    BusinessCalendar,
    CalendarDate,
    SlaClock,
    SlaPolicy,
    SlaStale,
    SlaTarget,
)
from tierdesk.tickets.admin import OnVisibleTicketsAdmin, ReadOnlyAdmin


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class CalendarDateInline(ReadOnlyInline):
    model = CalendarDate
    fields = ["date", "name", "hours"]


class SlaTargetInline(ReadOnlyInline):
    model = SlaTarget
    fields = [
        "metric",
        "seconds",
        "business_hours",
        "goal_percent",
        "warn_before_seconds",
        "notify",
        "breach_priority",
        "breach_notify_managers",
    ]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "time_zone",
        "around_the_clock",
        "holiday_country",
        "regions",
        "is_default",
        "updated_at",
        "console",
    ]
    list_filter = ["is_default", "around_the_clock"]
    search_fields = ["name"]
    inlines = [CalendarDateInline]

    @admin.display(description=_("edit"))
    def console(self, calendar: BusinessCalendar) -> str:
        url = reverse("sla:setup_calendar_edit", args=[calendar.pk])
        return format_html('<a href="{}">{}</a>', url, _("on the SLA pages"))


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ReadOnlyAdmin):
    list_display = ["position", "name", "active", "calendar", "updated_at", "console"]
    list_display_links = ["name"]
    list_filter = ["active"]
    list_select_related = ["calendar"]
    search_fields = ["name"]
    inlines = [SlaTargetInline]

    @admin.display(description=_("edit"))
    def console(self, policy: SlaPolicy) -> str:
        url = reverse("sla:setup_policy_edit", args=[policy.pk])
        return format_html('<a href="{}">{}</a>', url, _("on the SLA pages"))


@admin.register(SlaClock)
class SlaClockAdmin(OnVisibleTicketsAdmin):
    list_display = [
        "ticket",
        "metric",
        "cycle",
        "policy_name",
        "state",
        "outcome",
        "started_at",
        "due_at",
        "decided_at",
    ]
    list_filter = ["state", "outcome", "metric", "business_hours"]
    list_select_related = ["ticket"]
    raw_id_fields = ["ticket", "policy", "target", "calendar", "group"]
    date_hierarchy = "started_at"
    show_full_result_count = False


@admin.register(SlaStale)
class SlaStaleAdmin(OnVisibleTicketsAdmin):
    list_display = ["ticket", "marked_at"]
    raw_id_fields = ["ticket"]
    show_full_result_count = False
