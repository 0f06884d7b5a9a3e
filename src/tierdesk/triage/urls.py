"""Pages of triage in the agent console."""

from django.urls import path

from tierdesk.triage import views

app_name = "triage"
urlpatterns = [
    path("triage/", views.model_page, name="model"),
    path("triage/train/", views.model_train, name="train"),
    path("tickets/<int:number>/triage/apply/", views.suggestion_apply, name="apply"),
]
