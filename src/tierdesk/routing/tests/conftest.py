"""Fixtures of the routing tests: an administrator's rule factory and a stand-in classifier."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tierdesk.routing import effects, services
from tierdesk.routing.models import RoutingRule


@pytest.fixture
def make_rule(admin_user):
    def make(name: str, conditions: dict | None = None, **actions) -> RoutingRule:
        stop = actions.pop("stop_processing", False)
        return services.routing_rule_create(
            actor=admin_user,
            name=name,
            conditions=conditions or {},
            actions=actions,
            stop_processing=stop,
        )

    return make


@pytest.fixture
def classifier(monkeypatch):
    """A triage classifier that answers what the test sets in `classifier.answer`."""
    state = SimpleNamespace(answer=None, suggested=[], predicted=[])

    def triage_suggest(ticket):
        state.suggested.append(ticket.pk)
        return state.answer

    def triage_predict_many(texts):
        state.predicted.append(list(texts))
        return None if state.answer is None else [state.answer] * len(texts)

    fake = SimpleNamespace(
        triage_suggest=triage_suggest,
        triage_predict_many=triage_predict_many,
        ticket_triage_text=lambda subject, body: f"{subject}\n{body}",
    )
    monkeypatch.setattr(effects, "triage", lambda: fake)
    return state


def prediction(
    type="incident", type_confidence=0.9, product_area="integrations", area_confidence=0.9
):
    return SimpleNamespace(
        type=type,
        type_confidence=type_confidence,
        product_area=product_area,
        product_area_confidence=area_confidence,
    )
