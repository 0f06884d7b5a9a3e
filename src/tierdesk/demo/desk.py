"""What every phase of a simulated ticket's life shares: one random stream, the history being
written, the teams and who among them speaks the customer's language, their hours and letters."""

from __future__ import annotations

import random

from tierdesk.accounts.choices import Language
from tierdesk.demo.arrivals import people_picker
from tierdesk.demo.cast import Cast, Person
from tierdesk.demo.history import History, TicketState
from tierdesk.demo.hours import DAY, Clock
from tierdesk.demo.letters import Letters


class Desk:
    """The support desk the tickets are simulated on."""

    def __init__(self, cast: Cast, rng: random.Random, history: History, *, autoclose_days: int):
        self.rng = rng
        self.history = history
        self.letters = Letters(rng)
        self.clock = Clock(rng)
        self.groups = cast.groups
        self.autoclose = autoclose_days * DAY
        self.region_of = {c.id: c.region for c in cast.companies}
        self.pick_members = {
            name: people_picker(people) for name, people in cast.group_members.items() if people
        }
        self.pick_speakers = {
            (name, lang): people_picker(speakers)
            for name, people in cast.group_members.items()
            for lang in Language.values
            if (speakers := [p for p in people if lang in p.languages])
        }

    def pick(self, group: str) -> Person:
        """Someone in `group`, to take the next step."""
        return self.pick_members[group](self.rng)

    def pick_speaker(self, group: str, lang: str) -> Person | None:
        """A member of `group` who speaks `lang`, or None when nobody there does."""
        picker = self.pick_speakers.get((group, lang))
        return picker(self.rng) if picker else None

    def voice(self, st: TicketState, owner: Person, t: int) -> tuple[Person, int]:
        """Who writes to the customer for `owner`, and when: the owner if they speak the customer's
        language; otherwise the front-line engineer relays the answer in the front line's hours."""
        if st.lang in owner.languages or owner is st.front:
            return owner, t
        relayed = self.clock.open_at(st.front_hours, t + 600 + int(self.rng.random() * 1_800))
        return st.front, relayed

    def region(self, st: TicketState) -> str:
        """The requester's region, whose office hours they answer in."""
        return self.region_of[st.requester.organization_id]


class Phase:
    """A part of a ticket's life, played on the desk; the shortcuts keep the stories readable."""

    def __init__(self, desk: Desk):
        self.desk = desk
        self.rng = desk.rng
        self.history = desk.history
        self.letters = desk.letters
        self.clock = desk.clock
