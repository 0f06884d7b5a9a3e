"""URLs of suggestions: the portal's suggestions as a customer types, and the deflection page."""

from tierdesk.suggestions import views

app_name = "suggestions"
urlpatterns = [*views.urlpatterns]
