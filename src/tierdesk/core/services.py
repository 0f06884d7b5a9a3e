"""Housekeeping writes shared by every capability."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from tierdesk.core.models import IdempotentRequest


def idempotent_requests_prune(*, now: datetime | None = None, batch_size: int = 5_000) -> int:
    """Deletes stored Idempotency-Key answers older than the retention; returns how many went.

    Deletes in batches so a large backlog never holds the SQLite write lock for long.
    """
    cutoff = (now or timezone.now()) - timedelta(
        hours=settings.TIERDESK_IDEMPOTENCY_RETENTION_HOURS
    )
    deleted = 0
    while True:
        ids = list(
            IdempotentRequest.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[
                :batch_size
            ]
        )
        if not ids:
            return deleted
        deleted += IdempotentRequest.objects.filter(pk__in=ids).delete()[0]
