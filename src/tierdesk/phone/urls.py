"""Pages of phone."""

from django.urls import path  # noqa: F401

app_name = "phone"
urlpatterns: list = []
