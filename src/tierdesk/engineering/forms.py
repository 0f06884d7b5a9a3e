"""Forms of the engineering pages: a connector, with secrets that are typed in but never shown."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.choices import Tier
from tierdesk.accounts.models import SkillGroup
from tierdesk.engineering.choices import ConnectorKind, JiraApiVersion
from tierdesk.engineering.models import SECRET_FIELDS, Connector

SECRET_HELP = _("Set. Leave empty to keep it; tick “clear” to remove it.")
UNSET_HELP = _("Not set.")


class ConnectorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=ConnectorKind.choices)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    groups = forms.ModelMultipleChoiceField(
        label=_("Skill groups served"),
        queryset=SkillGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=Connector._meta.get_field("groups").help_text,
    )
    is_default = forms.BooleanField(
        label=_("Default connector"),
        required=False,
        help_text=Connector._meta.get_field("is_default").help_text,
    )
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        required=False,
        help_text=Connector._meta.get_field("url").help_text,
    )
    username = forms.CharField(
        label=_("User"),
        max_length=200,
        required=False,
        help_text=Connector._meta.get_field("username").help_text,
    )
    token = forms.CharField(
        label=_("API token"), max_length=500, required=False, widget=forms.PasswordInput
    )
    project = forms.CharField(
        label=_("Project"),
        max_length=200,
        required=False,
        help_text=Connector._meta.get_field("project").help_text,
    )
    issue_type = forms.CharField(
        label=_("Issue type"), max_length=100, required=False, initial="Bug"
    )
    jira_api_version = forms.TypedChoiceField(
        label=_("Jira API version"), choices=JiraApiVersion.choices, coerce=int, initial=3
    )
    labels = forms.CharField(label=_("Labels"), required=False, help_text=_("Separated by commas."))
    signing_secret = forms.CharField(
        label=_("Signing secret"), max_length=200, required=False, widget=forms.PasswordInput
    )
    inbound_secret = forms.CharField(
        label=_("Inbound secret"), max_length=200, required=False, widget=forms.PasswordInput
    )
    status_map = forms.CharField(
        label=_("Status mapping"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("JSON: tracker status (lower case) → open, in_progress, fixed or wont_fix."),
    )
    clear_token = forms.BooleanField(label=_("clear"), required=False)
    clear_signing_secret = forms.BooleanField(label=_("clear"), required=False)
    clear_inbound_secret = forms.BooleanField(label=_("clear"), required=False)

    def __init__(self, *args: Any, connector: Connector | None = None, **kwargs: Any) -> None:
        self.connector = connector
        if connector is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": connector.name,
                "kind": connector.kind,
                "active": connector.active,
                "groups": [group.pk for group in connector.groups.all()],
                "is_default": connector.is_default,
                "url": connector.url,
                "username": connector.username,
                "project": connector.project,
                "issue_type": connector.issue_type,
                "jira_api_version": connector.jira_api_version,
                "labels": ", ".join(connector.labels or []),
                "status_map": json.dumps(connector.status_map, indent=2, ensure_ascii=False),
            }
        super().__init__(*args, **kwargs)
        groups = self.fields["groups"]
        assert isinstance(groups, forms.ModelMultipleChoiceField)
        groups.queryset = SkillGroup.objects.filter(tier=Tier.ENGINEERING).order_by("name")
        for name in SECRET_FIELDS:
            is_set = connector is not None and bool(getattr(connector, name))
            self.fields[name].help_text = SECRET_HELP if is_set else UNSET_HELP
            if not is_set:
                del self.fields[f"clear_{name}"]

    def clean_labels(self) -> list[str]:
        return [label.strip() for label in self.cleaned_data["labels"].split(",") if label.strip()]

    def clean_status_map(self) -> Any:
        text = self.cleaned_data["status_map"].strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(
                _("This is not valid JSON: %(error)s") % {"error": error}
            ) from None

    def changes(self) -> dict[str, Any]:
        """The fields for the service: secrets left empty are kept, unless "clear" is ticked."""
        data = dict(self.cleaned_data)
        for name in SECRET_FIELDS:
            clear = data.pop(f"clear_{name}", False)
            if clear:
                data[name] = ""
            elif not data.get(name):
                data.pop(name, None)
        if data.get("status_map") is None:
            data.pop("status_map", None)
        data["groups"] = list(data.get("groups") or [])
        return data
