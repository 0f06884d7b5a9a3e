"""Cards other capabilities add to the ticket page (triage suggestion, escalations, engineering
issue, macros), so the ticket page stays one view that knows none of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.module_loading import import_string

from tierdesk.tickets.models import Ticket


@dataclass(frozen=True)
class Panel:
    """One card: the template that draws it, what it needs, and where it goes ("side" or "main",
    below the compose box)."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    place: str = "side"


# Each provider is called as provider(request, ticket) and returns a Panel, or None to show
# nothing (the person may not use it, there is nothing to show).
PANEL_PROVIDERS = (
    "tierdesk.sla.panels.ticket_panel",
    "tierdesk.triage.panels.ticket_panel",
    "tierdesk.escalations.panels.ticket_panel",
    "tierdesk.engineering.panels.ticket_panel",
    "tierdesk.macros.panels.ticket_panel",
    "tierdesk.phone.panels.ticket_panel",
    "tierdesk.mail.panels.ticket_panel",
    "tierdesk.chat.panels.ticket_panel",
    "tierdesk.knowledge.panels.ticket_panel",
    "tierdesk.suggestions.panels.ticket_panel",
)

_providers: list[Callable[[HttpRequest, Ticket], Panel | None]] | None = None


def ticket_panels(request: HttpRequest, ticket: Ticket) -> dict[str, list[Panel]]:
    """The cards for this ticket and person, grouped by place."""
    global _providers
    if _providers is None:
        _providers = [import_string(path) for path in PANEL_PROVIDERS]
    placed: dict[str, list[Panel]] = {"side": [], "main": []}
    for provider in _providers:
        panel = provider(request, ticket)
        if panel is not None:
            placed[panel.place].append(panel)
    return placed
