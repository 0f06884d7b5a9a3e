"""Pages of staffing: the plan per hour of week and its CSV."""

from tierdesk.staffing import views

app_name = "staffing"
urlpatterns = views.urlpatterns
