"""Filters of the service-level pages: durations of business time as people say them, and how
far a due time is."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def sla_duration(seconds: float | None) -> str:
    """ "45 s", "40 min", "1 h 20 min", "27 h": hours are never turned into days, since a day of
    business time is not 24 hours. The sign is dropped (the caller says "overdue"); a dash for no
    value."""
    if seconds is None:
        return "—"
    total = round(abs(seconds))
    if total < 60:
        return _("%(seconds)d s") % {"seconds": total}
    minutes = total // 60
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if not minutes:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}


@register.filter
def sla_due_in(due: datetime | None) -> str:
    """ "due in 40 min" or "overdue by 12 min": clock time to a due time, from now; empty for
    no due time."""
    if due is None:
        return ""
    seconds = (due - timezone.now()).total_seconds()
    if seconds < 0:
        return _("overdue by %(time)s") % {"time": sla_duration(seconds)}
    return _("due in %(time)s") % {"time": sla_duration(seconds)}


@register.filter
def sla_overdue(due: datetime | None) -> bool:
    return due is not None and due < timezone.now()
