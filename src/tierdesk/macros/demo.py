# ruff: noqa: RUF001 - macros are written in Japanese and Russian on purpose.
"""Demo macros: the canned replies and notes a support desk really uses, global, per group
(in the group's language) and one engineer's personal ones."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tierdesk.accounts.models import SkillGroup, User
from tierdesk.macros.models import Macro

# (name, group name or None for global, kind, body, changes)
DEMO_MACROS: tuple[tuple[str, str | None, str, str, dict[str, Any]], ...] = (
    (
        "Ask for logs",
        None,
        "reply",
        "Hi {{ requester.first_name }},\n\nThanks for reporting this. To find out what is going "
        "on, could you attach the server logs covering the time of the error (Settings → "
        "Diagnostics → Download logs), and tell us the exact time it happened, with your time "
        "zone?\n\nBest regards,\n{{ agent.first_name }}",
        {"status": "pending", "tags_add": ["logs-requested"]},
    ),
    (
        "Known issue — workaround",
        None,
        "reply",
        "Hi {{ requester.first_name }},\n\nThis is a known issue in the current release, and our "
        "engineers are working on a fix. Until it ships, you can work around it by disabling "
        "result caching for the affected dashboard (Dashboard → Settings → Cache: off).\n\nWe will "
        "update ticket #{{ ticket.number }} as soon as the fix is released.\n\n"
        "{{ agent.name }}",
        {"status": "on_hold", "tags_add": ["known-issue"], "type": "problem"},
    ),
    (
        "Solved — confirm",
        None,
        "reply",
        "Hi {{ requester.first_name }},\n\nGlad we could sort this out. I am marking the request "
        "as solved; if anything is still not right, just reply here and it reopens.\n\n"
        "{{ agent.first_name }}",
        {"status": "solved"},
    ),
    (
        "No answer — closing reminder",
        None,
        "reply",
        "Hi {{ requester.first_name }},\n\nWe have not heard back from you about "
        "“{{ ticket.subject }}”. Is the problem still happening? If we do not hear from you, "
        "we will consider it resolved.\n\n{{ agent.first_name }}",
        {"status": "pending"},
    ),
    (
        "Feature request — logged",
        None,
        "reply",
        "Hi {{ requester.first_name }},\n\nThank you for the suggestion. I have passed it on to "
        "our product team with the details of how {{ organization.name }} would use it. We "
        "cannot promise a date, but every request is reviewed.\n\n{{ agent.first_name }}",
        {"type": "feature_request", "status": "solved", "tags_add": ["product-feedback"]},
    ),
    (
        "Take it and acknowledge",
        None,
        "reply",
        "Hi {{ requester.first_name }},\n\nI am {{ agent.first_name }} and I will be looking "
        "after your request #{{ ticket.number }}. I will get back to you with an update "
        "shortly.",
        {"assignee": "me", "status": "open"},
    ),
    (
        "Needs back line",
        "Tier 1 / English",
        "note",
        "Escalation check for #{{ ticket.number }}: reproduced on our side, logs attached, no "
        "matching article. Handing over to tier 2.",
        {"tags_add": ["needs-tier-2"], "priority": "high"},
    ),
    (
        "Query timeout — first steps",
        "Tier 2 / Query engine",
        "reply",
        "Hi {{ requester.first_name }},\n\nQuery timeouts usually come from a missing partition "
        "filter or a very large join. Could you send us the query text and its execution plan "
        "(EXPLAIN ANALYZE)? In the meantime, adding a date filter on the partition column "
        "often brings the run time down.\n\n{{ agent.first_name }}",
        {"product_area": "query_engine", "status": "pending", "tags_add": ["query-timeout"]},
    ),
    (
        "ログの送付依頼",
        "Tier 1 / Japanese",
        "reply",
        "{{ requester.name }} 様\n\nお問い合わせいただきありがとうございます。"
        "調査のため、エラー発生時刻前後のサーバーログ（設定 → 診断 → ログをダウンロード）を"
        "添付いただけますでしょうか。\n\nよろしくお願いいたします。\n{{ agent.name }}",
        {"status": "pending", "tags_add": ["logs-requested"]},
    ),
    (
        "解決のご連絡",
        "Tier 1 / Japanese",
        "reply",
        "{{ requester.name }} 様\n\n本件は解決済みとさせていただきます。"
        "問題が再発した場合は、このメールにご返信ください。\n\n{{ agent.name }}",
        {"status": "solved"},
    ),
    (
        "Запрос логов",
        "Tier 1 / Russian",
        "reply",
        "Здравствуйте, {{ requester.first_name }}!\n\nСпасибо за обращение. Чтобы разобраться, "
        "пришлите, пожалуйста, логи сервера за время ошибки (Настройки → Диагностика → "
        "Скачать логи) и точное время, когда она произошла.\n\nС уважением,\n{{ agent.name }}",
        {"status": "pending", "tags_add": ["logs-requested"]},
    ),
    (
        "Решено — подтверждение",
        "Tier 1 / Russian",
        "reply",
        "Здравствуйте, {{ requester.first_name }}!\n\nРады, что проблема решена. Если что-то "
        "снова пойдёт не так, просто ответьте на это письмо — заявка откроется снова.\n\n"
        "{{ agent.name }}",
        {"status": "solved"},
    ),
)

# One engineer's personal macros, to show that macros are not only shared.
PERSONAL_MACROS: tuple[tuple[str, str, str, str, dict[str, Any]], ...] = (
    (
        "agent1",
        "My sign-off — on leave",
        "reply",
        "Hi {{ requester.first_name }},\n\nI am out of the office until Monday; my colleagues "
        "in {{ organization.name }}'s support team will keep an eye on #{{ ticket.number }}."
        "\n\n{{ agent.first_name }}",
        {"assignee": "none"},
    ),
)


def seed_macros_demo() -> None:
    """Creates the demo macros once (by name and scope); groups or people the demo does not have
    are skipped, so the seed works on a partial demo desk too."""
    now = timezone.now()
    groups = {g.name: g for g in SkillGroup.objects.all()}
    for name, group_name, kind, body, changes in DEMO_MACROS:
        group = groups.get(group_name) if group_name else None
        if group_name and group is None:
            continue
        Macro.objects.get_or_create(
            name=name,
            group=group,
            owner=None,
            defaults={
                "kind": kind,
                "body": body,
                "changes": _with_group_ids(changes, groups),
                "created_at": now,
                "updated_at": now,
            },
        )
    for username, name, kind, body, changes in PERSONAL_MACROS:
        owner = User.objects.filter(username=username).first()
        if owner is None:
            continue
        Macro.objects.get_or_create(
            name=name,
            owner=owner,
            group=None,
            defaults={
                "kind": kind,
                "body": body,
                "changes": changes,
                "created_at": now,
                "updated_at": now,
                "created_by": owner,
            },
        )


def _with_group_ids(changes: dict[str, Any], groups: dict[str, SkillGroup]) -> dict[str, Any]:
    """Macros store a group by id; the demo names it."""
    if "group" not in changes:
        return dict(changes)
    group = groups.get(changes["group"])
    rest = {k: v for k, v in changes.items() if k != "group"}
    return {**rest, "group": group.pk} if group else rest
