"""Pages of chat in the console and the portal, and the widget's script, endpoints and stream."""

from django.urls import path

from tierdesk.chat import views, widget

app_name = "chat"
urlpatterns = [
    # Console
    path("chat/", views.waiting, name="waiting"),
    path("chat/waiting/events", views.waiting_events, name="waiting_events"),
    path("chat/<int:chat_id>/", views.detail, name="detail"),
    path("chat/<int:chat_id>/events", views.chat_events, name="events"),
    path("chat/<int:chat_id>/take/", views.take, name="take"),
    path("chat/<int:chat_id>/reply/", views.reply, name="reply"),
    path("chat/<int:chat_id>/end/", views.end, name="end"),
    path("chat/try/", views.try_widget, name="try"),
    # Portal
    path("portal/chat/", views.portal_chat, name="portal"),
    # Widget (cross-site, per-chat secret)
    path("chat/widget.js", widget.widget_script, name="widget_js"),
    path("chat/widget.css", widget.widget_style, name="widget_css"),
    path("chat/widget/config", widget.config, name="widget_config"),
    path("chat/widget/sessions", widget.session_start, name="widget_start"),
    path("chat/widget/sessions/<int:chat_id>", widget.session_detail, name="widget_session"),
    path("chat/widget/sessions/<int:chat_id>/messages", widget.session_line, name="widget_line"),
    path("chat/widget/sessions/<int:chat_id>/end", widget.session_end, name="widget_end"),
    path(
        "chat/widget/sessions/<int:chat_id>/stream-ticket",
        widget.session_stream_ticket,
        name="widget_stream_ticket",
    ),
    path("chat/sessions/<int:chat_id>/events", widget.session_events, name="session_events"),
]
