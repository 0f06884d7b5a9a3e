"""Reading SLA clocks: a ticket's clocks as they stand now, and the next due time of tickets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from tierdesk.sla.book import current_book
from tierdesk.sla.calendar import AROUND_THE_CLOCK, BusinessHours
from tierdesk.sla.choices import ClockState, Outcome
from tierdesk.sla.models import SlaClock, SlaStale
from tierdesk.sla.services import clocks_refresh_stale
from tierdesk.tickets.models import Ticket


@dataclass(frozen=True)
class ClockView:
    """A clock as a person reads it now: the stored clock plus what time has done since."""

    clock: SlaClock
    remaining_seconds: float | None
    elapsed_seconds: float
    breached: bool

    @property
    def met(self) -> bool:
        return self.clock.outcome == Outcome.MET


def ticket_clocks(ticket: Ticket, *, now: datetime | None = None) -> list[ClockView]:
    """The ticket's clocks, oldest first, computed again first if its history changed since.

    Remaining time of a running clock is the business time from now to its due time; once the
    due time has passed it is minus the business time since then, which is 0 (never -0.0) while
    the desk has been closed since, so read `breached` to know a clock is overdue. Elapsed time
    runs on to now."""
    now = now or timezone.now()
    if SlaStale.objects.filter(ticket_id=ticket.pk).exists():
        clocks_refresh_stale([ticket.pk], now=now)
    clocks = list(
        SlaClock.objects.filter(ticket_id=ticket.pk)
        .select_related("calendar")
        .order_by("started_at", "metric", "cycle")
    )
    running_on_calendar = any(c.business_hours and c.state == ClockState.RUNNING for c in clocks)
    calendars = current_book().calendars if running_on_calendar else {}
    return [clock_view(clock, now, calendars) for clock in clocks]


def clock_view(
    clock: SlaClock, now: datetime, calendars: dict[int, BusinessHours] | None = None
) -> ClockView:
    if clock.state != ClockState.RUNNING or clock.due_at is None:
        remaining = clock.remaining_seconds if clock.state == ClockState.PAUSED else None
        return ClockView(clock, remaining, clock.elapsed_seconds, clock.outcome == Outcome.BREACHED)
    hours = _hours_of(clock, calendars)
    if clock.due_at >= now:
        remaining = hours.seconds_between(now, clock.due_at)
        elapsed = clock.target_seconds - remaining
    else:
        late = hours.seconds_between(clock.due_at, now)
        # Past the due time while the desk is closed no business time has run late yet: say 0,
        # never -0.0, and let `breached` tell that the clock is overdue.
        remaining = -late if late > 0 else 0.0
        elapsed = clock.target_seconds + late
    # A recorded breach stays one even if a later change moved the target out again.
    breached = clock.due_at < now or clock.outcome == Outcome.BREACHED
    return ClockView(clock, remaining, max(0.0, elapsed), breached)


def _hours_of(clock: SlaClock, calendars: dict[int, BusinessHours] | None) -> BusinessHours:
    if not clock.business_hours or clock.calendar_id is None:
        return AROUND_THE_CLOCK
    if calendars is None:
        calendars = current_book().calendars
    return calendars.get(clock.calendar_id, AROUND_THE_CLOCK)
