"""The seeded period: six months ending at a moment given on the command line or today."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

PERIOD_DAYS = 182


def parse_now(value: str) -> datetime:
    """A date (00:00 UTC that day) or an ISO date-time (UTC when it names no offset) for --now."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"{value!r} is not a date (2024-06-01) or date-time (2024-06-01T12:00:00Z)."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def demo_period(now: datetime | None = None) -> tuple[datetime, datetime]:
    """(start, end) of the seeded desk: six months ending at `now`, which defaults to today at
    00:00 UTC so that two runs on the same day produce the same desk."""
    if now is None:
        now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    end = now.astimezone(UTC).replace(microsecond=0)
    start = (end - timedelta(days=PERIOD_DAYS)).replace(hour=0, minute=0, second=0)
    return start, end
