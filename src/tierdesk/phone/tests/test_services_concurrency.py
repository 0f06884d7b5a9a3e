"""Two reports of one new call at the same moment (the telephony system retrying, or its ringing
and answered events crossing): one call, one ticket, both reports kept."""

from __future__ import annotations

import pytest
from django.db import connection

from tierdesk.phone.models import Call
from tierdesk.phone.tests.conftest import at
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.tests.test_services_concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_racing_reports_of_a_new_call_create_it_once(report, dana, agent):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TIERDESK_TEST_POSTGRES) for real concurrent transactions")
    ringing = {"caller_number": "+15550102030", "queue": "Support EN", "offered_at": at(0)}

    failures = run_together(
        lambda: report(**ringing),
        lambda: report(**ringing, answered_at=at(7), agent="agent"),
    )

    assert failures == []
    call = Call.objects.get()
    assert (call.answered_at, call.agent) == (at(7), agent)
    assert Ticket.objects.count() == 1
