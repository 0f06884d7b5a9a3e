from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "tierdesk.sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        # Clocks follow every change to a ticket's history; the tickets app calls its history
        # listeners without knowing this app.
        from tierdesk.sla import pending, signals
        from tierdesk.tickets.events import HISTORY_LISTENERS

        if pending.history_changed not in HISTORY_LISTENERS:
            HISTORY_LISTENERS.append(pending.history_changed)
        # They also follow the plan and region policies match on, kept on the customer's records.
        signals.connect()
