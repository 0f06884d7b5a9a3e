"""Demo content of the engineering link: one inactive webhook connector, so the admin pages show
a real connector while nothing is ever sent."""

from __future__ import annotations

from tierdesk.engineering.choices import ConnectorKind
from tierdesk.engineering.models import Connector

DEMO_CONNECTOR = "Engineering tracker (example)"


def seed_engineering_demo() -> None:
    """Creates the demo connector once; inactive and pointing at example.com (RFC 2606), so a
    demo escalation to tier 3 opens no issue anywhere."""
    Connector.objects.get_or_create(
        name=DEMO_CONNECTOR,
        defaults={
            "kind": ConnectorKind.WEBHOOK,
            "active": False,
            "url": "https://tracker.example.com/hooks/tierdesk",
            "signing_secret": "demo-signing-secret",
            "inbound_secret": "demo-inbound-secret",
            "labels": ["support", "tier-3"],
        },
    )
