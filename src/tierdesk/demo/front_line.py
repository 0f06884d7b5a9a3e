"""The front line on a simulated ticket: it claims the ticket in its hours, triages it, and
answers, asks the customer for details, or escalates, as a front line that solves what it can."""

from __future__ import annotations

from typing import NamedTuple

from tierdesk.accounts.choices import Language, Plan
from tierdesk.demo import content
from tierdesk.demo.cast import Company, Person
from tierdesk.demo.desk import Desk, Phase
from tierdesk.demo.escalation import Escalation
from tierdesk.demo.history import TicketState
from tierdesk.demo.hours import CUSTOMER_HOURS, DAY, HOUR
from tierdesk.demo.resolution import Resolution

FRONT_LINE_FOR_LANGUAGE = {
    Language.ENGLISH: "Tier 1 / English",
    Language.JAPANESE: "Tier 1 / Japanese",
    Language.RUSSIAN: "Tier 1 / Russian",
}
FIRST_RESPONSE_MEDIAN = {"urgent": 600, "high": 2_400, "normal": 5_400, "low": 14_400}
# Faster first responses for the plans that pay for them.
PLAN_SPEED = {Plan.BASIC: 1.6, Plan.STANDARD: 1.0, Plan.PREMIUM: 0.7, Plan.ENTERPRISE: 0.5}
RESTRICTED_SHARE = 0.12  # of security tickets
PRIORITY_ORDER = ("low", "normal", "high", "urgent")


class Diagnosis(NamedTuple):
    """How the front line works one kind of ticket: the share it answers at once and the share it
    asks the customer about (the rest it escalates at once), the share of the asked ones escalated
    once the details are in, and the share of escalations that go on to engineering."""

    answer: float
    ask: float
    escalate_after_details: float
    engineering: float


# Tuned so that about a fifth of all tickets reach tier 2 and one in twenty engineering, as on a
# front line that solves what it can: most questions are answered from the documentation, most
# error reports turn out to be the customer's setup, and defects are what the back line is for.
DIAGNOSIS = {
    "question": Diagnosis(answer=0.55, ask=0.42, escalate_after_details=0.08, engineering=0.15),
    "incident": Diagnosis(answer=0.18, ask=0.70, escalate_after_details=0.30, engineering=0.23),
    "problem": Diagnosis(answer=0.05, ask=0.75, escalate_after_details=0.50, engineering=0.40),
}


class FrontLine(Phase):
    """Tier 1's part of a customer's ticket, from the first touch to the answer or escalation."""

    def __init__(self, desk: Desk, escalation: Escalation, resolution: Resolution):
        super().__init__(desk)
        self.escalation = escalation
        self.resolution = resolution

    def take(
        self,
        st: TicketState,
        created: int,
        opener: Person,
        company: Company,
        scenario: content.Scenario,
        front_line: str,
    ) -> None:
        """Everything after the ticket was opened at `created` (by `opener` for a phone call)."""
        priority = st.priority
        agent, t = self._claim(st, created, opener, company.plan, front_line)
        t = self._triage(st, t, agent, scenario.area)
        kind = scenario.kind
        if kind == "outage":
            self._outage(st, t, agent, scenario)
        elif kind == "feature_request":
            self._feature_request(st, t, agent, scenario)
        else:
            self._diagnose(st, t, agent, scenario, company.region, urgent=priority == "urgent")

    def _claim(
        self, st: TicketState, created: int, opener: Person, plan: str, front_line: str
    ) -> tuple[Person, int]:
        """The first touch: who on the front line claims the ticket, and when."""
        if st.channel == "phone":
            agent, t = opener, created + 60 + int(self.rng.random() * 240)
        else:
            median = (
                120
                if st.channel == "chat"
                else FIRST_RESPONSE_MEDIAN[st.priority] * PLAN_SPEED[plan]
            )
            agent, t = self.desk.pick(front_line), self.clock.later(st.front_hours, created, median)
        self.history.assign(st, t, agent, agent)
        st.front = agent
        return agent, t

    def _triage(self, st: TicketState, t: int, agent: Person, area: str) -> int:
        """Restricting a sensitive security ticket, correcting the priority, a note for the team.
        Returns when the agent is done with it."""
        rng = self.rng
        if area == "security" and rng.random() < RESTRICTED_SHARE:
            self.history.restrict(st, t, agent)
        if rng.random() < 0.08:
            index = PRIORITY_ORDER.index(st.priority)
            new = PRIORITY_ORDER[min(3, index + 1) if rng.random() < 0.6 else max(0, index - 1)]
            if new != st.priority:
                self.history.priority(st, t, agent, new)
        if rng.random() < 0.12:
            self.history.message(
                st,
                t + 60 + int(rng.random() * 600),
                agent,
                self.letters.say(st, content.NOTE_FRONT_LINE),
                internal=True,
            )
            t += 700
        return t

    def _outage(self, st: TicketState, t: int, agent: Person, scenario: content.Scenario) -> None:
        """Acknowledged at once; restored from a runbook, or escalated as urgent."""
        rng = self.rng
        ack = self.letters.agent_says(st, agent, content.AGENT_OUTAGE_ACK)
        self.history.staff_reply(st, t, agent, ack)
        if rng.random() < 0.3:
            # A known failure with a runbook: the front line restores service itself.
            answer = scenario.answer[st.lang].format_map(st.vars)
            solved_at = self.clock.later(st.front_hours, t, 40 * 60)
            self.resolution.resolve(st, solved_at, agent, answer, confirm=0.2)
            return
        t, owner, answer = self.escalation.escalate(
            st,
            t + 300 + int(rng.random() * 900),
            agent,
            scenario,
            urgent=True,
            engineering=rng.random() < 0.2,
        )
        self.resolution.resolve(st, t, owner, answer, confirm=0.2)

    def _feature_request(
        self, st: TicketState, t: int, agent: Person, scenario: content.Scenario
    ) -> None:
        """Answered and solved, or put on hold until the feature ships."""
        history = self.history
        answer = self.letters.agent(st, agent, scenario.answer[st.lang].format_map(st.vars))
        if self.rng.random() < 0.3:
            history.staff_reply(st, t, agent, answer, status="on_hold")
            note = content.NOTE_ON_HOLD.format_map(st.vars)
            history.message(st, t + 30, agent, note, internal=True)
            t = self.clock.later(st.front_hours, t, 25 * DAY, sigma=0.5)
            shipped = self.letters.agent_says(st, agent, content.AGENT_FEATURE_SHIPPED)
            history.staff_reply(st, t, agent, shipped, status="solved")
        else:
            history.staff_reply(st, t, agent, answer, status="solved")
        self.resolution.after_solved(st, t, agent)

    def _diagnose(
        self,
        st: TicketState,
        t: int,
        agent: Person,
        scenario: content.Scenario,
        region: str,
        *,
        urgent: bool,
    ) -> None:
        """A question, a defect or an error report: answered at once, answered once the customer
        sent details, or escalated."""
        rng = self.rng
        diagnosis = DIAGNOSIS[scenario.kind]
        roll = rng.random()
        if roll < diagnosis.answer:
            self.resolution.resolve(
                st,
                t + 120 + int(rng.random() * 1_500),
                agent,
                scenario.answer[st.lang].format_map(st.vars),
                confirm=0.35,
            )
            return
        if roll < diagnosis.answer + diagnosis.ask:
            details_at = self._ask_for_details(st, t, agent, region)
            if details_at is None:
                return
            t = details_at
            if rng.random() >= diagnosis.escalate_after_details:
                answer = scenario.answer[st.lang].format_map(st.vars)
                self.resolution.resolve(st, t, agent, answer, confirm=0.3)
                return
        t, owner, answer = self.escalation.escalate(
            st,
            t,
            agent,
            scenario,
            urgent=urgent,
            engineering=rng.random() < diagnosis.engineering,
        )
        self.resolution.resolve(st, t, owner, answer, confirm=0.3)

    def _ask_for_details(self, st: TicketState, t: int, agent: Person, region: str) -> int | None:
        """The agent asks and the ticket waits on the customer. Returns when the agent has the
        details and is back on the ticket, or None when the customer never answered (solved)."""
        rng, history, letters, clock = self.rng, self.history, self.letters, self.clock
        ask = letters.agent_says(st, agent, content.ASK_INFO)
        history.staff_reply(st, t, agent, ask, status="pending")
        if rng.random() < 0.1:
            t = clock.open_at(st.front_hours, t + 5 * DAY + int(rng.random() * DAY))
            self.resolution.no_response(st, t, agent)
            self.resolution.after_solved(st, t, agent)
            return None
        t = clock.later(CUSTOMER_HOURS[region], t, 5 * HOUR, sigma=1.0)
        history.customer_reply(st, t, letters.say(st, content.CUSTOMER_INFO))
        answer_at = clock.later(st.front_hours, t, 2 * HOUR)
        if rng.random() < 0.1:
            chaser = letters.say(st, content.CUSTOMER_CHASER)
            history.customer_reply(st, t + (answer_at - t) * 2 // 3, chaser)
        return answer_at
