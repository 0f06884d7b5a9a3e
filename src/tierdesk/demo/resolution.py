"""The end of a simulated ticket: the answer, the customer's confirmation (or silence), an
occasional reopening, and the autoclose sweep."""

from __future__ import annotations

import math

from tierdesk.demo import content
from tierdesk.demo.cast import Person
from tierdesk.demo.desk import Phase
from tierdesk.demo.history import TicketState
from tierdesk.demo.hours import CUSTOMER_HOURS, DAY, HOUR, TEAM_HOURS

REOPEN_SHARE = 0.06


class Resolution(Phase):
    """Solving and closing a ticket once its owner has the answer."""

    def resolve(
        self, st: TicketState, t: int, owner: Person, answer: str, *, confirm: float
    ) -> None:
        """The owner answers (through the front line if the owner does not speak the customer's
        language): solved at once, or, with chance `confirm`, pending until the customer
        confirms, marks it solved in the portal, or stays silent."""
        owner, t = self.desk.voice(st, owner, t)
        if self.rng.random() >= confirm:
            letter = self.letters.agent(st, owner, answer)
            self.history.staff_reply(st, t, owner, letter, status="solved")
        else:
            t = self._confirmed(st, t, owner, answer)
        self.after_solved(st, t, owner)

    def _confirmed(self, st: TicketState, t: int, owner: Person, answer: str) -> int:
        """The answer with a request to confirm it; returns when the ticket ends up solved."""
        rng, history, letters, clock = self.rng, self.history, self.letters, self.clock
        core = answer + "\n\n" + letters.say(st, content.AGENT_CONFIRM_ASK)
        history.staff_reply(st, t, owner, letters.agent(st, owner, core), status="pending")
        customer_hours = CUSTOMER_HOURS[self.desk.region(st)]
        roll = rng.random()
        if roll < 0.75:
            t = clock.later(customer_hours, t, 6 * HOUR, sigma=1.0)
            history.customer_reply(st, t, letters.customer_says(st, content.CUSTOMER_CONFIRMS))
            t = clock.later(TEAM_HOURS["always"], t, 40 * 60)
            closing = letters.agent_says(st, owner, content.AGENT_CLOSING)
            history.staff_reply(st, t, owner, closing, status="solved")
        elif roll < 0.87:
            t = clock.later(customer_hours, t, 8 * HOUR, sigma=1.0)
            history.status(st, t, st.requester, "solved")
        else:
            t = t + 5 * DAY + int(rng.random() * DAY)
            self.no_response(st, t, owner)
        return t

    def no_response(self, st: TicketState, t: int, owner: Person) -> None:
        """The owner gives up waiting on the customer and solves the ticket."""
        letter = self.letters.agent_says(st, owner, content.AGENT_NO_RESPONSE)
        self.history.staff_reply(st, t, owner, letter, status="solved")

    def after_solved(self, st: TicketState, t: int, owner: Person) -> None:
        """A few customers write back that the problem returned; the rest close on the autoclose sweep."""
        rng = self.rng
        autoclose = self.desk.autoclose
        if rng.random() < REOPEN_SHARE:
            back = t + int(rng.lognormvariate(math.log(20 * HOUR), 0.8))
            if back < t + autoclose:
                reopening = self.letters.customer_says(st, content.CUSTOMER_REOPEN)
                self.history.customer_reply(st, back, reopening)
                t = self.clock.later(TEAM_HOURS["always"], back, 3 * HOUR)
                answer = self.letters.agent_says(st, owner, content.AGENT_AFTER_REOPEN)
                self.history.staff_reply(st, t, owner, answer, status="solved")
        # The worker's autoclose sweep runs every 15 minutes: a ticket closes within 15 minutes of its due time.
        self.history.status(
            st, st.solved + autoclose + 60 + int(rng.random() * 900), None, "closed"
        )
