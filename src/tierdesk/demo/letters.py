"""What people write on a simulated ticket: content's templates filled in with the names and
product details of that ticket, wrapped in greetings and sign-offs."""

from __future__ import annotations

import random

from tierdesk.demo import content
from tierdesk.demo.cast import Person
from tierdesk.demo.history import TicketState

Templates = dict[str, tuple[str, ...]] | tuple[str, ...]


class TemplateValues(dict):
    """Template values for one ticket: people's names up front, product details drawn on first use
    and then kept, so every message of a thread names the same version and cluster."""

    __slots__ = ("rng", "values")

    def __init__(
        self, rng: random.Random, base: dict[str, str], values: dict[str, tuple[str, ...]]
    ):
        super().__init__(base)
        self.rng = rng
        self.values = values

    def __missing__(self, key: str) -> str:
        value = self.rng.choice(self.values[key])
        self[key] = value
        return value


class Letters:
    """Texts for a ticket in its language, one template chosen at random where there are several."""

    __slots__ = ("rng",)

    def __init__(self, rng: random.Random):
        self.rng = rng

    def say(
        self,
        st: TicketState,
        templates: Templates,
        agent: Person | None = None,
        lang: str | None = None,
    ) -> str:
        """One of `templates` (per language, or for any) filled in; `agent` signs as the writer."""
        choices = templates[lang or st.lang] if isinstance(templates, dict) else templates
        template = choices[0] if len(choices) == 1 else self.rng.choice(choices)
        if agent is not None:
            st.vars["agent"] = agent.name
            st.vars["agent_last"] = agent.last or agent.name
        return template.format_map(st.vars)

    def agent(self, st: TicketState, agent: Person, core: str) -> str:
        """`core` as a letter from `agent` to the customer."""
        return "\n\n".join(
            (
                self.say(st, content.AGENT_GREETING, agent),
                core,
                self.say(st, content.AGENT_SIGNOFF, agent),
            )
        )

    def agent_says(self, st: TicketState, agent: Person, templates: Templates) -> str:
        """One of `templates` as a letter from `agent`."""
        return self.agent(st, agent, self.say(st, templates))

    def customer(self, st: TicketState, core: str) -> str:
        """`core` as the requester writes it: bare in a chat, a letter otherwise."""
        if st.channel == "chat":
            return core
        return "\n\n".join(
            (
                self.say(st, content.CUSTOMER_GREETING),
                core,
                self.say(st, content.CUSTOMER_SIGNOFF),
            )
        )

    def customer_says(self, st: TicketState, templates: Templates) -> str:
        """One of `templates` as the requester writes it."""
        return self.customer(st, self.say(st, templates))
