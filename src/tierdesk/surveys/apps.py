from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "tierdesk.surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        # A solve is a status change in a ticket's history; the tickets app calls its history
        # listeners without knowing this app.
        from tierdesk.surveys import services
        from tierdesk.tickets.events import HISTORY_LISTENERS

        if services.history_changed not in HISTORY_LISTENERS:
            HISTORY_LISTENERS.append(services.history_changed)
