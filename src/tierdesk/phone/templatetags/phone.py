"""Filters of the phone pages: durations as people say them, shares as percentages."""

from __future__ import annotations

from django import template

from tierdesk.phone.services import duration

register = template.Library()


@register.filter
def call_duration(seconds: int | float | None) -> str:
    """ "45 s", "4 min 12 s", "1 h 3 min"; a dash for no value."""
    return duration(None if seconds is None else round(seconds))


@register.filter
def percent(share: float | None) -> str:
    """0.9123 -> "91.2%"; a dash for no value."""
    return "—" if share is None else f"{share * 100:.1f}%"
