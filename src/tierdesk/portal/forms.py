"""Forms of the customer portal: a new request, and a reply or follow-up."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.tickets.choices import Priority, ProductArea
from tierdesk.web.forms import MultipleFileField

# Customers say how much it hurts; "urgent" is the desk's call, made on the ticket.
CUSTOMER_PRIORITIES = [(p.value, p.label) for p in (Priority.LOW, Priority.NORMAL, Priority.HIGH)]


class NewRequestForm(forms.Form):
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
    attachments = MultipleFileField(
        label=_("Attachments"), help_text=_("Logs, screenshots; executables are refused.")
    )


class PortalReplyForm(forms.Form):
    """A reply, or on a closed request the message that opens its follow-up."""

    body = forms.CharField(
        label=_("Your reply"), max_length=200_000, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args: Any, closed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if closed:
            self.fields["body"].label = _("Your message")
