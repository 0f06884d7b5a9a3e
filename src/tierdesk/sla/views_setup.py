"""Pages of service-level setup: calendars and policies."""

urlpatterns: list = []
