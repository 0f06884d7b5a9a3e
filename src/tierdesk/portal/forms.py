"""Forms of the customer portal: a new request, and a reply or follow-up. Each carries a
submission key, so posting it twice acts once (portal.submissions)."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tierdesk.portal.submissions import FIELD as SUBMISSION_FIELD
from tierdesk.tickets.choices import Priority, ProductArea
from tierdesk.tickets.schemas import ATTACHMENTS_MAX
from tierdesk.web.forms import MultipleFileField

# Customers say how much it hurts; "urgent" is the desk's call, made on the ticket.
CUSTOMER_PRIORITIES = [(p.value, p.label) for p in (Priority.LOW, Priority.NORMAL, Priority.HIGH)]


class AttachmentsField(MultipleFileField):
    """Zero to ATTACHMENTS_MAX files; more are refused naming the count, not cut off."""

    def clean(self, data, initial=None):
        files = super().clean(data, initial)
        if len(files) > ATTACHMENTS_MAX:
            raise ValidationError(
                ngettext(
                    "Attach at most %(max)d file per message; you chose %(count)d.",
                    "Attach at most %(max)d files per message; you chose %(count)d.",
                    ATTACHMENTS_MAX,
                )
                % {"max": ATTACHMENTS_MAX, "count": len(files)}
            )
        return files


class SubmittedOnce(forms.Form):
    """A form with a hidden submission key, new each time the empty form is shown."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[SUBMISSION_FIELD] = forms.CharField(
            required=False, max_length=64, widget=forms.HiddenInput
        )
        if not self.is_bound:
            self.initial[SUBMISSION_FIELD] = uuid.uuid4().hex

    def submission_key(self) -> str:
        return self.cleaned_data.get(SUBMISSION_FIELD) or ""

    def files_to_choose_again(self, files) -> None:
        """A form that comes back with errors cannot keep the files the person chose (browsers
        do not allow it): say so next to the files, by name, so none is lost unnoticed."""
        names = [upload.name for upload in files if upload]
        if names:
            self.add_error(
                "attachments",
                _("Choose your files again (%(names)s): a form that comes back cannot keep them.")
                % {"names": ", ".join(names)},
            )


class NewRequestForm(SubmittedOnce):
    subject = forms.CharField(
        label=_("Subject"),
        max_length=250,
        widget=forms.TextInput(attrs={"placeholder": _("A short summary of the problem")}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What did you do, what did you expect, what happened instead? Error messages help."
        ),
    )
    product_area = forms.ChoiceField(
        label=_("Product area"),
        required=False,
        choices=[("", _("I don't know")), *ProductArea.choices],
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=CUSTOMER_PRIORITIES, initial=Priority.NORMAL
    )
    attachments = AttachmentsField(
        label=_("Attachments"), help_text=_("Logs, screenshots; executables are refused.")
    )
    # The draft the suggestions shown while typing were recorded against (suggestions app):
    # submitting marks it submitted, so it is not counted as deflected.
    draft = forms.CharField(required=False, max_length=36, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.initial.get("draft"):
            self.initial["draft"] = str(uuid.uuid4())


class PortalReplyForm(SubmittedOnce):
    """A reply, or on a closed request the message that opens its follow-up."""

    body = forms.CharField(
        label=_("Your reply"), max_length=200_000, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachments = AttachmentsField(label=_("Attachments"))

    def __init__(self, *args: Any, closed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if closed:
            self.fields["body"].label = _("Your message")
