"""The demo desk's routing: rules for its skill groups, automatic assignment in the front-line
groups, and weekly shifts and capacity for its engineers. Idempotent: what exists is kept."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.db import transaction

from tierdesk.accounts.choices import Role, Tier
from tierdesk.accounts.models import SkillGroup, User
from tierdesk.routing import services
from tierdesk.routing.choices import AssignmentMode
from tierdesk.routing.models import Availability, GroupAssignment, RoutingRule

OUTAGE_WORDS = [
    "outage",
    "down",
    "not working",
    "unavailable",
    "production stopped",
    "障害",
    "停止",
    "ダウン",
    "つながらない",
    "сбой",
    "не работает",
    "недоступен",
    "авария",
]
SECURITY_WORDS = [
    "vulnerability",
    "cve",
    "breach",
    "脆弱性",
    "不正アクセス",
    "уязвимость",
    "утечка",
]
BILLING_WORDS = [
    "invoice",
    "license",
    "licence",
    "renewal",
    "請求書",
    "ライセンス",
    "счёт",
    "лицензия",
]

# (name, conditions, actions with group names, stop processing), in the order they run.
DEMO_RULES: tuple[tuple[str, dict[str, Any], dict[str, Any], bool], ...] = (
    (
        "Classify unclassified requests with the triage model",
        {"product_area": [""]},
        {"apply_prediction": {"min_confidence": 0.85}},
        False,
    ),
    (
        "Japanese requests to Tier 1 / Japanese",
        {"language": ["ja"]},
        {"group": "Tier 1 / Japanese"},
        False,
    ),
    (
        "Russian requests to Tier 1 / Russian",
        {"language": ["ru"]},
        {"group": "Tier 1 / Russian"},
        False,
    ),
    (
        "English requests to Tier 1 / English",
        {"language": ["en"]},
        {"group": "Tier 1 / English"},
        False,
    ),
    (
        "Outage words make an urgent incident",
        {"keywords": OUTAGE_WORDS},
        {"priority": "urgent", "type": "incident", "add_tags": ["outage"]},
        False,
    ),
    (
        "Enterprise integration incidents go straight to back line",
        {
            "plan": ["enterprise"],
            "product_area": ["integrations", "ingestion", "api"],
            "type": ["incident", "problem"],
        },
        {"group": "Tier 2 / Integrations", "priority": "high", "add_tags": ["enterprise"]},
        False,
    ),
    (
        "Security reports are high priority",
        {"keywords": SECURITY_WORDS},
        {"priority": "high", "product_area": "security", "add_tags": ["security"]},
        False,
    ),
    (
        "Billing and licence questions",
        {"keywords": BILLING_WORDS},
        {"product_area": "billing", "add_tags": ["billing"]},
        False,
    ),
    ("Phone calls are high priority", {"channel": ["phone"]}, {"priority": "high"}, False),
    (
        "Premium and enterprise incidents are high priority",
        {"plan": ["premium", "enterprise"], "type": ["incident"]},
        {"add_tags": ["sla_priority"]},
        False,
    ),
    (
        "Feature requests feed product feedback",
        {"predicted_type": {"values": ["feature_request"], "min_confidence": 0.8}},
        {"type": "feature_request", "add_tags": ["product_feedback"]},
        True,
    ),
)

GROUP_MODES = {
    "Tier 1 / English": AssignmentMode.ROUND_ROBIN,
    "Tier 1 / Japanese": AssignmentMode.LEAST_LOADED,
    "Tier 1 / Russian": AssignmentMode.ROUND_ROBIN,
}
OFFICE_HOURS = (time(9), time(18))
# A few engineers cover the evening and the night in their region, so someone is on shift.
LATE_SHIFTS = {
    "n.fischer": (time(18), time(2)),
    "s.martins": (time(13), time(22)),
    "e.popova": (time(20), time(5)),
}
CAPACITY = {Tier.FRONT_LINE: 20, Tier.BACK_LINE: 12, Tier.ENGINEERING: 8}


def _resolved(actions: dict[str, Any], groups: dict[str, int]) -> dict[str, Any] | None:
    if "group" not in actions:
        return actions
    if actions["group"] not in groups:
        return None
    return {**actions, "group": groups[actions["group"]]}


@transaction.atomic
def seed_routing_demo() -> None:
    """Creates the demo rules, assignment modes, shifts and capacity that do not exist yet.
    Raises LookupError when the demo's administrator is missing (seed the cast first)."""
    admin = User.objects.filter(username="admin", role=Role.ADMIN).first()
    if admin is None:
        raise LookupError("The demo administrator is missing; seed the demo cast first.")
    groups = dict(SkillGroup.objects.values_list("name", "id"))
    existing = set(RoutingRule.objects.values_list("name", flat=True))
    for name, conditions, actions, stop in DEMO_RULES:
        resolved = _resolved(actions, groups)
        if name in existing or resolved is None:
            continue
        services.routing_rule_create(
            actor=admin,
            name=name,
            conditions=conditions,
            actions=resolved,
            stop_processing=stop,
        )
    for group_name, mode in GROUP_MODES.items():
        if (
            group_name in groups
            and not GroupAssignment.objects.filter(group_id=groups[group_name]).exists()
        ):
            services.group_assignment_set(
                actor=admin, group=SkillGroup.objects.get(pk=groups[group_name]), mode=mode
            )
    engineers = User.objects.filter(role=Role.AGENT, is_active=True).exclude(
        pk__in=Availability.objects.values("person")
    )
    for person in engineers:
        start, end = LATE_SHIFTS.get(person.username, OFFICE_HOURS)
        services.availability_set(
            actor=admin,
            person=person,
            max_open_tickets=CAPACITY.get(person.tier or Tier.FRONT_LINE, 20),
            away=False,
            shifts=[services.ShiftIn(weekday, start, end) for weekday in range(5)],
        )
