"""Widget sites as administrators enter them, the demo's site, the sweep's periodic task, the
ticket page's chat card and the administration pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.utils import timezone

from tierdesk.chat.demo import DEMO_SITE, seed_chat_demo
from tierdesk.chat.models import ChatSession, ChatWidgetSite, normalize_origin
from tierdesk.chat.panels import ticket_panel
from tierdesk.chat.tasks import end_chats_left


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://WWW.Example.com/", "https://www.example.com"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("https://example.com/path", None),
        ("https://example.com?q=1", None),
        ("ftp://example.com", None),
        ("https://user@example.com", None),
        ("example.com", None),
        ("", None),
    ],
)
def test_origins_are_scheme_host_and_port(value, expected):
    assert normalize_origin(value) == expected


def test_a_site_cleans_its_origins_and_refuses_a_path(db):
    site = ChatWidgetSite(
        name="Docs", allowed_origins=["https://Docs.Example.com/", "https://docs.example.com"]
    )
    site.full_clean()
    assert site.allowed_origins == ["https://docs.example.com"]

    bad = ChatWidgetSite(name="Bad", allowed_origins=["https://docs.example.com/help"])
    with pytest.raises(ValidationError) as refused:
        bad.full_clean()
    assert "allowed_origins" in refused.value.message_dict
    with pytest.raises(ValidationError):
        ChatWidgetSite(name="Empty", allowed_origins=[]).full_clean()


def test_the_demo_site_allows_the_desk_itself_once(db, settings):
    settings.TIERDESK_PUBLIC_URL = "http://desk.local:9000"

    seed_chat_demo()
    seed_chat_demo()

    site = ChatWidgetSite.objects.get()
    assert site.name == DEMO_SITE
    assert site.allowed_origins[0] == "http://desk.local:9000"
    assert "http://localhost:8000" in site.allowed_origins


def test_the_periodic_task_ends_chats_left(waiting_chat):
    ChatSession.objects.filter(pk=waiting_chat.pk).update(
        visitor_seen_at=timezone.now() - timedelta(minutes=10)
    )

    assert end_chats_left.call_local() == 1
    assert ChatSession.objects.get(pk=waiting_chat.pk).end_reason == "left"


def test_the_ticket_card_lists_a_chat_tickets_chats_for_staff(waiting_chat, agent, alice, ticket):
    request = RequestFactory().get("/")
    request.user = agent

    panel = ticket_panel(request, waiting_chat.ticket)

    assert panel is not None and panel.context["chats"] == [waiting_chat]
    request.user = alice
    assert ticket_panel(request, waiting_chat.ticket) is None
    request.user = agent
    assert ticket_panel(request, ticket) is None  # a portal ticket


def test_administrators_manage_sites_and_read_chats(admin_user, waiting_chat, site):
    client = Client()
    client.force_login(admin_user)

    sites = client.get("/admin/chat/chatwidgetsite/")
    edit = client.get(f"/admin/chat/chatwidgetsite/{site.pk}/change/")
    chats = client.get("/admin/chat/chatsession/")
    chat = client.get(f"/admin/chat/chatsession/{waiting_chat.pk}/change/")

    assert (sites.status_code, edit.status_code, chats.status_code, chat.status_code) == (200,) * 4
    assert "/chat/widget.js" in edit.content.decode()
    assert waiting_chat.token_hash not in chat.content.decode()
