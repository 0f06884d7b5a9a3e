"""Pages of mail: inbound mail and the support addresses."""

from django.urls import path

from tierdesk.mail import views, views_outbound

app_name = "mail"
urlpatterns = [
    path("mail/", views.inbound_list, name="inbound"),
    path("mail/upload/", views.inbound_upload, name="inbound_upload"),
    path("mail/<int:inbound_id>/", views.inbound_detail, name="inbound_detail"),
    path("mail/<int:inbound_id>/raw/", views.inbound_raw, name="inbound_raw"),
    path("mail/<int:inbound_id>/reprocess/", views.inbound_reprocess, name="inbound_reprocess"),
    path("mail/<int:inbound_id>/accept/", views.inbound_accept, name="inbound_accept"),
    path("mail/addresses/", views.address_list, name="addresses"),
    path("mail/addresses/<int:address_id>/", views.address_edit, name="address"),
    *views_outbound.urlpatterns,
]
