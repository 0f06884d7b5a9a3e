"""Template filters of measures: a KPI value in its unit."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

from tierdesk.sla.templatetags.sla import sla_duration

register = template.Library()


@register.filter
def kpi_value(value: Any, unit: str) -> str:
    """ "12.5%", "2 h 30 min", "41"; a dash for no value."""
    if value is None or value == "":
        return "—"
    if unit == "percent":
        return f"{number_format(value, 1)}%"
    if unit == "seconds":
        return sla_duration(value)
    if unit == "score":
        return number_format(value, 1)
    return number_format(value, 0)
