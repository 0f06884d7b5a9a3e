"""Pages of the working tools in the agent console."""

from django.urls import path

from tierdesk.macros import views

app_name = "macros"
urlpatterns = [
    path("macros/", views.macro_list, name="list"),
    path("macros/new/", views.macro_create, name="create"),
    path("macros/<int:macro_id>/", views.macro_edit, name="edit"),
    path("tickets/<int:number>/macros/preview/", views.macro_preview, name="preview"),
    path("tickets/<int:number>/macros/apply/", views.macro_apply, name="apply"),
    path("tickets/<int:number>/merge/", views.ticket_merge_view, name="merge"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/unread-count/", views.notification_count, name="unread_count"),
    path("notifications/read-all/", views.notification_read_all, name="read_all"),
    path("notifications/<int:notification_id>/read/", views.notification_open, name="read"),
]
