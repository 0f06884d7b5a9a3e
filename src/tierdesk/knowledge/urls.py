"""Pages of the knowledge base: the console's article pages and KCS measures, the ticket card's
actions, and the customers' help pages under /portal/help/."""

from django.urls import path

from tierdesk.knowledge import views, views_ticket

app_name = "knowledge"
urlpatterns = [
    path("knowledge/", views.article_list, name="list"),
    path("knowledge/articles/new/", views.article_create, name="create"),
    path("knowledge/articles/lookup/", views.article_lookup, name="lookup"),
    path("knowledge/articles/<int:pk>/", views.article_detail, name="article"),
    path("knowledge/articles/<int:pk>/edit/", views.article_edit, name="edit"),
    path("knowledge/articles/<int:pk>/reply-text/", views_ticket.reply_text, name="reply_text"),
    path("knowledge/articles/<int:pk>/state/", views.article_state, name="state"),
    path("knowledge/articles/<int:pk>/visibility/", views.article_publish, name="visibility"),
    path("knowledge/articles/<int:pk>/translate/", views.article_translate, name="translate"),
    path("knowledge/articles/<int:pk>/flags/", views.article_flag, name="flag"),
    path("knowledge/articles/<int:pk>/versions/", views.version_pick, name="compare_pick"),
    path(
        "knowledge/articles/<int:pk>/versions/<int:a>/<int:b>/",
        views.version_compare,
        name="compare",
    ),
    path("knowledge/flags/<int:flag_id>/resolve/", views.flag_resolve, name="flag_resolve"),
    path("knowledge/measures/", views.measures, name="measures"),
    path("knowledge/measures.csv", views.measures_csv, name="measures_csv"),
    path("tickets/<int:number>/articles/", views_ticket.ticket_link, name="ticket_link"),
    path("tickets/<int:number>/articles/new/", views.article_from_ticket, name="from_ticket"),
    path(
        "tickets/<int:number>/articles/<int:article_id>/unlink/",
        views_ticket.ticket_unlink,
        name="ticket_unlink",
    ),
    path("portal/help/", views_ticket.portal_list, name="portal_list"),
    path("portal/help/<int:pk>/", views_ticket.portal_article, name="portal_article"),
]
