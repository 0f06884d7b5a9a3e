"""Simulated tickets, one after another from their arrival: what each one is, how it was opened,
and its life on the desk up to `now`, handed out as rows in chunks. Pure computation: nothing here
touches the database, so it can run in another process."""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Iterator
from datetime import datetime

from django.conf import settings

from tierdesk.demo import content
from tierdesk.demo.arrivals import Arrivals, TicketMix
from tierdesk.demo.cast import BACK_LINE_FOR_AREA, Cast, Company, Person
from tierdesk.demo.desk import Desk, Phase
from tierdesk.demo.escalation import Escalation
from tierdesk.demo.front_line import FRONT_LINE_FOR_LANGUAGE, FrontLine
from tierdesk.demo.history import Chunk, FirstIds, History, Horizon, TicketState
from tierdesk.demo.hours import CUSTOMER_HOURS, DAY, HOUR, REGION_OFFSET, TEAM_HOURS
from tierdesk.demo.letters import TemplateValues
from tierdesk.demo.resolution import Resolution

# A chunk is written in one transaction: big enough that commits cost nothing, small enough that
# memory stays flat whatever the total (5,000 tickets are about 80,000 rows).
CHUNK_TICKETS = 5_000


class Opening(Phase):
    """How a ticket comes in: from the customer, from a phone call the front line takes, or as an
    engineer's proactive notice, which the engineer then sees through."""

    def __init__(self, desk: Desk, resolution: Resolution):
        super().__init__(desk)
        self.resolution = resolution

    def open(
        self,
        st: TicketState,
        created: int,
        scenario: content.Scenario,
        front_line: str,
        tags: str,
    ) -> Person:
        """The created event and the first message. Returns who opened the ticket."""
        lang = st.lang
        body = scenario.body[lang]
        if st.channel == "phone":
            opener = self.desk.pick(front_line)
            text = content.PHONE_OPENING[lang].format_map(st.vars) + body.format_map(st.vars)
        elif st.channel == "proactive":
            opener = self.desk.pick_speaker(
                BACK_LINE_FOR_AREA[scenario.area], lang
            ) or self.desk.pick(front_line)
            text = self.letters.agent(st, opener, body.format_map(st.vars))
        else:
            opener = st.requester
            text = self.letters.customer(st, body.format_map(st.vars))
        self.history.event(
            st,
            created,
            opener.id,
            "created",
            data=(
                f'{{"channel": "{st.channel}", "type": "{scenario.type}", '
                f'"priority": "{st.priority}", "product_area": "{scenario.area}", '
                f'"language": "{lang}", "tags": {tags}, '
                f'"requester": {st.requester.id}, "group": {st.group}}}'
            ),
        )
        self.history.message(st, created, opener, text)
        return opener

    def proactive(
        self, st: TicketState, created: int, engineer: Person, scenario: content.Scenario
    ) -> None:
        """The engineer who sent the notice owns it: the customer replies and gets the answer, or
        stays silent and the notice is solved after a week."""
        rng, history, letters, clock = self.rng, self.history, self.letters, self.clock
        st.front = engineer
        history.assign(st, created, engineer, engineer)
        if rng.random() < 0.7:
            t = clock.later(CUSTOMER_HOURS[self.desk.region(st)], created, 6 * HOUR, sigma=1.0)
            history.customer_reply(st, t, letters.customer_says(st, content.PROACTIVE_REPLY))
            t = clock.later(TEAM_HOURS["back_line"], t, DAY, sigma=0.6)
            answer = letters.agent(st, engineer, scenario.answer[st.lang].format_map(st.vars))
            history.staff_reply(st, t, engineer, answer, status="solved")
        else:
            t = created + 7 * DAY + int(rng.random() * DAY)
            self.resolution.no_response(st, t, engineer)
        self.resolution.after_solved(st, t, engineer)


class TicketStories:
    """The tickets of one seeding run, simulated with one random stream from `seed`."""

    def __init__(
        self,
        cast: Cast,
        *,
        seed: int,
        start: datetime,
        end: datetime,
        first: FirstIds,
        postgres: bool,
    ):
        companies = [c for c in cast.companies if c.contacts]
        if not companies:
            raise LookupError("The demo cast has no customer contacts.")
        self.rng = rng = random.Random(seed)
        self.first_number = first.ticket
        self.groups = cast.groups
        self.history = History(cast, end=end, postgres=postgres, first=first)
        self.arrivals = Arrivals(companies, rng, start, end)
        self.mix = TicketMix(rng)
        desk = Desk(cast, rng, self.history, autoclose_days=settings.TIERDESK_AUTOCLOSE_DAYS)
        resolution = Resolution(desk)
        self.opening = Opening(desk, resolution)
        self.front_line = FrontLine(desk, Escalation(desk), resolution)
        self.region_values = {region: content.values_for_region(region) for region in REGION_OFFSET}
        self.tags_json = {
            s.key: json.dumps(list(s.tags)) for s in (*content.SCENARIOS, *content.PROACTIVE)
        }
        self.base_values = {
            person.id: {
                "first": person.first,
                "last": person.last,
                "name": person.name,
                "company": company.name,
                "plan": company.plan,
            }
            for company in companies
            for person in company.contacts
        }

    def chunks(self, total: int) -> Iterator[Chunk]:
        """`total` tickets in time order, CHUNK_TICKETS at a time with their messages, events and
        readers."""
        number = self.first_number
        history = self.history
        for ts, company, requester in self.arrivals(total):
            self._ticket(number, ts, company, requester)
            number += 1
            if len(history.tickets) >= CHUNK_TICKETS:
                yield history.take()
        if history.tickets:
            yield history.take()

    def _ticket(self, number: int, created: int, company: Company, requester: Person) -> None:
        channel, scenario, priority = self.mix.draw(company)
        lang = requester.language
        front_line = FRONT_LINE_FOR_LANGUAGE[lang]
        values = TemplateValues(
            self.rng, self.base_values[requester.id], self.region_values[company.region]
        )
        st = TicketState(
            number,
            created,
            priority=priority,
            group=self.groups[front_line],
            requester=requester,
            channel=channel,
            values=values,
        )
        subject = " ".join(scenario.subject[lang].format_map(values).split())[:250]
        values["subject"] = subject
        tags = self.tags_json[scenario.key]
        with contextlib.suppress(Horizon):
            self._play(st, created, company, scenario, front_line, tags)
        self.history.ticket(st, created, subject, scenario, tags, company)

    def _play(
        self,
        st: TicketState,
        created: int,
        company: Company,
        scenario: content.Scenario,
        front_line: str,
        tags: str,
    ) -> None:
        urgent = st.priority == "urgent"
        opener = self.opening.open(st, created, scenario, front_line, tags)
        st.front_hours = TEAM_HOURS["always" if urgent else front_line]
        if st.channel == "proactive":
            self.opening.proactive(st, created, opener, scenario)
        else:
            self.front_line.take(st, created, opener, company, scenario, front_line)
