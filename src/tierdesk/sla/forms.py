"""Forms of the SLA setup pages: a policy with a row per metric, a calendar with its weekly spans
and a date of its own, and policies described in words for the list. The forms only gather what
was typed; sla.setup is the one that checks it, and its refusals land next to these fields."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tierdesk.accounts.choices import Plan, Region
from tierdesk.accounts.models import Organization
from tierdesk.core.errors import ValidationFailed
from tierdesk.sla.calendar import WEEKDAYS
from tierdesk.sla.choices import Metric
from tierdesk.sla.models import BusinessCalendar, SlaPolicy, SlaTarget
from tierdesk.sla.setup import time_zone_names
from tierdesk.sla.setup_selectors import holiday_countries, weekly_hours
from tierdesk.tickets.choices import Channel, Priority
from tierdesk.web.forms import add_service_errors

_SPLIT = re.compile(r"[\n,\u3001\uff0c]+")  # commas, also the Japanese and full-width ones
TIME_INPUT = forms.TimeInput(attrs={"type": "time"})

UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86_400}
UNIT_CHOICES = [
    ("seconds", gettext_lazy("seconds")),
    ("minutes", gettext_lazy("minutes")),
    ("hours", gettext_lazy("hours")),
    ("days", gettext_lazy("days")),
]
DAY_NAMES = {
    "mon": gettext_lazy("Monday"),
    "tue": gettext_lazy("Tuesday"),
    "wed": gettext_lazy("Wednesday"),
    "thu": gettext_lazy("Thursday"),
    "fri": gettext_lazy("Friday"),
    "sat": gettext_lazy("Saturday"),
    "sun": gettext_lazy("Sunday"),
}


def _split(text: str) -> list[str]:
    return [part.strip() for part in _SPLIT.split(text or "") if part.strip()]


def _multiple(label: Any, choices: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


def split_seconds(seconds: int) -> tuple[int, str]:
    """A duration as the largest unit it is a whole number of: 5400 → (90, "minutes")."""
    for unit in ("days", "hours", "minutes"):
        if seconds and seconds % UNITS[unit] == 0:
            return seconds // UNITS[unit], unit
    return seconds, "seconds"


def percent(value: Decimal) -> str:
    """90.00 as "90", 99.50 as "99.5"."""
    return format(value.normalize(), "f")


def _time_input_value(value: str) -> str:
    # A time input cannot show 24:00; as an end, 00:00 means the same midnight.
    return "00:00" if value == "24:00" else value


def _hhmm(value: str) -> str:
    # Browsers may send a time input's value with seconds ("09:00:00").
    value = (value or "").strip()
    return value[:5] if re.fullmatch(r"\d\d:\d\d:\d\d", value) else value


def disable(*forms_: forms.Form) -> None:
    """Shows the forms read-only (a manager reads the setup)."""
    for form in forms_:
        for field in form.fields.values():
            field.disabled = True


# --- policies -----------------------------------------------------------------------------------


class _ChoicesForm(forms.Form):
    def _choices(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field


class PolicyForm(_ChoicesForm):
    """An SLA policy's name, conditions and calendar; its targets are TargetFormSet's rows."""

    name = forms.CharField(label=gettext_lazy("Name"), required=False)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    plans = _multiple(gettext_lazy("Organization plan"), Plan.choices)
    channels = _multiple(gettext_lazy("Channel"), Channel.choices)
    priorities = _multiple(gettext_lazy("Priority"), Priority.choices)
    organizations = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Organizations"),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    tags = forms.CharField(
        label=gettext_lazy("Any of these tags"),
        required=False,
        help_text=gettext_lazy("Comma-separated."),
    )
    calendar = forms.TypedChoiceField(
        label=gettext_lazy("Business hours of"), coerce=int, empty_value=None, required=False
    )
    pause_on_hold = forms.BooleanField(
        label=gettext_lazy("Pause resolution and update clocks while the ticket is on hold"),
        required=False,
    )
    position = forms.TypedChoiceField(
        label=gettext_lazy("Place in the order"), coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args: Any, policy: SlaPolicy | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("organizations").choices = list(
            Organization.objects.order_by("name").values_list("pk", "name")
        )
        self._choices("calendar").choices = [
            ("", _("The calendar of the customer's region")),
            *BusinessCalendar.objects.order_by("name").values_list("pk", "name"),
        ]
        if policy is not None:
            del self.fields["position"]
        else:
            others = list(
                SlaPolicy.objects.order_by("position", "id").values_list("name", flat=True)
            )
            self._choices("position").choices = [
                ("", _("Last, after every other policy")),
                *(
                    (place, _("Before %(name)s") % {"name": name})
                    for place, name in enumerate(others, start=1)
                ),
            ]

    @staticmethod
    def initial_for(policy: SlaPolicy) -> dict[str, Any]:
        return {
            "name": policy.name,
            "description": policy.description,
            "active": policy.active,
            "plans": policy.plans,
            "channels": policy.channels,
            "priorities": policy.priorities,
            "organizations": [o.pk for o in policy.organizations.all()],
            "tags": ", ".join(policy.tags or []),
            "calendar": policy.calendar_id or "",
            "pause_on_hold": policy.pause_on_hold,
        }

    def fields_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {
            key: data[key]
            for key in (
                "name",
                "description",
                "active",
                "plans",
                "channels",
                "priorities",
                "organizations",
                "calendar",
                "pause_on_hold",
            )
        }
        fields["tags"] = _split(data.get("tags", ""))
        return fields


class TargetForm(forms.Form):
    """One metric's target; an empty amount means the policy makes no promise on it."""

    metric = forms.ChoiceField(choices=Metric.choices, widget=forms.HiddenInput)
    amount = forms.IntegerField(
        label=gettext_lazy("Within"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "class": "amount"}),
    )
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), choices=UNIT_CHOICES, initial="hours")
    clock = forms.ChoiceField(
        label=gettext_lazy("Counted in"),
        choices=[
            ("business", gettext_lazy("business hours")),
            ("calendar", gettext_lazy("calendar time")),
        ],
    )
    goal_percent = forms.DecimalField(
        label=gettext_lazy("Goal (%)"),
        required=False,
        initial=90,
        widget=forms.NumberInput(attrs={"step": "0.5", "class": "amount"}),
    )
    warn_amount = forms.IntegerField(
        label=gettext_lazy("Warn before"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "class": "amount"}),
    )
    warn_unit = forms.ChoiceField(
        label=gettext_lazy("Unit"), choices=UNIT_CHOICES, initial="minutes"
    )
    notify = forms.BooleanField(label=gettext_lazy("Notify"), required=False, initial=True)
    breach_priority = forms.ChoiceField(
        label=gettext_lazy("On breach, raise priority to"),
        choices=[("", "—"), *Priority.choices],
        required=False,
    )
    breach_notify_managers = forms.BooleanField(
        label=gettext_lazy("On breach, notify managers"), required=False
    )

    SERVICE_FIELDS = {
        "seconds": "amount",
        "business_hours": "clock",
        "goal_percent": "goal_percent",
        "warn_before_seconds": "warn_amount",
        "notify": "notify",
        "breach_priority": "breach_priority",
        "breach_notify_managers": "breach_notify_managers",
    }

    @property
    def metric_label(self) -> str:
        metric = self["metric"].value()
        return str(dict(Metric.choices).get(metric, metric))

    @staticmethod
    def initial_for(metric: str, target: SlaTarget | None) -> dict[str, Any]:
        if target is None:
            return {"metric": metric, "notify": True, "goal_percent": 90, "clock": "business"}
        amount, unit = split_seconds(target.seconds)
        warn, warn_unit = split_seconds(target.warn_before_seconds)
        return {
            "metric": metric,
            "amount": amount,
            "unit": unit,
            "clock": "business" if target.business_hours else "calendar",
            "goal_percent": percent(target.goal_percent),
            "warn_amount": warn or None,
            "warn_unit": warn_unit if warn else "minutes",
            "notify": target.notify,
            "breach_priority": target.breach_priority,
            "breach_notify_managers": target.breach_notify_managers,
        }

    def target(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if data.get("amount") is None:
            return None
        warn = data.get("warn_amount")
        goal = data.get("goal_percent")
        return {
            "metric": data["metric"],
            "seconds": data["amount"] * UNITS[data["unit"]],
            "business_hours": data["clock"] == "business",
            "goal_percent": 90 if goal is None else goal,
            "warn_before_seconds": (warn or 0) * UNITS[data["warn_unit"]],
            "notify": data["notify"],
            "breach_priority": data["breach_priority"],
            "breach_notify_managers": data["breach_notify_managers"],
        }


BaseTargetFormSet = forms.formset_factory(TargetForm, extra=0, max_num=len(Metric.values))


class TargetFormSet(BaseTargetFormSet):  # type: ignore[valid-type,misc]
    """A row for each metric, in the order a ticket meets them."""

    def __init__(self, data: Any = None, *, policy: SlaPolicy | None = None) -> None:
        targets = {t.metric: t for t in policy.targets.all()} if policy is not None else {}
        initial = [TargetForm.initial_for(m, targets.get(m)) for m in Metric.values]
        super().__init__(data, prefix="targets", initial=initial)
        self.rows: list[int] = []

    def targets(self) -> list[dict[str, Any]]:
        """The rows with an amount, as the service takes them; remembers which row each is."""
        chosen = []
        self.rows = []
        for index, form in enumerate(self.forms):
            target = form.target()
            if target is not None:
                chosen.append(target)
                self.rows.append(index)
        return chosen

    def add_service_errors(self, error: ValidationFailed) -> dict[str, list[str]]:
        """Puts refusals of "targets.<n>.<field>" on their row and field; returns the rest."""
        rest: dict[str, list[str]] = {}
        for field, reasons in error.errors.items():
            match = re.fullmatch(r"targets\.(\d+)(?:\.(\w+))?", field)
            if not match or int(match[1]) >= len(self.rows):
                rest[field] = reasons
                continue
            form = self.forms[self.rows[int(match[1])]]
            name = TargetForm.SERVICE_FIELDS.get(match[2] or "")
            form.add_error(name, list(reasons))
        return rest


def add_policy_errors(form: PolicyForm, targets: TargetFormSet, error: ValidationFailed) -> None:
    rest = targets.add_service_errors(error)
    add_service_errors(form, ValidationFailed(rest))


# --- calendars ----------------------------------------------------------------------------------


class CalendarForm(_ChoicesForm):
    """A calendar, with a start and an end field for each span of each weekday
    ("mon_0_start", "mon_0_end", ...)."""

    name = forms.CharField(label=gettext_lazy("Name"), required=False)
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"))
    around_the_clock = forms.BooleanField(
        label=gettext_lazy("Around the clock (every hour of every day)"), required=False
    )
    holiday_country = forms.ChoiceField(label=gettext_lazy("Public holidays of"), required=False)
    holiday_subdivision = forms.CharField(
        label=gettext_lazy("State or province"),
        required=False,
        help_text=gettext_lazy("Its code, e.g. NY or CA; empty: the country's holidays only."),
    )
    regions = _multiple(gettext_lazy("Customers in these regions"), Region.choices)
    is_default = forms.BooleanField(
        label=gettext_lazy("Default: for customers whose region no calendar serves"),
        required=False,
    )
    # Never shown: it carries the service's refusal of the weekly hours to the hours table.
    hours = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        initial: dict[str, Any] | None = None,
        add_span: str = "",
    ) -> None:
        super().__init__(data, initial=initial)
        self._choices("time_zone").choices = [(z, z) for z in time_zone_names()]
        self._choices("holiday_country").choices = [
            ("", _("None")),
            *((code, f"{name} ({code})") for code, name in holiday_countries()),
        ]
        self.spans: dict[str, int] = {}
        weekly = (initial or {}).get("weekly", {})
        for day in WEEKDAYS:
            if data is not None:
                indexes = [
                    int(m[1]) for key in data if (m := re.fullmatch(rf"{day}_(\d+)_start", key))
                ]
                count = max(indexes, default=-1) + 1
            else:
                count = len(weekly.get(day, []))
            count = max(count, 1) + (1 if add_span == day else 0)
            self.spans[day] = min(count, 12)
            for index in range(self.spans[day]):
                span = weekly.get(day, [])[index] if index < len(weekly.get(day, [])) else None
                for part, value in (("start", 0), ("end", 1)):
                    self.fields[f"{day}_{index}_{part}"] = forms.CharField(
                        label=_("Start") if part == "start" else _("End"),
                        required=False,
                        widget=TIME_INPUT,
                        initial=_time_input_value(span[value]) if span else "",
                    )

    @staticmethod
    def initial_for(calendar: BusinessCalendar) -> dict[str, Any]:
        return {
            "name": calendar.name,
            "time_zone": calendar.time_zone,
            "around_the_clock": calendar.around_the_clock,
            "holiday_country": calendar.holiday_country,
            "holiday_subdivision": calendar.holiday_subdivision,
            "regions": calendar.regions,
            "is_default": calendar.is_default,
            "weekly": weekly_hours(calendar),
        }

    def day_rows(self) -> Iterator[tuple[str, str, list[tuple[Any, Any]]]]:
        """(day, its name, [(start field, end field), ...]) for the template."""
        for day in WEEKDAYS:
            spans = [
                (self[f"{day}_{i}_start"], self[f"{day}_{i}_end"]) for i in range(self.spans[day])
            ]
            yield day, str(DAY_NAMES[day]), spans

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for day in WEEKDAYS:
            for index in range(self.spans[day]):
                start, end = (_hhmm(data.get(f"{day}_{index}_{p}", "")) for p in ("start", "end"))
                if bool(start) != bool(end):
                    self.add_error(
                        f"{day}_{index}_{'end' if start else 'start'}",
                        _("Give both the start and the end, or neither."),
                    )
        return data

    def weekly(self) -> dict[str, list[list[str]]]:
        data = self.cleaned_data
        weekly: dict[str, list[list[str]]] = {}
        for day in WEEKDAYS:
            for index in range(self.spans[day]):
                start, end = (_hhmm(data.get(f"{day}_{index}_{p}", "")) for p in ("start", "end"))
                if start or end:
                    weekly.setdefault(day, []).append([start, end])
        return weekly

    def fields_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {
            key: data[key]
            for key in (
                "name",
                "time_zone",
                "around_the_clock",
                "holiday_country",
                "holiday_subdivision",
                "regions",
                "is_default",
            )
        }
        fields["hours"] = self.weekly()
        return fields


class CalendarDateForm(forms.Form):
    """A date of the calendar's own: closed, or open from start to end."""

    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    name = forms.CharField(label=gettext_lazy("Name"), required=False)
    start = forms.CharField(label=gettext_lazy("Open from"), required=False, widget=TIME_INPUT)
    end = forms.CharField(label=gettext_lazy("until"), required=False, widget=TIME_INPUT)

    SERVICE_FIELDS = {"hours": "start"}

    def hours(self) -> list[list[str]]:
        start, end = _hhmm(self.cleaned_data["start"]), _hhmm(self.cleaned_data["end"])
        return [[start, end]] if start or end else []


# --- in words -----------------------------------------------------------------------------------


def duration(seconds: int) -> str:
    """A target's time the way people say it: "30 s", "1 h 30 min", "2 d"."""
    if seconds < 60:
        return _("%(n)d s") % {"n": seconds}
    parts = []
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        parts.append(_("%(n)d d") % {"n": days})
    if hours:
        parts.append(_("%(n)d h") % {"n": hours})
    if minutes:
        parts.append(_("%(n)d min") % {"n": minutes})
    if secs:
        parts.append(_("%(n)d s") % {"n": secs})
    return " ".join(parts)


def describe_conditions(policy: SlaPolicy) -> list[str]:
    """The policy's conditions in words, one line each."""
    lines = []
    for key, label, names in (
        ("plans", _("Plan"), dict(Plan.choices)),
        ("channels", _("Channel"), dict(Channel.choices)),
        ("priorities", _("Priority"), dict(Priority.choices)),
    ):
        values = getattr(policy, key) or []
        if values:
            lines.append(f"{label}: " + ", ".join(str(names.get(v, v)) for v in values))
    organizations = [o.name for o in policy.organizations.all()]
    if organizations:
        lines.append(_("Organization: %(names)s") % {"names": ", ".join(organizations)})
    if policy.tags:
        lines.append(_("Any of the tags: %(tags)s") % {"tags": ", ".join(policy.tags)})
    return lines or [_("Every ticket")]


def matches_everything(policy: SlaPolicy) -> bool:
    return not (
        policy.plans
        or policy.channels
        or policy.priorities
        or policy.tags
        or policy.organizations.all()
    )


def describe_target(target: SlaTarget) -> str:
    clock = _("business hours") if target.business_hours else _("calendar time")
    parts = [
        _("%(metric)s within %(time)s (%(clock)s)")
        % {"metric": target.get_metric_display(), "time": duration(target.seconds), "clock": clock},
        _("goal %(goal)s%%") % {"goal": percent(target.goal_percent)},
    ]
    if target.warn_before_seconds:
        parts.append(_("warn %(time)s before") % {"time": duration(target.warn_before_seconds)})
    if target.breach_priority:
        parts.append(
            _("on breach priority → %(priority)s")
            % {"priority": target.get_breach_priority_display()}
        )
    if target.breach_notify_managers:
        parts.append(_("on breach notify managers"))
    if not target.notify:
        parts.append(_("no notifications"))
    return "; ".join(parts)
