"""Forms of the macro pages and the ticket page's working-tools card."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.models import SkillGroup
from tierdesk.macros.choices import MacroKind, MacroScope
from tierdesk.macros.models import Macro
from tierdesk.macros.services import MACRO_STATUSES
from tierdesk.tickets.choices import Priority, ProductArea, Status, TicketType

NO_CHANGE = [("", _("— no change —"))]


def _tags(text: str) -> list[str]:
    return [t.strip() for t in text.replace("\n", ",").split(",") if t.strip()]


class MacroForm(forms.Form):
    """A macro: who shares it, what it writes, and the fields it changes."""

    name = forms.CharField(label=_("Name"), max_length=120)
    scope = forms.ChoiceField(label=_("Shared with"), choices=MacroScope.choices)
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=SkillGroup.objects.order_by("name"), required=False
    )
    kind = forms.ChoiceField(label=_("Writes"), choices=MacroKind.choices)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Placeholders: {{ ticket.number }}, {{ ticket.subject }}, {{ requester.first_name }}, "
            "{{ requester.name }}, {{ organization.name }}, {{ agent.first_name }}, "
            "{{ agent.name }}."
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=NO_CHANGE + [(s, Status(s).label) for s in MACRO_STATUSES],
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=NO_CHANGE + Priority.choices
    )
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=NO_CHANGE + TicketType.choices
    )
    product_area = forms.ChoiceField(
        label=_("Product area"), required=False, choices=NO_CHANGE + ProductArea.choices
    )
    tags_add = forms.CharField(
        label=_("Add tags"), required=False, help_text=_("Separated by commas.")
    )
    tags_remove = forms.CharField(
        label=_("Remove tags"), required=False, help_text=_("Separated by commas.")
    )
    set_group = forms.ModelChoiceField(
        label=_("Move to group"),
        queryset=SkillGroup.objects.order_by("name"),
        required=False,
        empty_label=_("— no change —"),
    )
    assignee = forms.ChoiceField(
        label=_("Assignee"),
        required=False,
        choices=[
            *NO_CHANGE,
            ("me", _("Me (who applies it)")),
            ("none", _("Nobody (to the queue)")),
        ],
    )

    # Form fields that are field changes, and their key in Macro.changes.
    CHANGE_FIELDS = {
        "status": "status",
        "priority": "priority",
        "type": "type",
        "product_area": "product_area",
        "assignee": "assignee",
    }

    def __init__(self, *args: Any, macro: Macro | None = None, **kwargs: Any) -> None:
        if macro is not None and "initial" not in kwargs:
            changes = macro.changes or {}
            kwargs["initial"] = {
                "name": macro.name,
                "scope": macro.scope,
                "group": macro.group_id,
                "kind": macro.kind,
                "body": macro.body,
                **{f: changes.get(k, "") for f, k in self.CHANGE_FIELDS.items()},
                "tags_add": ", ".join(changes.get("tags_add", [])),
                "tags_remove": ", ".join(changes.get("tags_remove", [])),
                "set_group": changes.get("group"),
            }
        super().__init__(*args, **kwargs)

    def fields_for_service(self) -> dict[str, Any]:
        """The cleaned form as macro_create and macro_update take it."""
        data = self.cleaned_data
        changes: dict[str, Any] = {
            key: data[field] for field, key in self.CHANGE_FIELDS.items() if data.get(field)
        }
        for key in ("tags_add", "tags_remove"):
            if _tags(data.get(key, "")):
                changes[key] = _tags(data[key])
        if data.get("set_group") is not None:
            changes["group"] = data["set_group"].pk
        return {
            "name": data["name"],
            "scope": data["scope"],
            "group": data["group"] if data["scope"] == MacroScope.GROUP else None,
            "kind": data["kind"],
            "body": data["body"],
            "changes": changes,
        }


class MergeForm(forms.Form):
    into = forms.IntegerField(label=_("Merge this ticket into #"), min_value=1, max_value=2**63 - 1)
