"""Pages of surveys: the answer form of a signed link, the portal's answer and managers' follow-ups."""

from django.urls import path

from tierdesk.surveys import views

app_name = "surveys"
urlpatterns = [
    path("surveys/follow-ups/", views.follow_up_list, name="follow_ups"),
    path(
        "surveys/follow-ups/<int:task_id>/done/", views.follow_up_done_view, name="follow_up_done"
    ),
    path("surveys/<str:signed>/", views.answer, name="answer"),
]
