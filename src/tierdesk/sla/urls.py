"""Pages of service levels: attainment, and the setup of calendars and policies."""

from tierdesk.sla import views, views_setup

app_name = "sla"
urlpatterns = [*views.urlpatterns, *views_setup.urlpatterns]
