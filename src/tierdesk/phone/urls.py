"""Pages of phone in the agent console."""

from django.urls import path

from tierdesk.phone import views

app_name = "phone"
urlpatterns = [
    path("phone/", views.console, name="console"),
]
