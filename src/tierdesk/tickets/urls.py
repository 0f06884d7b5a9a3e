"""URLs of the agent console."""

from django.urls import path

from tierdesk.tickets import views

app_name = "tickets"
urlpatterns = [
    path("tickets/", views.ticket_list, name="list"),
    path("tickets/<int:number>/", views.ticket_detail, name="detail"),
    path("tickets/<int:number>/reply/", views.ticket_reply, name="reply"),
    path("tickets/<int:number>/follow-up/", views.ticket_follow_up, name="follow_up"),
    path("tickets/<int:number>/note/", views.ticket_note, name="note"),
    path("tickets/<int:number>/properties/", views.ticket_properties, name="properties"),
    path("tickets/<int:number>/claim/", views.ticket_claim, name="claim"),
    path("tickets/<int:number>/restrict/", views.ticket_restrict, name="restrict"),
    path("tickets/<int:number>/share/", views.ticket_share, name="share"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
