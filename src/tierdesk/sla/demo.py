"""The demo desk's clocks: every seeded ticket measured against the default policies, so the
ticket pages, queues and attainment show real numbers from the start."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from tierdesk.sla.book import current_book
from tierdesk.sla.models import SlaClock
from tierdesk.sla.services import clocks_refresh
from tierdesk.tickets.models import Ticket

BATCH = 500


def seed_sla_demo() -> int:
    """Computes the clocks of every ticket that has none; returns how many tickets. Warnings and
    breaches already past count as seen, so the first sweep does not notify the demo's
    engineers about six months of history at once."""
    now = timezone.now()
    numbers = list(
        Ticket.objects.exclude(Exists(SlaClock.objects.filter(ticket_id=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    book = current_book()
    for start in range(0, len(numbers), BATCH):
        with transaction.atomic():
            clocks_refresh(numbers[start : start + BATCH], now=now, book=book)
    SlaClock.objects.filter(warned_at__isnull=True, warn_at__lte=now).update(warned_at=F("warn_at"))
    SlaClock.objects.filter(breach_recorded_at__isnull=True, due_at__lt=now).update(
        breach_recorded_at=F("due_at")
    )
    return len(numbers)
