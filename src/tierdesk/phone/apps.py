from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PhoneConfig(AppConfig):
    name = "tierdesk.phone"
    verbose_name = _("Phone")

    def ready(self) -> None:
        # Keeps the contacts' normalised numbers in step with their phone field.
        from tierdesk.phone import signals  # noqa: F401
