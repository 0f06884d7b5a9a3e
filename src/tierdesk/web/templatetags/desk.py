"""Template helpers of the pages: short relative times, customer-facing status words and the
hidden "value as shown" a form field carries."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.forms import BoundField
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from tierdesk.tickets.choices import Status

register = template.Library()


@register.filter
def ago(value: datetime | None) -> str:
    """ "3 hours ago": one unit only, which is all a busy table has room for."""
    if not value:
        return ""
    if (timezone.now() - value).total_seconds() < 60:
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(value, depth=1)}


@register.filter
def customer_status(status: str) -> str:
    """The status as a requester understands it: whose move it is, not the desk's workflow."""
    if status in {Status.NEW, Status.OPEN, Status.ON_HOLD}:
        return _("Open")
    if status == Status.PENDING:
        return _("Awaiting your reply")
    return Status(status).label if status in Status.values else status


@register.filter
def hidden_initial(field: BoundField) -> SafeString:
    """The hidden copy of the value the field showed, which a form with show_hidden_initial
    compares the posted value with (Django renders it only for its own widget templates)."""
    return field.as_hidden(only_initial=True)
