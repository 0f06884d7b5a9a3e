"""Demo escalations: the simulated desk's past tier moves as escalation records (so the counts
report has weeks to show), a handful of live escalations in every state on open tickets, and a
complaint owned by an escalation manager. Idempotent: nothing is added once escalations exist.

The live escalations follow the escalation rules: each ticket is escalated by the front-line
agent who holds it (or, when nobody does, by the scenario's agent, whose it then becomes)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tierdesk.accounts.choices import Role, Tier
from tierdesk.accounts.models import SkillGroup, User
from tierdesk.demo.cast import BACK_LINE_FOR_AREA, ENGINEERING_DEFAULT, ENGINEERING_FOR_AREA
from tierdesk.escalations.models import Escalation, EscalationStatus
from tierdesk.escalations.services import (
    escalation_accept,
    escalation_create,
    escalation_resolve,
    escalation_return,
    escalation_withdraw,
    ticket_flag_escalation,
)
from tierdesk.tickets.choices import EventKind, MessageKind, Status
from tierdesk.tickets.models import Message, Ticket, TicketEvent

# How far back the desk's history becomes escalation records: the report's longest view.
HISTORY_WEEKS = 26

PACKAGES: dict[str, dict[str, str]] = {
    "query_engine": {
        "summary": "Queries joining the orders cube time out since the upgrade to 4.2",
        "customer_impact": "Month-end dashboards fail for the finance team (about 40 users); "
        "their close is on Friday.",
        "steps_to_reproduce": "1. Open the 'Monthly revenue' dashboard\n2. Set the period to "
        "the last 12 months\n3. Wait for the orders widget",
        "expected_result": "The widget loads in under 10 seconds, as on 4.1",
        "actual_result": "ERR_QUERY_TIMEOUT after 120 seconds; the query plan shows a full "
        "scan of order_lines",
        "environment": "Server 4.2.1, cloud, region eu-west-1, account fin-prod",
        "tried": "Cleared the result cache, rebuilt statistics, raised the timeout to 300 s "
        "(still times out); 4.1 on their staging is fast.",
        "links": "https://status.lumora.example/incidents/2291",
    },
    "integrations": {
        "summary": "Salesforce sync stops after the token refresh every night",
        "customer_impact": "Sales pipeline reports are a day old every morning for the whole "
        "sales organization.",
        "steps_to_reproduce": "1. Connect a Salesforce org with a 12-hour token policy\n2. Let "
        "the nightly sync run past the token's expiry",
        "expected_result": "The connector refreshes the token and the sync completes",
        "actual_result": "HTTP 401 INVALID_SESSION_ID; the sync stays 'running' until cancelled",
        "environment": "Connector 3.8.0, cloud, region us-east-1, account sales-ops",
        "tried": "Reconnected the org, which helps for one night; checked the connected app's "
        "refresh token policy with the customer.",
        "links": "https://docs.lumora.example/connectors/salesforce#tokens",
    },
    "administration": {
        "summary": "SAML sign-in loops back to the login page for users in a second domain",
        "customer_impact": "About 300 users of the acquired subsidiary cannot sign in since "
        "Monday.",
        "steps_to_reproduce": "1. Add a second email domain to the SAML settings\n2. Sign in "
        "as a user of that domain",
        "expected_result": "The user lands on their home page",
        "actual_result": "Redirected back to the login page; the audit log shows 'assertion "
        "audience mismatch'",
        "environment": "Server 4.2.0, on-premises, Azure AD as identity provider",
        "tried": "Compared the metadata with the identity provider, re-uploaded the "
        "certificate, cleared sessions.",
        "links": "https://docs.lumora.example/admin/saml",
    },
}
RETURN_REASON = (
    "Please attach the query plan (EXPLAIN output) and the server log of one failing run; "
    "without them we cannot tell the cache from the planner."
)
WITHDRAW_REASON = (
    "Sent before the customer's server log came in; escalating again with the log of the "
    "failing run."
)
RESOLUTION = (
    "Known planner regression in 4.2.0-4.2.1, fixed in 4.2.2. Workaround until they upgrade: "
    "set planner.join_reorder=false for the finance workspace. Please tell the customer."
)


# Which package story fits a product area.
PACKAGE_FOR_AREA = {
    "query_engine": "query_engine",
    "dashboards": "query_engine",
    "integrations": "integrations",
    "ingestion": "integrations",
    "api": "integrations",
}


def _package(area: str, to_tier: int) -> dict[str, Any]:
    text = dict(PACKAGES[PACKAGE_FOR_AREA.get(area, "administration")])
    links = [text.pop("links")]
    if to_tier < Tier.ENGINEERING:
        for name in ("steps_to_reproduce", "expected_result", "actual_result", "environment"):
            text[name] = ""
    return {**text, "links": links}


def _people(*usernames: str) -> dict[str, User] | None:
    found = {u.username: u for u in User.objects.filter(username__in=usernames)}
    return found if len(found) == len(usernames) else None


@transaction.atomic
def seed_escalations_demo() -> None:
    """Adds the demo escalations once; does nothing when escalations exist or the demo cast does
    not."""
    if Escalation.objects.exists():
        return
    people = _people(
        "agent1",
        "l.obrien",
        "s.martins",
        "n.fischer",
        "agent2",
        "d.ito",
        "h.schmidt",
        "l.moreau",
        "manager1",
    )
    if people is None:
        return
    _history_as_escalations()
    _live_escalations(people)


# --- the desk's history -----------------------------------------------------------------------


def _history_as_escalations() -> None:
    """One resolved (or still open) escalation per tier move up in the simulated history: who
    moved it, which group it came from and went to, who picked it up on the higher tier and when
    it came back down or was solved; the package note at the move is its summary."""
    since = timezone.now() - timedelta(weeks=HISTORY_WEEKS)
    moves = list(
        TicketEvent.objects.filter(
            kind=EventKind.CHANGED, field="tier", created_at__gte=since, actor__isnull=False
        )
        .order_by("ticket_id", "created_at", "id")
        .values("ticket_id", "actor_id", "from_value", "to_value", "created_at")
    )
    ups = [m for m in moves if m["from_value"].isdigit() and m["to_value"].isdigit()]
    if not ups:
        return
    ticket_ids = {m["ticket_id"] for m in ups}
    changes: dict[int, list[dict]] = defaultdict(list)
    for event in (
        TicketEvent.objects.filter(
            ticket_id__in=ticket_ids, kind=EventKind.CHANGED, field__in=["group", "assignee"]
        )
        .order_by("created_at", "id")
        .values("ticket_id", "field", "from_value", "to_value", "created_at")
    ):
        changes[event["ticket_id"]].append(event)
    notes: dict[tuple[int, int], str] = {}
    for note in Message.objects.filter(
        ticket_id__in=ticket_ids, kind=MessageKind.INTERNAL, created_at__gte=since
    ).values("ticket_id", "author_id", "created_at", "body_text"):
        notes.setdefault((note["ticket_id"], note["author_id"]), note["body_text"])
    tickets = {
        t["number"]: t
        for t in Ticket.objects.filter(number__in=ticket_ids).values(
            "number", "subject", "status", "solved_at"
        )
    }
    tier_of = dict(User.objects.filter(tier__isnull=False).values_list("pk", "tier"))
    groups = set(SkillGroup.objects.values_list("pk", flat=True))
    rows = []
    by_ticket: dict[int, list[dict]] = defaultdict(list)
    for move in ups:
        by_ticket[move["ticket_id"]].append(move)
    for number, ticket_moves in by_ticket.items():
        ticket = tickets[number]
        for i, move in enumerate(ticket_moves):
            from_tier, to_tier = int(move["from_value"]), int(move["to_value"])
            if to_tier <= from_tier:
                continue
            at = move["created_at"]
            later = [m for m in ticket_moves[i + 1 :] if int(m["to_value"]) < to_tier]
            back_at = later[0]["created_at"] if later else ticket["solved_at"]
            group_change = next(
                (c for c in changes[number] if c["field"] == "group" and c["created_at"] == at),
                None,
            )
            holder = next(
                (
                    c
                    for c in changes[number]
                    if c["field"] == "assignee"
                    and c["created_at"] >= at
                    and c["to_value"].isdigit()
                    and tier_of.get(int(c["to_value"])) == to_tier
                ),
                None,
            )
            status = (
                EscalationStatus.RESOLVED
                if back_at is not None
                else EscalationStatus.ACCEPTED
                if holder is not None
                else EscalationStatus.REQUESTED
            )
            if status != EscalationStatus.RESOLVED and ticket["status"] in {
                Status.SOLVED,
                Status.CLOSED,
            }:
                status = EscalationStatus.RESOLVED
                back_at = ticket["solved_at"] or at
            summary = notes.get((number, move["actor_id"])) or ticket["subject"]
            rows.append(
                Escalation(
                    ticket_id=number,
                    from_tier=from_tier,
                    to_tier=to_tier,
                    group_id=_group_id(group_change, "to_value", groups),
                    from_group_id=_group_id(group_change, "from_value", groups),
                    status=status,
                    requested_by_id=move["actor_id"],
                    accepted_by_id=int(holder["to_value"]) if holder else None,
                    summary=summary.splitlines()[0][:500] if summary else ticket["subject"],
                    customer_impact=summary[:2000] if summary else "",
                    created_at=at,
                    accepted_at=holder["created_at"] if holder else None,
                    resolved_at=back_at if status == EscalationStatus.RESOLVED else None,
                    resolution="",
                )
            )
    Escalation.objects.bulk_create(rows, batch_size=500)


def _group_id(change: dict | None, key: str, groups: set[int]) -> int | None:
    if change is None or not change[key].isdigit():
        return None
    pk = int(change[key])
    return pk if pk in groups else None


# --- live escalations -------------------------------------------------------------------------


def _open_tickets(count: int) -> list[Ticket]:
    """Open, unrestricted tier-1 tickets no escalation has touched and that nobody or a
    front-line agent holds (an agent escalates only what is free or theirs), newest first."""
    return list(
        Ticket.objects.filter(
            Q(assignee__isnull=True) | Q(assignee__role=Role.AGENT, assignee__tier=Tier.FRONT_LINE),
            tier=Tier.FRONT_LINE,
            restricted=False,
            status__in=[Status.NEW, Status.OPEN, Status.PENDING],
            merged_into__isnull=True,
        )
        .exclude(number__in=Escalation.objects.values("ticket_id"))
        .select_related("assignee")
        .order_by("-created_at", "-number")[:count]
    )


def _requester(ticket: Ticket, named: User) -> User:
    """Who escalates `ticket`: its front-line holder, or `named` when nobody holds it."""
    return ticket.assignee or named


def _escalate(actor: User, ticket: Ticket, to_tier: int = Tier.BACK_LINE) -> Escalation:
    area = ticket.product_area
    name = (
        ENGINEERING_FOR_AREA.get(area, ENGINEERING_DEFAULT)
        if to_tier == Tier.ENGINEERING
        else BACK_LINE_FOR_AREA.get(area, "")
    )
    group = SkillGroup.objects.filter(name=name, tier=to_tier).first()
    return escalation_create(
        actor=actor,
        ticket=ticket,
        to_tier=to_tier,
        group=group,
        **_package(ticket.product_area, to_tier),
    )


def _live_escalations(people: dict[str, User]) -> None:
    """As many of the scenarios as there are open front-line tickets, most telling first."""
    tickets = _open_tickets(5)
    scenarios = [_held_complaint, _waiting, _returned, _to_engineering, _resolved]
    for scenario, ticket in zip(scenarios, tickets, strict=False):
        scenario(people, ticket)


def _held_complaint(people: dict[str, User], ticket: Ticket) -> None:
    """Held by tier 2; a complaint whose customer communication a manager owns."""
    requester = _requester(ticket, people["l.obrien"])
    escalation_accept(actor=people["agent2"], escalation=_escalate(requester, ticket))
    ticket_flag_escalation(
        actor=people["manager1"],
        ticket=ticket,
        flag="complaint",
        escalation_manager=people["manager1"],
    )


def _waiting(people: dict[str, User], ticket: Ticket) -> None:
    """Withdrawn to add the customer's log, then escalated again and waiting for tier 2."""
    requester = _requester(ticket, people["agent1"])
    escalation_withdraw(
        actor=requester, escalation=_escalate(requester, ticket), reason=WITHDRAW_REASON
    )
    _escalate(requester, ticket)


def _returned(people: dict[str, User], ticket: Ticket) -> None:
    """Returned for a better package."""
    escalation = _escalate(_requester(ticket, people["n.fischer"]), ticket)
    escalation_accept(actor=people["h.schmidt"], escalation=escalation)
    escalation_return(actor=people["h.schmidt"], escalation=escalation, reason=RETURN_REASON)


def _to_engineering(people: dict[str, User], ticket: Ticket) -> None:
    """Tier 2 took it and sent it on to engineering."""
    requester = _requester(ticket, people["s.martins"])
    escalation_accept(actor=people["d.ito"], escalation=_escalate(requester, ticket))
    ticket.refresh_from_db()
    _escalate(people["d.ito"], ticket, to_tier=Tier.ENGINEERING)


def _resolved(people: dict[str, User], ticket: Ticket) -> None:
    """Answered by tier 2; tier 1 tells the customer."""
    escalation = _escalate(_requester(ticket, people["agent1"]), ticket)
    escalation_accept(actor=people["l.moreau"], escalation=escalation)
    escalation_resolve(actor=people["l.moreau"], escalation=escalation, resolution=RESOLUTION)
