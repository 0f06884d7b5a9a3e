"""The demo desk's chat widget site: the desk's own address, so the widget can be tried from
/chat/try/ and from a page served next to the demo on localhost."""

from __future__ import annotations

from django.conf import settings

from tierdesk.chat.models import ChatWidgetSite, normalize_origin

DEMO_SITE = "Demo website"
DEMO_ORIGINS = ("http://localhost:8000", "http://127.0.0.1:8000", "http://localhost:8080")


def seed_chat_demo() -> None:
    """Creates the demo widget site unless it exists (then leaves it as it is)."""
    origins = []
    for origin in (settings.TIERDESK_PUBLIC_URL, *DEMO_ORIGINS):
        normal = normalize_origin(origin)
        if normal and normal not in origins:
            origins.append(normal)
    ChatWidgetSite.objects.get_or_create(name=DEMO_SITE, defaults={"allowed_origins": origins})
