"""A simulated ticket's history as database rows: every move recorded exactly as tickets.services
records it (kinds created / message / note / changed, people and groups by id, labels in `data`),
so metrics computed from events see the same history as on a live desk."""

from __future__ import annotations

import html
import itertools
import json
import re
from datetime import UTC, datetime
from typing import NamedTuple

from tierdesk.core.text import text_to_html
from tierdesk.demo import content
from tierdesk.demo.cast import Cast, Company, Person
from tierdesk.demo.hours import DAY, WaitTable

# Tickets, messages, events and restricted-ticket readers, in the column orders below.
Chunk = tuple[list[tuple], list[tuple], list[tuple], list[tuple]]

TICKET_COLUMNS = (
    "number",
    "subject",
    "channel",
    "type",
    "product_area",
    "priority",
    "status",
    "tier",
    "language",
    "tags",
    "restricted",
    "created_at",
    "updated_at",
    "first_responded_at",
    "solved_at",
    "closed_at",
    "assignee_id",
    "group_id",
    "organization_id",
    "requester_id",
    "escalation_flag",
)
MESSAGE_COLUMNS = (
    "id",
    "ticket_id",
    "author_id",
    "kind",
    "channel",
    "body_text",
    "body_html",
    "created_at",
)
EVENT_COLUMNS = (
    "id",
    "ticket_id",
    "actor_id",
    "kind",
    "field",
    "from_value",
    "to_value",
    "message_id",
    "data",
    "created_at",
)
READER_COLUMNS = ("ticket_id", "user_id")


class FirstIds(NamedTuple):
    """The first free ticket number, message id and event id: the rows carry explicit ids."""

    ticket: int
    message: int
    event: int


class Horizon(Exception):
    """The simulated ticket reached `now`: what happens later has not happened yet."""


class TicketState:
    """A ticket as the simulation has left it so far, and who and what it involves."""

    __slots__ = (
        "assignee",
        "channel",
        "closed",
        "front",
        "front_hours",
        "frt",
        "group",
        "lang",
        "number",
        "priority",
        "readers",
        "requester",
        "restricted",
        "solved",
        "status",
        "tier",
        "updated",
        "vars",
    )

    def __init__(
        self,
        number: int,
        created: int,
        *,
        priority: str,
        group: int,
        requester: Person,
        channel: str,
        values: dict[str, str],
    ):
        self.number = number
        self.status = "new"
        self.priority = priority
        self.tier = 1
        self.group = group
        self.assignee: Person | None = None
        self.frt = self.solved = self.closed = None
        self.updated = created
        self.restricted = False
        self.readers: set[int] = set()
        self.lang = requester.language
        self.channel = channel
        self.requester = requester
        self.vars = values
        # The front-line engineer who owns the conversation with the customer, and their hours.
        self.front: Person | None = None
        self.front_hours: WaitTable = []


# Where text_to_html's paragraph split (a newline, any whitespace, a newline) differs from "\n\n".
_BLANK_LINES = re.compile(r"\n[^\S\n]+\n|\n\n\n")


def _html(text: str) -> str:
    """core.text.text_to_html for the seeder's texts, without its regular expressions when there is
    no web address to link. A test holds the two equal over a seeded desk."""
    if "http" in text or _BLANK_LINES.search(text):
        return text_to_html(text)
    escaped = html.escape(text.strip())
    return (
        "<p>"
        + escaped.replace("\n\n", "\0").replace("\n", "<br>").replace("\0", "</p>\n<p>")
        + "</p>"
    )


def _json_label(value: str) -> str:
    return json.dumps(value)


class History:
    """The rows of the tickets simulated so far, handed out chunk by chunk with `take`. Writing
    anything after `end` raises Horizon."""

    def __init__(self, cast: Cast, *, end: datetime, postgres: bool, first: FirstIds):
        self.end_ts = int(end.timestamp())
        self.postgres = postgres
        self.message_ids = itertools.count(first.message)
        self.event_ids = itertools.count(first.event)
        self._days: dict[int, str] = {}
        # " HH:MM:SS" for every second of a day: formatting millions of timestamps is then a lookup.
        suffix = "+00:00" if postgres else ""
        self._clock = [
            f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{suffix}" for s in range(DAY)
        ]
        self.group_label = {gid: _json_label(name) for name, gid in cast.groups.items()}
        self.person_label = {
            person.id: _json_label(person.name)
            for person in itertools.chain(
                (p for company in cast.companies for p in company.contacts), cast.staff.values()
            )
        }
        self.tickets: list[tuple] = []
        self.messages: list[tuple] = []
        self.events: list[tuple] = []
        self.readers: list[tuple] = []

    def take(self) -> Chunk:
        """The rows recorded since the last call."""
        chunk = (self.tickets, self.messages, self.events, self.readers)
        self.tickets, self.messages, self.events, self.readers = [], [], [], []
        return chunk

    # --- timestamps ----------------------------------------------------------------------------

    def dt(self, ts: int) -> str:
        """A timestamp as the database stores it: naive UTC text on SQLite, explicit UTC elsewhere."""
        day, seconds = divmod(ts, DAY)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = datetime.fromtimestamp(day * DAY, UTC).strftime("%Y-%m-%d")
            self._days[day] = prefix
        return prefix + self._clock[seconds]

    def label_dt(self, ts: int) -> str:
        """A timestamp as an event's to_value: str() of an aware datetime, as tickets.events._label does."""
        text = self.dt(ts)
        return text if self.postgres else text + "+00:00"

    # --- rows ----------------------------------------------------------------------------------

    def ticket(
        self,
        st: TicketState,
        created: int,
        subject: str,
        scenario: content.Scenario,
        tags: str,
        company: Company,
    ) -> None:
        """The ticket's own row, as the simulation left it, and its readers if it is restricted."""
        dt = self.dt
        self.tickets.append(
            (
                st.number,
                subject,
                st.channel,
                scenario.type,
                scenario.area,
                st.priority,
                st.status,
                st.tier,
                st.lang,
                tags,
                st.restricted,
                dt(created),
                dt(st.updated),
                dt(st.frt) if st.frt else None,
                dt(st.solved) if st.solved else None,
                dt(st.closed) if st.closed else None,
                st.assignee.id if st.assignee else None,
                st.group,
                company.id,
                st.requester.id,
                "",
            )
        )
        if st.restricted:
            self.readers.extend((st.number, person_id) for person_id in sorted(st.readers))

    def event(
        self,
        st: TicketState,
        ts: int,
        actor_id: int | None,
        kind: str,
        field: str = "",
        old: str = "",
        new: str = "",
        message_id: int | None = None,
        data: str = "{}",
    ) -> None:
        if ts > self.end_ts:
            raise Horizon
        self.events.append(
            (
                next(self.event_ids),
                st.number,
                actor_id,
                kind,
                field,
                old,
                new,
                message_id,
                data,
                self.dt(ts),
            )
        )
        st.updated = ts

    def message(
        self, st: TicketState, ts: int, author: Person, text: str, internal: bool = False
    ) -> None:
        """A public message, or an internal note, and its event."""
        if ts > self.end_ts:
            raise Horizon
        message_id = next(self.message_ids)
        self.messages.append(
            (
                message_id,
                st.number,
                author.id,
                "internal" if internal else "public",
                st.channel,
                text,
                _html(text),
                self.dt(ts),
            )
        )
        self.event(st, ts, author.id, "note" if internal else "message", message_id=message_id)

    def change(
        self,
        st: TicketState,
        ts: int,
        actor: Person | None,
        field: str,
        old: str,
        new: str,
        old_label: str,
        new_label: str,
    ) -> None:
        """A field change; the labels are JSON strings, ready for `data`."""
        self.event(
            st,
            ts,
            actor.id if actor else None,
            "changed",
            field,
            old,
            new,
            data=f'{{"from_label": {old_label}, "to_label": {new_label}}}',
        )

    # --- moves ---------------------------------------------------------------------------------

    def status(self, st: TicketState, ts: int, actor: Person | None, status: str) -> None:
        previous = st.status
        if previous == status:
            return
        self.change(st, ts, actor, "status", previous, status, f'"{previous}"', f'"{status}"')
        st.status = status
        if status == "solved":
            st.solved = ts
        elif status == "closed":
            st.closed = ts
        elif previous == "solved":
            st.solved = None

    def priority(self, st: TicketState, ts: int, actor: Person, priority: str) -> None:
        old = st.priority
        self.change(st, ts, actor, "priority", old, priority, f'"{old}"', f'"{priority}"')
        st.priority = priority

    def assign(self, st: TicketState, ts: int, actor: Person, assignee: Person | None) -> None:
        old = st.assignee
        if (old.id if old else None) == (assignee.id if assignee else None):
            return
        self.change(
            st,
            ts,
            actor,
            "assignee",
            str(old.id) if old else "",
            str(assignee.id) if assignee else "",
            self.person_label[old.id] if old else '""',
            self.person_label[assignee.id] if assignee else '""',
        )
        st.assignee = assignee

    def move(self, st: TicketState, ts: int, actor: Person, tier: int, group_id: int) -> None:
        """An escalation as ticket_update records it: tier, then group, then the assignee let go."""
        self.change(st, ts, actor, "tier", str(st.tier), str(tier), f'"{st.tier}"', f'"{tier}"')
        st.tier = tier
        self.change(
            st,
            ts,
            actor,
            "group",
            str(st.group),
            str(group_id),
            self.group_label[st.group],
            self.group_label[group_id],
        )
        st.group = group_id
        self.assign(st, ts, actor, None)

    def restrict(self, st: TicketState, ts: int, actor: Person) -> None:
        """The ticket restricted to `actor`, who says why in a note."""
        self.change(st, ts, actor, "restricted", "false", "true", '"false"', '"true"')
        st.restricted = True
        st.readers.add(actor.id)
        self.message(st, ts, actor, content.NOTE_RESTRICTED, internal=True)

    def share(self, st: TicketState, ts: int, actor: Person, person: Person) -> None:
        """ticket_share_restricted: a restricted ticket is named to one more reader before they work on it."""
        if not st.restricted or person.id in st.readers:
            return
        self.event(
            st,
            ts,
            actor.id,
            "changed",
            "restricted_to",
            "",
            str(person.id),
            data=f'{{"to_label": {self.person_label[person.id]}}}',
        )
        st.readers.add(person.id)

    def staff_reply(
        self, st: TicketState, ts: int, agent: Person, text: str, status: str | None = None
    ) -> None:
        """A public reply from staff: the first one sets first_responded_at; a new ticket opens."""
        self.message(st, ts, agent, text)
        if st.frt is None:
            label = f'"{self.label_dt(ts)}"'
            self.change(st, ts, agent, "first_responded_at", "", label[1:-1], '""', label)
            st.frt = ts
        next_status = status or ("open" if st.status == "new" else None)
        if next_status:
            self.status(st, ts, agent, next_status)

    def customer_reply(self, st: TicketState, ts: int, text: str) -> None:
        """The requester writes; a ticket waiting on them, or solved, opens again."""
        self.message(st, ts, st.requester, text)
        if st.status in ("pending", "solved", "on_hold"):
            self.status(st, ts, st.requester, "open")
