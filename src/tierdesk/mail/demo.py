"""The demo desk's support addresses: support@tierdesk.test is the default, and the Japanese and
Russian desks have their own, each landing in its tier-1 group."""

from __future__ import annotations

from tierdesk.accounts.models import SkillGroup
from tierdesk.mail.models import SupportAddress

DEMO_ADDRESSES = (
    ("support@tierdesk.test", "tierdesk Support", "Tier 1 / English", True),
    ("support-ja@tierdesk.test", "tierdesk サポート", "Tier 1 / Japanese", False),
    ("support-ru@tierdesk.test", "Поддержка tierdesk", "Tier 1 / Russian", False),
)


def seed_mail_demo() -> None:
    """Creates the demo support addresses that do not exist yet; a group the demo does not have
    leaves the address without one (its mail goes to no group's queue)."""
    groups = {g.name: g for g in SkillGroup.objects.filter(name__in=[a[2] for a in DEMO_ADDRESSES])}
    has_default = SupportAddress.objects.filter(is_default=True).exists()
    for address, name, group_name, default in DEMO_ADDRESSES:
        SupportAddress.objects.get_or_create(
            address=address,
            defaults={
                "name": name,
                "brand": "tierdesk",
                "group": groups.get(group_name),
                "is_default": default and not has_default,
            },
        )
