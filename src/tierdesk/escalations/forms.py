"""Forms of the escalation pages: the package, return, resolve and withdraw, and the complaint
owner."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.models import SkillGroup, User
from tierdesk.escalations.selectors import escalation_managers
from tierdesk.escalations.services import PACKAGE_TEXT_FIELDS, required_fields
from tierdesk.tickets.choices import EscalationFlag
from tierdesk.tickets.models import Attachment, Ticket


class AttachmentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Attachment) -> str:
        return obj.filename


class EscalateForm(forms.Form):
    """The escalation package for the ticket's next tier; which fields are required follows from
    that tier and is shown on each field."""

    group = forms.ModelChoiceField(
        label=_("Receiving group"),
        queryset=SkillGroup.objects.none(),
        required=False,
        empty_label=_("The whole tier"),
    )
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 2}))
    customer_impact = forms.CharField(
        label=_("Customer impact"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who is affected, how badly, any deadline."),
    )
    steps_to_reproduce = forms.CharField(
        label=_("Steps to reproduce"), widget=forms.Textarea(attrs={"rows": 4})
    )
    expected_result = forms.CharField(
        label=_("Expected result"), widget=forms.Textarea(attrs={"rows": 2})
    )
    actual_result = forms.CharField(
        label=_("Actual result"), widget=forms.Textarea(attrs={"rows": 2})
    )
    environment = forms.CharField(
        label=_("Environment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Versions, account, region."),
    )
    tried = forms.CharField(label=_("What was tried"), widget=forms.Textarea(attrs={"rows": 3}))
    links = forms.CharField(
        label=_("Links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One http(s) address per line: status pages, logs, dashboards."),
    )
    attachments = AttachmentChoiceField(
        label=_("Attach files of this ticket"),
        queryset=Attachment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, ticket: Ticket, to_tier: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.to_tier = to_tier
        self.fields["group"].queryset = SkillGroup.objects.filter(tier=to_tier).order_by("name")
        self.fields["attachments"].queryset = ticket.attachments.order_by("created_at", "id")
        needed = set(required_fields(to_tier))
        # The names of the required fields, for the sentence above the form.
        self.required_labels = [
            self.fields[name].label for name in PACKAGE_TEXT_FIELDS if name in needed
        ]
        for name in PACKAGE_TEXT_FIELDS:
            field = self.fields[name]
            # The service decides and names every missing field at once; the browser only hints.
            field.required = False
            if name in needed:
                field.widget.attrs["required"] = True
                field.label = _("%(label)s (required)") % {"label": field.label}
        if not self.fields["attachments"].queryset.exists():
            del self.fields["attachments"]

    def links_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]

    def package(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in PACKAGE_TEXT_FIELDS}
        return {
            **data,
            "links": self.links_list(),
            "attachments": list(self.cleaned_data.get("attachments") or []),
            "group": self.cleaned_data["group"],
        }


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for return"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class FlagForm(forms.Form):
    """The flag for everyone who may flag; the escalation manager only for managers and
    administrators, who alone may name one (one query for the list, none for agents)."""

    flag = forms.ChoiceField(
        label=_("Complaint or incident"),
        choices=[("", _("Neither")), *EscalationFlag.choices],
        required=False,
    )

    def __init__(self, *args: Any, may_name_manager: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if may_name_manager:
            managers = [(str(u.pk), u.display_name) for u in escalation_managers()]
            self.fields["escalation_manager"] = forms.TypedChoiceField(
                label=_("Escalation manager"),
                choices=[("", _("Nobody yet")), *managers],
                coerce=int,
                empty_value=None,
                required=False,
            )

    def chosen_manager(self) -> User | None:
        pk = self.cleaned_data.get("escalation_manager")
        return escalation_managers().filter(pk=pk).first() if pk else None
