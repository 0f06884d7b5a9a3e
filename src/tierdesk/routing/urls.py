"""Pages of routing in the agent console."""

from django.urls import path

from tierdesk.routing import views

app_name = "routing"
urlpatterns = [
    path("routing/rules/", views.rule_list, name="rules"),
    path("routing/rules/new/", views.rule_create, name="rule_create"),
    path("routing/rules/reroute/", views.queue_reroute, name="reroute"),
    path("routing/rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("routing/rules/<int:rule_id>/move/", views.rule_move, name="rule_move"),
    path("routing/rules/<int:rule_id>/toggle/", views.rule_toggle, name="rule_toggle"),
    path("routing/rules/<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
    path("routing/groups/", views.group_list, name="groups"),
    path("routing/groups/<int:group_id>/assignment/", views.group_mode, name="group_mode"),
    path(
        "routing/people/<int:person_id>/availability/",
        views.availability_edit,
        name="availability",
    ),
]
