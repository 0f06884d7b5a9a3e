"""Fixtures of phone: the telephony integration's account, a contact with a phone number, a
fixed clock, and a helper that reports a call in one line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from conftest import make_person
from tierdesk.accounts.choices import Role, Tier
from tierdesk.phone.services import call_report

NOW = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """A time `seconds` after the call was offered (a minute before NOW)."""
    return NOW - timedelta(minutes=1) + timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def pbx(db):
    """The telephony integration's account: an agent whose token the phone system uses."""
    return make_person("pbx", role=Role.AGENT, tier=Tier.FRONT_LINE)


@pytest.fixture
def dana(acme):
    """A customer contact whose phone number is written the way people write it."""
    return make_person("dana", organization=acme, phone="+1 (555) 010-2030")


@pytest.fixture
def report(pbx):
    """report(call_id, **fields) as the telephony system; returns the CallReport."""

    def run(external_id="call-1", actor=None, source="default", **fields):
        return call_report(
            actor=actor or pbx, source=source, external_id=external_id, fields=fields
        )

    return run
