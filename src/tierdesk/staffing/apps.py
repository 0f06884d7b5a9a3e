"""Staffing: engineers needed per hour of week against the shift plan, and the Erlang C calculator."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffingConfig(AppConfig):
    name = "tierdesk.staffing"
    verbose_name = _("Staffing")
