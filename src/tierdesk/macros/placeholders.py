"""The placeholders a macro's text may hold, and their substitution. Macro text is written by
people, so it is never given to the template engine (which would reach any attribute of any
object in its context): a fixed list of names is replaced, and nothing else is evaluated."""

from __future__ import annotations

import re
from collections.abc import Callable

from tierdesk.accounts.models import User
from tierdesk.tickets.models import Ticket

# `{{ name.part }}` with any spacing inside the braces.
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def _first_name(person: User | None) -> str:
    if person is None:
        return ""
    return person.first_name or person.display_name


PLACEHOLDERS: dict[str, Callable[[Ticket, User], str]] = {
    "ticket.number": lambda ticket, agent: str(ticket.number),
    "ticket.subject": lambda ticket, agent: ticket.subject,
    "requester.first_name": lambda ticket, agent: _first_name(ticket.requester),
    "requester.name": lambda ticket, agent: ticket.requester.display_name,
    "organization.name": lambda ticket, agent: (
        ticket.organization.name if ticket.organization_id else ""
    ),
    "agent.first_name": lambda ticket, agent: _first_name(agent),
    "agent.name": lambda ticket, agent: agent.display_name,
}


def unknown_placeholders(text: str) -> list[str]:
    """The placeholders in `text` that are not in PLACEHOLDERS, in order of appearance, once each."""
    unknown: list[str] = []
    for match in PLACEHOLDER.finditer(text):
        name = match.group(1)
        if name not in PLACEHOLDERS and name not in unknown:
            unknown.append(name)
    return unknown


def render_placeholders(text: str, *, ticket: Ticket, agent: User) -> str:
    """`text` with every known placeholder replaced by its value for this ticket and agent.
    An unknown one (text saved before a placeholder was retired) is left as written."""

    def value(match: re.Match[str]) -> str:
        getter = PLACEHOLDERS.get(match.group(1))
        return getter(ticket, agent) if getter is not None else match.group(0)

    return PLACEHOLDER.sub(value, text)
