"""Search pages: the console's and the portal's."""

from django.urls import path

from tierdesk.search import views

app_name = "search"
urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("portal/search/", views.portal_search, name="portal_search"),
]
