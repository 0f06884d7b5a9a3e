"""Fixtures of triage: solved tickets whose wording tells their type and product area apart."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from tierdesk.tickets.choices import MessageKind, Status
from tierdesk.tickets.models import Message, Ticket
from tierdesk.triage import services

AREA_WORDS = {
    "query_engine": ["query", "SQL join", "query planner", "slow select", "query timeout"],
    "billing": ["invoice", "license renewal", "credit card charge", "billing contact", "VAT"],
    "dashboards": ["dashboard", "chart widget", "report export", "dashboard filter", "pie chart"],
}
TYPE_PATTERNS = {
    "question": ["How do I change the {w}?", "Where can I find the {w} settings?"],
    "problem": ["The {w} fails with an error", "Error 500 from the {w} since yesterday"],
    "feature_request": ["Please add support for {w} templates", "Feature idea: a {w} option"],
}


def triage_text(kind: str, area: str, rng: random.Random) -> tuple[str, str]:
    word = rng.choice(AREA_WORDS[area])
    subject = rng.choice(TYPE_PATTERNS[kind]).format(w=word)
    return subject, f"Hello team, about the {word}: {subject.lower()} Thanks."


def make_solved_tickets(requester, count: int, *, seed: int = 7, status=Status.SOLVED) -> list:
    """`count` solved tickets cycling through every type and product area above, written
    directly (the service path is tested elsewhere; here only what training reads matters)."""
    rng = random.Random(seed)
    combos = [(k, a) for k in TYPE_PATTERNS for a in AREA_WORDS]
    now = timezone.now()
    tickets, bodies = [], []
    for index in range(count):
        kind, area = combos[index % len(combos)]
        subject, body = triage_text(kind, area, rng)
        at = now - timedelta(days=3, minutes=index)
        tickets.append(
            Ticket(
                subject=subject,
                requester=requester,
                organization=requester.organization,
                type=kind,
                product_area=area,
                status=status,
                created_at=at,
                updated_at=at,
                solved_at=at + timedelta(hours=1),
            )
        )
        bodies.append(body)
    created = Ticket.objects.bulk_create(tickets)
    Message.objects.bulk_create(
        Message(
            ticket=ticket,
            author=requester,
            kind=MessageKind.PUBLIC,
            body_text=body,
            created_at=ticket.created_at,
        )
        for ticket, body in zip(created, bodies, strict=True)
    )
    return created


@pytest.fixture(autouse=True)
def _fresh_model_cache():
    # Test databases roll back, and SQLite hands the same model id out again.
    services._active.forget()
    yield
    services._active.forget()


@pytest.fixture
def solved_tickets(alice):
    return make_solved_tickets(alice, 90)


@pytest.fixture
def trained(solved_tickets):
    return services.triage_train()


@pytest.fixture
def immediate_queue():
    """Queued tasks run at once in the process that queues them, as no worker runs in tests."""
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


@pytest.fixture
def queued(monkeypatch):
    """The training runs queued for the worker, by id, instead of queueing them."""
    ids: list[int] = []
    monkeypatch.setattr(services, "_enqueue", ids.append)
    return ids
