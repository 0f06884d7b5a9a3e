"""Forms of the mail pages: a support address, and a message file to upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.models import SkillGroup
from tierdesk.mail.models import SupportAddress


class SupportAddressForm(forms.Form):
    address = forms.EmailField(label=_("Address"), max_length=254)
    name = forms.CharField(
        label=_("Sender name"),
        max_length=120,
        required=False,
        help_text=_("The name customers see on the desk's email."),
    )
    brand = forms.CharField(label=_("Brand"), max_length=120, required=False)
    group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=SkillGroup.objects.none(),
        required=False,
        help_text=_("New tickets from mail to this address start in this group."),
    )
    is_default = forms.BooleanField(
        label=_("Default address"),
        required=False,
        help_text=_("Mail to no known address goes to the default address's group."),
    )

    def __init__(self, *args: Any, address: SupportAddress | None = None, **kwargs: Any) -> None:
        if address is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {
                "address": address.address,
                "name": address.name,
                "brand": address.brand,
                "group": address.group_id,
                "is_default": address.is_default,
            }
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = SkillGroup.objects.order_by("name")  # type: ignore[attr-defined]

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Message file (.eml)"),
        help_text=_("Processed as if it had arrived at the support address."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.TIERDESK_MAIL_MAX_BYTES:
            raise forms.ValidationError(
                _("The message is larger than %(limit)s bytes.")
                % {"limit": settings.TIERDESK_MAIL_MAX_BYTES}
            )
        return upload
