"""Pages of escalation in the agent console."""

from django.urls import path

from tierdesk.escalations import views

app_name = "escalations"
urlpatterns = [
    path("escalations/", views.report, name="report"),
    path("escalations/owned/", views.owned, name="owned"),
    path("escalations/<int:escalation_id>/accept/", views.escalation_accept, name="accept"),
    path("escalations/<int:escalation_id>/return/", views.escalation_return, name="return"),
    path("escalations/<int:escalation_id>/resolve/", views.escalation_resolve, name="resolve"),
    path("escalations/<int:escalation_id>/withdraw/", views.escalation_withdraw, name="withdraw"),
    path("tickets/<int:number>/escalate/", views.escalate, name="escalate"),
    path("tickets/<int:number>/escalation-owner/", views.escalation_owner, name="owner"),
]
