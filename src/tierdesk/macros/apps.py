from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MacrosConfig(AppConfig):
    name = "tierdesk.macros"
    verbose_name = _("Macros and working tools")

    def ready(self) -> None:
        # Connects the @mention hook on internal notes.
        from tierdesk.macros import signals  # noqa: F401
