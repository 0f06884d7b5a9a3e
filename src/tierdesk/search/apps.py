from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "tierdesk.search"
    verbose_name = _("Search")

    def ready(self) -> None:
        # The index follows every change of a ticket's history and of an article; neither app
        # knows the index.
        from tierdesk.knowledge.events import ARTICLE_LISTENERS
        from tierdesk.search import pending
        from tierdesk.tickets.events import HISTORY_LISTENERS

        if pending.history_changed not in HISTORY_LISTENERS:
            HISTORY_LISTENERS.append(pending.history_changed)
        if pending.articles_changed not in ARTICLE_LISTENERS:
            ARTICLE_LISTENERS.append(pending.articles_changed)
