"""Escalating a simulated ticket: from the front line to the back line of its product area, and
on to engineering when the back line cannot fix it alone."""

from __future__ import annotations

from tierdesk.demo import content
from tierdesk.demo.cast import BACK_LINE_FOR_AREA, ENGINEERING_DEFAULT, ENGINEERING_FOR_AREA, Person
from tierdesk.demo.desk import Phase
from tierdesk.demo.history import TicketState
from tierdesk.demo.hours import DAY, HOUR, TEAM_HOURS


class Escalation(Phase):
    """Tier 1 → tier 2 (→ tier 3), each with its package note, move, pick-up and analysis."""

    def escalate(
        self,
        st: TicketState,
        t: int,
        agent: Person,
        scenario: content.Scenario,
        *,
        urgent: bool,
        engineering: bool,
    ) -> tuple[int, Person, str]:
        """The ticket escalated by `agent` at `t`. Returns when and by whom the answer is ready,
        and the answer."""
        t, owner = self._to_back_line(st, t, agent, scenario.area, urgent=urgent)
        if not engineering:
            back_hours = TEAM_HOURS["always" if urgent else "back_line"]
            t = self.clock.later(back_hours, t, HOUR if urgent else 18 * HOUR)
            return t, owner, scenario.answer[st.lang].format_map(st.vars)
        return self._to_engineering(st, t, owner, scenario.area, urgent=urgent)

    def _to_back_line(
        self, st: TicketState, t: int, agent: Person, area: str, *, urgent: bool
    ) -> tuple[int, Person]:
        """The front line hands over; returns when and by whom the back line's analysis is done."""
        rng, history, letters = self.rng, self.history, self.letters
        back_name = BACK_LINE_FOR_AREA[area]
        back_hours = TEAM_HOURS["always" if urgent else "back_line"]
        owner = self.desk.pick(back_name)
        # The package is written for its reader: in the ticket's language when the back-line
        # engineer reads it, in English otherwise.
        note_lang = st.lang if st.lang in owner.languages else "en"
        package = letters.say(st, content.NOTE_ESCALATION, lang=note_lang)
        history.message(st, t, agent, package, internal=True)
        history.share(st, t, agent, owner)
        history.move(st, t, agent, 2, self.desk.groups[back_name])
        if not urgent and rng.random() < 0.6:
            history.staff_reply(
                st, t, agent, letters.agent_says(st, agent, content.AGENT_ESCALATED)
            )
        t = self.clock.later(back_hours, t, 900 if urgent else 3 * HOUR)
        history.assign(st, t, owner, owner)
        t += 300 + int(rng.random() * 2_400)
        analysis = letters.say(st, content.NOTE_BACK_LINE, lang="en")
        history.message(st, t, owner, analysis, internal=True)
        return t, owner

    def _to_engineering(
        self, st: TicketState, t: int, owner: Person, area: str, *, urgent: bool
    ) -> tuple[int, Person, str]:
        """The back-line `owner` hands over to engineering, which finds and ships the fix."""
        rng, history, letters, clock = self.rng, self.history, self.letters, self.clock
        back_hours = TEAM_HOURS["always" if urgent else "back_line"]
        eng_name = ENGINEERING_FOR_AREA.get(area, ENGINEERING_DEFAULT)
        eng_hours = TEAM_HOURS["always" if urgent else "engineering"]
        t = clock.later(back_hours, t, HOUR if urgent else 6 * HOUR)
        package = letters.say(st, content.NOTE_TO_ENGINEERING, lang="en")
        history.message(st, t, owner, package, internal=True)
        engineer = self.desk.pick(eng_name)
        history.share(st, t, owner, engineer)
        history.move(st, t, owner, 3, self.desk.groups[eng_name])
        if rng.random() < 0.7:
            voice, t = self.desk.voice(st, owner, t)
            history.staff_reply(
                st,
                t,
                voice,
                letters.agent_says(st, voice, content.ENGINEERING_UNDER_WAY),
                status="on_hold" if rng.random() < 0.4 else None,
            )
        t = clock.later(eng_hours, t, 2 * HOUR if urgent else DAY)
        history.assign(st, t, engineer, engineer)
        t = clock.later(eng_hours, t, 3 * HOUR if urgent else 3 * DAY)
        analysis = letters.say(st, content.NOTE_ENGINEERING, lang="en")
        history.message(st, t, engineer, analysis, internal=True)
        t += 600 + int(rng.random() * 3_000)
        return t, engineer, letters.say(st, content.ENGINEERING_FIX)
