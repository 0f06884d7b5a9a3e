from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "tierdesk.measures"
    verbose_name = _("Measures and KPIs")

    def ready(self) -> None:
        # The daily rollups count a ticket again whenever its history grows.
        from tierdesk.measures import rollups, signals
        from tierdesk.sla.services import CLOCK_LISTENERS
        from tierdesk.tickets.events import HISTORY_LISTENERS

        if rollups.history_changed not in HISTORY_LISTENERS:
            HISTORY_LISTENERS.append(rollups.history_changed)
        # Stopped SLA clocks are computed after the change that stops them (business time).
        if rollups.clocks_changed not in CLOCK_LISTENERS:
            CLOCK_LISTENERS.append(rollups.clocks_changed)
        signals.connect()
