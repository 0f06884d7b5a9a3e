from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "tierdesk.mail"
    verbose_name = _("Email")

    def ready(self) -> None:
        # Queues the email of each public reply the desk writes.
        from tierdesk.mail import signals  # noqa: F401
