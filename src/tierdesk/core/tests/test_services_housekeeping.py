"""Housekeeping: stored Idempotency-Key answers are forgotten after the retention."""

import datetime as dt

import time_machine

from tierdesk.core.models import IdempotentRequest
from tierdesk.core.services import idempotent_requests_prune


def test_old_idempotency_answers_are_pruned_and_recent_kept(agent, settings):
    settings.TIERDESK_IDEMPOTENCY_RETENTION_HOURS = 48
    with time_machine.travel("2026-06-01 00:00Z", tick=False):
        IdempotentRequest.objects.create(
            user=agent, key="old", request_fingerprint="a", status_code=201, response_body={}
        )
    with time_machine.travel("2026-06-02 12:00Z", tick=False):
        IdempotentRequest.objects.create(
            user=agent, key="recent", request_fingerprint="b", status_code=201, response_body={}
        )

    deleted = idempotent_requests_prune(now=dt.datetime(2026, 6, 3, 1, tzinfo=dt.UTC), batch_size=1)

    assert deleted == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["recent"]
