"""Admin pages for email: support addresses and IMAP mailboxes are configured here; inbound and
outbound mail are read-only (inbound mail of a restricted ticket only for the staff named on it),
with actions to poll a mailbox now and to process stored messages again."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tierdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from tierdesk.mail.models import InboundMail, Mailbox, OutboundMail, SupportAddress
from tierdesk.tickets.selectors import tickets_visible_to


@admin.register(SupportAddress)
class SupportAddressAdmin(admin.ModelAdmin):
    list_display = ["address", "name", "brand", "group", "is_default"]
    list_filter = ["is_default", "brand"]
    search_fields = ["address", "name", "brand"]


class MailboxForm(forms.ModelForm):
    """The password is never shown; left empty when changing a mailbox, it stays as it was."""

    password = forms.CharField(
        label=_("password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "host",
            "port",
            "use_tls",
            "username",
            "password",
            "folder",
            "processed_folder",
            "support_address",
            "active",
        ]

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password", "")
        if password:
            return password
        if self.instance.pk:
            return self.instance.password
        raise forms.ValidationError(_("A new mailbox needs its password."))


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = [
        "name",
        "host",
        "port",
        "use_tls",
        "username",
        "folder",
        "processed_folder",
        "support_address",
        "active",
        "last_polled_at",
        "last_error",
    ]
    list_filter = ["active", "use_tls"]
    search_fields = ["name", "host", "username"]
    readonly_fields = ["last_polled_at", "last_error"]
    actions = ["poll_now"]

    @admin.action(description=_("Poll the selected mailboxes now"))
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        from tierdesk.mail.imap import mailbox_poll

        for mailbox in queryset.select_related("support_address"):
            result = mailbox_poll(mailbox)
            if result.error:
                self.message_user(request, f"{mailbox.name}: {result.error}", level=messages.ERROR)
            else:
                self.message_user(
                    request,
                    ngettext(
                        "%(name)s: %(count)d message stored.",
                        "%(name)s: %(count)d messages stored.",
                        result.stored,
                    )
                    % {"name": mailbox.name, "count": result.stored},
                )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InboundMail)
class InboundMailAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "received_at",
        "source",
        "from_address",
        "subject",
        "status",
        "reason",
        "ticket",
    ]
    list_filter = ["status", "source", "mailbox"]
    search_fields = ["subject", "from_address", "message_id_header"]
    list_select_related = ["ticket"]
    exclude = ["raw"]
    raw_id_fields = ["ticket", "message", "mailbox"]
    show_full_result_count = False
    actions = ["process_again"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundMail]:
        # Mail of a ticket the admin may not read is hidden like the ticket; mail not yet on a
        # ticket shows.
        return (
            super()
            .get_queryset(request)
            .filter(Q(ticket__isnull=True) | Q(ticket__in=tickets_visible_to(request.user)))
        )

    def has_change_permission(self, request, obj=None):
        # Viewing a row needs view permission only; the action below needs change.
        return request.user.has_perm("mail.change_inboundmail") and obj is None

    @admin.action(description=_("Process the selected messages again"), permissions=["change"])
    def process_again(self, request: HttpRequest, queryset: QuerySet[InboundMail]) -> None:
        from tierdesk.mail.intake import inbound_reprocess

        done = 0
        for inbound in queryset:
            try:
                inbound_reprocess(actor=request.user, inbound=inbound)
            except (Conflict, PermissionDenied, ValidationFailed) as refusal:
                self.message_user(request, f"#{inbound.pk}: {refusal}", level=messages.WARNING)
                continue
            done += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d message processed again.", "%(count)d messages processed again.", done
            )
            % {"count": done},
        )


@admin.register(OutboundMail)
class OutboundMailAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "ticket", "subject", "status", "attempts", "sent_at", "reason"]
    list_filter = ["status"]
    search_fields = ["subject", "message_id_header"]
    list_select_related = ["ticket"]
    raw_id_fields = ["ticket", "message"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[OutboundMail]:
        return super().get_queryset(request).filter(ticket__in=tickets_visible_to(request.user))
