"""Suggestions for many new tickets at once (intake routes a batch of mail together): the same
suggestions triage_suggest stores one by one, in one prediction and one insert."""

from __future__ import annotations

import pytest

from tierdesk.tickets.services import ticket_open
from tierdesk.triage import services
from tierdesk.triage.models import TriageSuggestion
from tierdesk.triage.services import ticket_triage_text, triage_suggest, triage_suggest_many

pytestmark = pytest.mark.django_db

REQUESTS = [
    ("The invoice fails with an error", "Hello team, about the invoice: error 500 since today."),
    ("How do I change the dashboard filter?", "Hello team, where is the dashboard filter?"),
]


def open_unrouted(alice, subject, body):
    return ticket_open(actor=alice, subject=subject, body=body, route=False)


def test_without_a_model_nothing_is_suggested(alice):
    ticket = open_unrouted(alice, *REQUESTS[0])

    assert triage_suggest_many([ticket], [ticket_triage_text(*REQUESTS[0])]) is None
    assert not TriageSuggestion.objects.exists()


def test_many_at_once_suggest_what_one_at_a_time_does(alice, trained):
    tickets = [open_unrouted(alice, subject, body) for subject, body in REQUESTS]
    one_by_one = [triage_suggest(ticket) for ticket in tickets]

    together = triage_suggest_many(tickets, [ticket_triage_text(s, b) for s, b in REQUESTS])

    assert [(s.ticket_id, s.type, s.product_area) for s in together] == [
        (s.ticket_id, s.type, s.product_area) for s in one_by_one
    ]
    assert [s.type_confidence for s in together] == pytest.approx(
        [s.type_confidence for s in one_by_one]
    )
    # Each ticket keeps one suggestion, the latest; the model that made it is named.
    assert TriageSuggestion.objects.count() == 2
    assert {s.model_id for s in TriageSuggestion.objects.all()} == {trained.pk}
    assert services.triage_suggest_many([], []) == []
