"""Forms of the routing pages: a rule's conditions and actions as fields, a person's availability
with a row per shift, and a rule described in words for the list."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tierdesk.accounts.choices import Language, Plan, Region
from tierdesk.accounts.models import SkillGroup
from tierdesk.routing.choices import AssignmentMode, Weekday
from tierdesk.routing.models import RoutingRule
from tierdesk.tickets.choices import Channel, Priority, ProductArea, TicketType

_SPLIT = re.compile(r"[\n,\u3001\uff0c]+")  # commas, also the Japanese and full-width ones
NO_AREA = ("", gettext_lazy("(none yet)"))


def _split(text: str) -> list[str]:
    return [part.strip() for part in _SPLIT.split(text or "") if part.strip()]


def _multiple(label: str, choices: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


def _confidence(label: str) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        min_value=0.0,
        max_value=1.0,
        initial=0.8,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.05"}),
    )


class RuleForm(forms.Form):
    """A routing rule. Every condition left empty matches every ticket."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    stop_processing = forms.BooleanField(
        label=gettext_lazy("Stop processing the rules after this one when it matches"),
        required=False,
    )
    # conditions
    channel = _multiple(gettext_lazy("Channel"), Channel.choices)
    plan = _multiple(gettext_lazy("Organization plan"), Plan.choices)
    region = _multiple(gettext_lazy("Organization region"), Region.choices)
    language = _multiple(gettext_lazy("Language"), Language.choices)
    product_area = _multiple(gettext_lazy("Product area"), [NO_AREA, *ProductArea.choices])
    type = _multiple(gettext_lazy("Type"), TicketType.choices)
    tags = forms.CharField(
        label=gettext_lazy("Any of these tags"),
        required=False,
        help_text=gettext_lazy("Comma-separated."),
    )
    keywords = forms.CharField(
        label=gettext_lazy("Any of these words in the subject or message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One per line or comma-separated; case does not matter."),
    )
    predicted_type = _multiple(gettext_lazy("Predicted type"), TicketType.choices)
    predicted_type_confidence = _confidence(gettext_lazy("with confidence at least"))
    predicted_product_area = _multiple(gettext_lazy("Predicted product area"), ProductArea.choices)
    predicted_product_area_confidence = _confidence(gettext_lazy("with confidence at least"))
    # actions
    set_group = forms.ModelChoiceField(
        label=gettext_lazy("Set group"),
        queryset=SkillGroup.objects.order_by("name"),
        required=False,
    )
    set_priority = forms.ChoiceField(
        label=gettext_lazy("Set priority"), choices=[("", "—"), *Priority.choices], required=False
    )
    set_type = forms.ChoiceField(
        label=gettext_lazy("Set type"), choices=[("", "—"), *TicketType.choices], required=False
    )
    set_product_area = forms.ChoiceField(
        label=gettext_lazy("Set product area"),
        choices=[("", "—"), *ProductArea.choices],
        required=False,
    )
    add_tags = forms.CharField(
        label=gettext_lazy("Add tags"), required=False, help_text=gettext_lazy("Comma-separated.")
    )
    apply_prediction = forms.BooleanField(
        label=gettext_lazy("Set type and product area from the classifier's prediction"),
        required=False,
    )
    apply_prediction_confidence = _confidence(gettext_lazy("when its confidence is at least"))

    CONDITION_FIELDS = ("channel", "plan", "region", "language", "product_area", "type")
    ACTION_FIELDS = {
        "group": "set_group",
        "priority": "set_priority",
        "type": "set_type",
        "product_area": "set_product_area",
        "add_tags": "add_tags",
        "apply_prediction": "apply_prediction",
    }

    @classmethod
    def initial_for(cls, rule: RoutingRule) -> dict[str, Any]:
        c, a = rule.conditions or {}, rule.actions or {}
        initial: dict[str, Any] = {
            "name": rule.name,
            "active": rule.active,
            "stop_processing": rule.stop_processing,
            "tags": ", ".join(c.get("tags", [])),
            "keywords": "\n".join(c.get("keywords", [])),
            "set_group": a.get("group"),
            "set_priority": a.get("priority", ""),
            "set_type": a.get("type", ""),
            "set_product_area": a.get("product_area", ""),
            "add_tags": ", ".join(a.get("add_tags", [])),
            "apply_prediction": "apply_prediction" in a,
        }
        for key in cls.CONDITION_FIELDS:
            initial[key] = c.get(key, [])
        for key in ("predicted_type", "predicted_product_area"):
            if key in c:
                initial[key] = c[key]["values"]
                initial[f"{key}_confidence"] = c[key]["min_confidence"]
        if "apply_prediction" in a:
            initial["apply_prediction_confidence"] = a["apply_prediction"]["min_confidence"]
        return initial

    def conditions(self) -> dict[str, Any]:
        data = self.cleaned_data
        conditions: dict[str, Any] = {k: data[k] for k in self.CONDITION_FIELDS if data.get(k)}
        if tags := _split(data.get("tags", "")):
            conditions["tags"] = tags
        if words := _split(data.get("keywords", "")):
            conditions["keywords"] = words
        for key in ("predicted_type", "predicted_product_area"):
            if data.get(key):
                confidence = data.get(f"{key}_confidence")
                conditions[key] = {
                    "values": data[key],
                    "min_confidence": 0.0 if confidence is None else confidence,
                }
        return conditions

    def actions(self) -> dict[str, Any]:
        data = self.cleaned_data
        actions: dict[str, Any] = {}
        if data.get("set_group"):
            actions["group"] = data["set_group"].pk
        for key in ("priority", "type", "product_area"):
            if data.get(f"set_{key}"):
                actions[key] = data[f"set_{key}"]
        if tags := _split(data.get("add_tags", "")):
            actions["add_tags"] = tags
        if data.get("apply_prediction"):
            confidence = data.get("apply_prediction_confidence")
            actions["apply_prediction"] = {
                "min_confidence": 0.0 if confidence is None else confidence
            }
        return actions

    def service_field_names(self) -> dict[str, str]:
        """The service's field names ("conditions.plan", "actions.group") as this form's."""
        names = {f"conditions.{k}": k for k in self.fields}
        names.update({f"actions.{k}": v for k, v in self.ACTION_FIELDS.items()})
        names["actions"] = "set_group"
        return names


def describe_conditions(rule: RoutingRule) -> list[str]:
    """The rule's conditions in words, one line each."""
    c = rule.conditions or {}
    labels = {
        "channel": (_("Channel"), dict(Channel.choices)),
        "plan": (_("Plan"), dict(Plan.choices)),
        "region": (_("Region"), dict(Region.choices)),
        "language": (_("Language"), dict(Language.choices)),
        "product_area": (_("Product area"), dict([NO_AREA, *ProductArea.choices])),
        "type": (_("Type"), dict(TicketType.choices)),
    }
    lines = []
    for key, (label, names) in labels.items():
        if key in c:
            lines.append(f"{label}: " + ", ".join(str(names.get(v, v)) for v in c[key]))
    if "tags" in c:
        lines.append(_("Tags: %(tags)s") % {"tags": ", ".join(c["tags"])})
    if "keywords" in c:
        lines.append(_("Words: %(words)s") % {"words": ", ".join(c["keywords"])})
    for key, label, names in (
        ("predicted_type", _("Predicted type"), dict(TicketType.choices)),
        ("predicted_product_area", _("Predicted product area"), dict(ProductArea.choices)),
    ):
        if key in c:
            lines.append(
                _("%(label)s: %(values)s (confidence ≥ %(min).2f)")
                % {
                    "label": label,
                    "values": ", ".join(str(names.get(v, v)) for v in c[key]["values"]),
                    "min": c[key]["min_confidence"],
                }
            )
    return lines or [_("Every ticket")]


def describe_actions(rule: RoutingRule, group_names: dict[int, str]) -> list[str]:
    a = rule.actions or {}
    lines = []
    if "group" in a:
        name = group_names.get(a["group"], _("(deleted group)"))
        lines.append(_("Group → %(name)s") % {"name": name})
    for key, label, names in (
        ("priority", _("Priority"), dict(Priority.choices)),
        ("type", _("Type"), dict(TicketType.choices)),
        ("product_area", _("Product area"), dict(ProductArea.choices)),
    ):
        if key in a:
            lines.append(f"{label} → {names.get(a[key], a[key])}")
    if "add_tags" in a:
        lines.append(_("Add tags: %(tags)s") % {"tags": ", ".join(a["add_tags"])})
    if "apply_prediction" in a:
        lines.append(
            _("Type and product area from the prediction (confidence ≥ %(min).2f)")
            % {"min": a["apply_prediction"]["min_confidence"]}
        )
    return lines


class AssignmentForm(forms.Form):
    mode = forms.ChoiceField(label=gettext_lazy("Assignment"), choices=AssignmentMode.choices)


class AvailabilityForm(forms.Form):
    max_open_tickets = forms.IntegerField(
        label=gettext_lazy("Maximum unsolved tickets"), min_value=0, max_value=1000
    )
    away = forms.BooleanField(
        label=gettext_lazy("Away (gets no tickets automatically)"), required=False
    )


class ShiftForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label=gettext_lazy("Day"), choices=[("", "—"), *Weekday.choices], coerce=int, required=False
    )
    start = forms.TimeField(
        label=gettext_lazy("Start"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(
        label=gettext_lazy("End"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        given = [data.get(k) not in (None, "") for k in ("weekday", "start", "end")]
        if any(given) and not all(given):
            raise forms.ValidationError(_("Give the day, the start and the end of the shift."))
        return data


ShiftFormSet = forms.formset_factory(ShiftForm, extra=3, max_num=50)
