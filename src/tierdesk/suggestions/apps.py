from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuggestionsConfig(AppConfig):
    name = "tierdesk.suggestions"
    verbose_name = _("Suggestions and deflection")

    def ready(self) -> None:
        # Article vectors follow every article write; the knowledge app calls its listeners
        # without knowing this app.
        from tierdesk.knowledge.events import ARTICLE_LISTENERS
        from tierdesk.suggestions import vectors

        if vectors.articles_changed not in ARTICLE_LISTENERS:
            ARTICLE_LISTENERS.append(vectors.articles_changed)
