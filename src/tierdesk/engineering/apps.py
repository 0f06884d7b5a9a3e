from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngineeringConfig(AppConfig):
    name = "tierdesk.engineering"
    verbose_name = _("Engineering link")
