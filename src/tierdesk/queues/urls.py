"""Pages of queues in the agent console: the work pages, claiming from the queue, releasing."""

from django.urls import path

from tierdesk.queues import views

app_name = "queues"
urlpatterns = [
    path("work/portfolio/", views.portfolio, name="portfolio"),
    path("work/queue/", views.queue, name="queue"),
    path("work/queue/<int:number>/claim/", views.claim, name="claim"),
    path("work/escalated/", views.escalated, name="escalated"),
    path("tickets/<int:number>/release/", views.release, name="release"),
]
