"""Demo data of measures: the targets a support team typically keeps its KPIs to."""

from __future__ import annotations

from decimal import Decimal

from tierdesk.measures.models import Comparison, KpiTarget

# (metric, comparison, value): rates in percent, times in seconds.
DEMO_TARGETS = [
    ("weekly_resolution_rate", Comparison.AT_LEAST, Decimal(60)),
    ("escalation_rate", Comparison.AT_MOST, Decimal(15)),
    ("escalation_rate_engineering", Comparison.AT_MOST, Decimal(5)),
    ("first_response_time", Comparison.AT_MOST, Decimal(4 * 3600)),
    ("one_touch_rate", Comparison.AT_LEAST, Decimal(40)),
    ("reopen_rate", Comparison.AT_MOST, Decimal(8)),
]


def seed_measures_demo() -> int:
    """Sets the team targets of DEMO_TARGETS where the team has none; the number set. The
    figures themselves come from the tickets' events, so there is nothing else to seed."""
    created = 0
    for metric, comparison, value in DEMO_TARGETS:
        _target, made = KpiTarget.objects.get_or_create(
            metric=metric, group=None, defaults={"comparison": comparison, "value": value}
        )
        created += made
    return created
