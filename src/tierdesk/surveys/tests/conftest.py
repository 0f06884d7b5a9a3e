"""Fixtures of surveys: a customer's ticket in a group with a manager, and solving it."""

from __future__ import annotations

import pytest

from conftest import make_person
from tierdesk.accounts.choices import Role
from tierdesk.tickets.services import ticket_open, ticket_update


@pytest.fixture
def manager(group):
    person = make_person("maria", role=Role.MANAGER)
    group.manager = person
    group.save()
    return person


@pytest.fixture
def other_manager(db):
    return make_person("mike", role=Role.MANAGER)


@pytest.fixture
def ticket(alice, group):
    ticket = ticket_open(actor=alice, subject="Queries time out", body="Since Monday.", route=False)
    ticket.group = group
    ticket.save(update_fields=["group"])
    return ticket


def solve(ticket, agent):
    return ticket_update(actor=agent, ticket=ticket, changes={"status": "solved"})


def reopen(ticket, agent):
    return ticket_update(actor=agent, ticket=ticket, changes={"status": "open"})
