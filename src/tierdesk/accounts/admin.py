"""Configuration pages for people, organizations, skill groups and tokens."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.models import ApiToken, Organization, SkillGroup, User


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "plan", "region", "size", "success_manager"]
    list_filter = ["plan", "region", "size"]
    search_fields = ["name"]
    autocomplete_fields = ["success_manager"]


@admin.register(SkillGroup)
class SkillGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "product_area", "language", "plan", "region", "manager"]
    list_filter = ["tier", "product_area", "language", "plan", "region"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "first_name",
        "last_name",
        "email",
        "role",
        "tier",
        "organization",
        "is_active",
    ]
    list_filter = ["role", "tier", "region", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    autocomplete_fields = ["organization"]
    filter_horizontal = ["skill_groups", "groups", "user_permissions"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Support"),
            {
                "fields": [
                    "role",
                    "organization",
                    "tier",
                    "skill_groups",
                    "languages",
                    "region",
                    "time_zone",
                    "language",
                    "phone",
                ]
            },
        ),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "prefix", "name"]
    readonly_fields = ["key_hash", "prefix", "created_at", "last_used_at"]
