"""Bulk demo data: months of tickets with their messages and events, written row for row the way
the ticket services write them, fast enough to load a million tickets in minutes.

Every ticket is simulated from its arrival (arrivals.py, story.py): the front line claims and
answers it in business hours, asks for details, escalates to the back line and on to engineering
(front_line.py, escalation.py), solves it; customers reply, confirm or reopen; solved tickets
close on their own after TIERDESK_AUTOCLOSE_DAYS (resolution.py). Each move is recorded exactly as
tickets.services records it (history.py), so metrics computed from events see the same history as
on a live desk. The simulation stops at `now`: recent tickets stay open. bulk.py writes the rows.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection

from tierdesk.demo.bulk import Progress, chunks_write, first_free_ids
from tierdesk.demo.cast import cast_ensure
from tierdesk.demo.period import demo_period
from tierdesk.demo.story import TicketStories
from tierdesk.tickets.models import Ticket


class DemoDataExists(RuntimeError):
    """The database already holds tickets; seeding again would mix two demo desks."""


@dataclass(frozen=True)
class SeedReport:
    """What a seeding run wrote and how long it took."""

    tickets: int
    messages: int
    events: int
    seconds: float
    start: datetime
    end: datetime

    @property
    def rows(self) -> int:
        return self.tickets + self.messages + self.events


def demo_tickets_present() -> bool:
    """Whether the database holds any ticket (then `tierdesk demo` serves it as it is)."""
    return Ticket.objects.exists()


def seed_working_tools() -> None:
    """The demo's support addresses, routing rules and shifts, macros, engineering connector,
    escalations, calls and chat widget site, a triage model trained on the seeded tickets, and
    every ticket's SLA clocks; each seeder leaves what exists alone."""
    from tierdesk.chat.demo import seed_chat_demo
    from tierdesk.demo.knowledge import seed_knowledge_demo
    from tierdesk.engineering.demo import seed_engineering_demo
    from tierdesk.escalations.demo import seed_escalations_demo
    from tierdesk.macros.demo import seed_macros_demo
    from tierdesk.mail.demo import seed_mail_demo
    from tierdesk.measures.demo import seed_measures_demo
    from tierdesk.measures.rollups import rollups_rebuild
    from tierdesk.phone.demo import seed_phone_demo
    from tierdesk.routing.demo import seed_routing_demo
    from tierdesk.search.services import reindex_all
    from tierdesk.sla.demo import seed_sla_demo
    from tierdesk.suggestions.vectors import vectors_fill_missing
    from tierdesk.surveys.demo import seed_surveys_demo
    from tierdesk.triage.demo import seed_triage_demo

    seed_mail_demo()
    seed_routing_demo()
    seed_macros_demo()
    seed_engineering_demo()
    seed_escalations_demo()
    seed_phone_demo()
    seed_chat_demo()
    seed_triage_demo()
    seed_knowledge_demo()
    seed_surveys_demo()
    seed_measures_demo()
    # Last: the clocks follow every event the seeders above wrote, and search and the KPI
    # rollups read every ticket the seeders wrote in bulk.
    seed_sla_demo()
    reindex_all()
    vectors_fill_missing()
    rollups_rebuild()


def seed_demo(
    *,
    tickets: int,
    seed: int = 1,
    now: datetime | None = None,
    append: bool = False,
    progress: Progress | None = None,
) -> SeedReport:
    """Writes the demo cast (if missing) and `tickets` tickets over the six months before `now`.

    Raises DemoDataExists when the database already holds tickets, unless `append` is set. The
    same seed and `now` give the same desk on an empty database.
    """
    if tickets < 0:
        raise ValueError("The number of tickets cannot be negative.")
    if not append and demo_tickets_present():
        raise DemoDataExists(
            f"The database already holds {Ticket.objects.count():,} tickets. Seed into an empty data folder "
            "(TIERDESK_DATA_DIR), or pass --append to add more tickets to this desk."
        )
    start, end = demo_period(now)
    cast = cast_ensure(joined_at=start - timedelta(days=30))
    started = time.perf_counter()
    stories = TicketStories(
        cast,
        seed=seed,
        start=start,
        end=end,
        first=first_free_ids(),
        postgres=connection.vendor == "postgresql",
    )
    written = chunks_write(
        functools.partial(stories.chunks, tickets),
        total=tickets,
        started=started,
        progress=progress,
    )
    return SeedReport(
        tickets=written.tickets,
        messages=written.messages,
        events=written.events,
        seconds=time.perf_counter() - started,
        start=start,
        end=end,
    )
