"""This capability's card on the ticket page: each SLA clock of the ticket with its target, due
time, remaining or elapsed business time, outcome, and the moves that explain it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from tierdesk.sla.choices import ClockState, Metric
from tierdesk.sla.models import SlaClock
from tierdesk.sla.selectors import ClockView, ticket_clocks
from tierdesk.sla.templatetags.sla import sla_duration
from tierdesk.tickets.choices import Status
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.panels import Panel


@dataclass(frozen=True)
class Move:
    """One line of a clock's history: when, and what happened in words."""

    at: datetime | None
    text: str


@dataclass(frozen=True)
class ClockRow:
    """A clock as the card shows it. `remaining` is signed business seconds (negative once
    overdue by some business time; 0 when the due time passed while the desk was closed), None
    for a stopped clock."""

    view: ClockView
    label: str
    target: str
    remaining: float | None
    moves: list[Move]

    @property
    def clock(self) -> SlaClock:
        return self.view.clock

    @property
    def overdue(self) -> bool:
        """A clock still counting whose due time has passed, even if no business time has run
        since (the desk closed at the due time)."""
        return self.remaining is not None and (self.view.breached or self.remaining < 0)

    @property
    def late(self) -> float:
        """Business seconds past the due time; 0 when the desk has been closed since (or for
        less than the half second the card would show as "0 s")."""
        late = -(self.remaining or 0.0)
        return late if late >= 0.5 else 0.0


def ticket_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    """Staff see the card on a ticket with clocks; customers never do (the targets are the
    desk's own)."""
    user = request.user
    if not user.is_authenticated or not user.is_support_staff:
        return None
    views = ticket_clocks(ticket)
    if not views:
        return None
    return Panel(
        template="sla/_ticket_panel.html",
        context={"rows": [clock_row(view) for view in ordered(views)]},
        place="side",
    )


def ordered(views: list[ClockView]) -> list[ClockView]:
    """Running clocks by due time, the soonest first; then paused, then stopped ones, each in
    the order they started."""
    rank = {ClockState.RUNNING: 0, ClockState.PAUSED: 1}
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(
        views,
        key=lambda v: (
            rank.get(v.clock.state, 2),
            (v.clock.due_at or far) if v.clock.state == ClockState.RUNNING else far,
        ),
    )


def signed_remaining(view: ClockView) -> float | None:
    """Business seconds left before the due time, negative once past it; None when stopped. A
    paused clock keeps what it had left, or how far past its target it already was. Overdue
    with no business time since the due time (the desk closed) is 0, never -0.0: `breached`
    tells it apart from a clock due right now."""
    clock = view.clock
    if clock.state == ClockState.STOPPED:
        return None
    if clock.state == ClockState.PAUSED and view.breached:
        remaining: float | None = clock.target_seconds - view.elapsed_seconds
    else:
        remaining = view.remaining_seconds
    if remaining is not None and abs(remaining) < 0.0005:
        # The API rounds to milliseconds: a sliver past the due time would read -0.0.
        return 0.0
    return remaining


def clock_label(metric: str, cycle: int) -> str:
    """ "First response", "Next response 2": the metric, and its cycle from the second on."""
    label = str(Metric(metric).label) if metric in Metric.values else metric
    return f"{label} {cycle}" if cycle > 1 else label


def target_words(seconds: float | None, business_hours: bool, calendar: str = "") -> str:
    duration = sla_duration(seconds)
    if not business_hours:
        return _("%(duration)s, around the clock") % {"duration": duration}
    if calendar:
        return _("%(duration)s, business hours of %(calendar)s") % {
            "duration": duration,
            "calendar": calendar,
        }
    return _("%(duration)s, business hours") % {"duration": duration}


def clock_row(view: ClockView) -> ClockRow:
    clock = view.clock
    return ClockRow(
        view=view,
        label=clock_label(clock.metric, clock.cycle),
        target=target_words(
            clock.target_seconds,
            clock.business_hours,
            clock.calendar.name if clock.calendar is not None else "",
        ),
        remaining=signed_remaining(view),
        moves=[describe_move(move) for move in clock.history or []],
    )


_STARTED = {
    "opened": lambda: _("Started: the ticket was opened"),
    "customer_message": lambda: _("Started: the customer replied"),
    "reply": lambda: _("Started: a reply was sent"),
    "reopened": lambda: _("Started: the ticket was reopened"),
}
_STOPPED = {
    "reply": lambda: _("Stopped: a reply was sent"),
    "answered": lambda: _("Stopped: the call was answered or the chat taken"),
    Status.SOLVED: lambda: _("Stopped: the ticket was solved"),
    Status.CLOSED: lambda: _("Stopped: the ticket was closed"),
}


def _status_label(status: Any) -> str:
    return str(Status(status).label) if status in Status.values else str(status or "")


def describe_move(move: dict[str, Any]) -> Move:
    """A move of `SlaClock.history` (see sla.clocks) in words."""
    at = _parse(move.get("at"))
    kind = move.get("move")
    if kind == "started":
        words = _STARTED.get(move.get("reason", ""))
        return Move(at, words() if words else _("Started"))
    if kind == "stopped":
        words = _STOPPED.get(move.get("reason", ""))
        return Move(at, words() if words else _("Stopped"))
    if kind == "paused":
        return Move(
            at,
            _("Paused: the ticket is %(status)s") % {"status": _status_label(move.get("status"))},
        )
    if kind == "resumed":
        return Move(
            at,
            _("Resumed: the ticket is %(status)s") % {"status": _status_label(move.get("status"))},
        )
    if kind == "target":
        return Move(at, _target_move(move))
    return Move(at, str(kind or ""))


def _target_move(move: dict[str, Any]) -> str:
    if not move.get("policy") or move.get("seconds") is None:
        text = _("Target: none, no policy has one")
    else:
        text = _("Target: %(policy)s, %(target)s") % {
            "policy": move["policy"],
            "target": target_words(move["seconds"], bool(move.get("business_hours", True))),
        }
    change = _change_words(move)
    if change:
        # What changed to bring another target in force, e.g. "Priority: Urgent".
        text = f"{text} — {change}"
    return text


def _change_words(move: dict[str, Any]) -> str:
    """The ticket field a target move followed and its new value, both in the reader's language
    ("Priority: Urgent"); moves stored before they carried "field" and "value", or naming no
    field of a ticket, keep their stored "label"."""
    name = move.get("field")
    try:
        field = Ticket._meta.get_field(name) if isinstance(name, str) and "value" in move else None
    except FieldDoesNotExist:
        field = None
    if field is None:
        return str(move.get("label") or "")
    return _("%(field)s: %(value)s") % {
        "field": capfirst(field.verbose_name),
        "value": _value_words(field, move["value"]),
    }


def _value_words(field: Any, value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or _("none")
    if value in (None, ""):
        return _("none")
    if field.choices and isinstance(value, str):
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _parse(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None
