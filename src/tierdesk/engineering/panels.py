"""This capability's card on the ticket page: the ticket's engineering issues, their status,
history and last delivery, and any tier-3 escalation no connector took."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from tierdesk.engineering.choices import IssueStatus
from tierdesk.engineering.selectors import is_engineering_admin, ticket_engineering_card
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.panels import Panel


@dataclass(frozen=True)
class HistoryLine:
    """One step of an issue's status history, ready for the page: `at` is aware (None when the
    stored time cannot be read) and `label` is the status in the reader's language."""

    at: datetime | None
    status: str
    label: str
    tracker_status: str


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from a stored ISO 8601 time; a time stored without an offset is UTC.
    None for anything else."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


def status_label(status: str) -> str:
    """The status's label (e.g. "In progress"); an unknown code is shown as it is."""
    return str(IssueStatus(status).label) if status in IssueStatus.values else status


def history_lines(history: Any) -> list[HistoryLine]:
    """An issue's stored history as lines for the page, skipping entries that are not objects."""
    lines = []
    for entry in history if isinstance(history, list) else []:
        if not isinstance(entry, dict):
            continue
        status = str(entry.get("status") or "")
        lines.append(
            HistoryLine(
                at=parse_time(entry.get("at")),
                status=status,
                label=status_label(status),
                tracker_status=str(entry.get("tracker_status") or ""),
            )
        )
    return lines


def ticket_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    """Staff see the card once the ticket has an engineering issue, or a tier-3 escalation that
    no connector took; no card otherwise."""
    user = request.user
    if not user.is_authenticated or not user.is_support_staff:
        return None
    issues, unserved = ticket_engineering_card(user, ticket)
    if not issues and not unserved:
        return None
    for issue in issues:
        issue.history_lines = history_lines(issue.history)  # type: ignore[attr-defined]
    return Panel(
        template="engineering/_ticket_panel.html",
        context={"issues": issues, "unserved": unserved, "is_admin": is_engineering_admin(user)},
        place="side",
    )
