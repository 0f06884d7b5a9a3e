"""Pages of measures in the agent console."""

from django.urls import path

from tierdesk.measures import views

app_name = "measures"
urlpatterns = [
    path("measures/", views.dashboard, name="dashboard"),
    path("measures/me/", views.engineer_view, name="engineer"),
    path("measures/definitions/", views.definitions_page, name="definitions"),
    path("measures/targets/<int:target_id>/remove/", views.target_remove, name="target_remove"),
    path("measures/kpis.csv", views.kpis_csv, name="kpis_csv"),
]
