"""Macro placeholders: the fixed list renders, anything else is refused by name."""

from __future__ import annotations

import pytest

from tierdesk.core.errors import ValidationFailed
from tierdesk.macros.placeholders import render_placeholders, unknown_placeholders
from tierdesk.macros.services import macro_create

pytestmark = pytest.mark.django_db


def test_every_placeholder_renders_for_the_ticket_and_agent(ticket, engineer):
    text = (
        "#{{ ticket.number }} {{ticket.subject}} | {{ requester.first_name }} / "
        "{{ requester.name }} @ {{ organization.name }} — {{ agent.first_name }} "
        "({{  agent.name  }})"
    )

    rendered = render_placeholders(text, ticket=ticket, agent=engineer)

    assert rendered == (
        f"#{ticket.number} Query times out after upgrade | Alice / Alice @ Acme Analytics — "
        "Emma (Emma Clarke)"
    )


def test_text_that_looks_like_template_code_is_not_evaluated(ticket, engineer):
    text = "{% if 1 %}x{% endif %} {{ ticket.requester.password }} {{ ticket.number|add:1 }}"

    assert render_placeholders(text, ticket=ticket, agent=engineer) == text
    assert unknown_placeholders(text) == ["ticket.requester.password", "ticket.number|add:1"]


def test_saving_a_macro_with_an_unknown_placeholder_names_it(engineer):
    with pytest.raises(ValidationFailed) as refusal:
        macro_create(
            actor=engineer, name="Hi", body="Dear {{ customer.name }}, {{ ticket.number }}"
        )

    reason = refusal.value.errors["body"][0]
    assert "{{ customer.name }}" in reason
    assert "{{ ticket.number }}" in reason.split(";")[1]
