"""Pages of this capability in the agent console."""

from django.urls import path

from tierdesk.engineering import views

app_name = "engineering"
urlpatterns = [
    path("engineering/connectors/", views.connector_list, name="connectors"),
    path("engineering/connectors/<int:connector_id>/", views.connector_edit, name="connector"),
    path("engineering/deliveries/", views.delivery_list, name="deliveries"),
    path(
        "engineering/deliveries/<int:delivery_id>/retry/",
        views.delivery_retry,
        name="delivery_retry",
    ),
]
