"""URLs of the customer portal."""

from django.urls import path

from tierdesk.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.ticket_new, name="new"),
    path("tickets/<int:number>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:number>/reply/", views.ticket_reply, name="reply"),
    path("tickets/<int:number>/status/", views.ticket_status, name="status"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
