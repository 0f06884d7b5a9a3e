"""Demo data: the same desk for the same seed, a realistic shape, and a history recorded exactly
as the ticket services record it, so that metrics computed from events hold on it."""

from __future__ import annotations

import json
import zoneinfo
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from tierdesk.accounts.models import User
from tierdesk.cli import demo_seed_plan
from tierdesk.core.text import text_to_html
from tierdesk.demo.cast import REGION_TIME_ZONE
from tierdesk.demo.seed import DemoDataExists, seed_demo
from tierdesk.tickets.choices import UNSOLVED_STATUSES
from tierdesk.tickets.models import Message, Ticket, TicketEvent

NOW = datetime(2024, 6, 1, tzinfo=UTC)
TICKETS = 300


@pytest.fixture
def desk(db):
    return seed_demo(tickets=TICKETS, seed=7, now=NOW)


@pytest.fixture
def large_desk(db):
    """Enough tickets that shares of the mix are measured to within a couple of percent."""
    return seed_demo(tickets=2_000, seed=7, now=NOW)


def _subjects() -> list[str]:
    return list(Ticket.objects.order_by("created_at", "number").values_list("subject", flat=True))


def _counts() -> tuple[int, int, int]:
    return Ticket.objects.count(), Message.objects.count(), TicketEvent.objects.count()


def test_same_seed_and_now_give_the_same_desk(db):
    # Given a desk seeded once
    first = seed_demo(tickets=TICKETS, seed=7, now=NOW)
    subjects, counts = _subjects(), _counts()
    # When its tickets are removed and it is seeded again with the same seed and end
    TicketEvent.objects.all().delete()
    Message.objects.all().delete()
    Ticket.objects.all().delete()
    second = seed_demo(tickets=TICKETS, seed=7, now=NOW)
    # Then the same tickets, messages and events come out
    assert (first.tickets, first.messages, first.events) == (
        second.tickets,
        second.messages,
        second.events,
    )
    assert _counts() == counts
    assert _subjects() == subjects
    assert counts[0] == TICKETS


def test_another_seed_gives_another_desk(db):
    seed_demo(tickets=TICKETS, seed=7, now=NOW)
    subjects = _subjects()
    Ticket.objects.all().delete()

    seed_demo(tickets=TICKETS, seed=8, now=NOW)

    assert _subjects() != subjects


def test_fixed_logins_exist_with_password_demo_and_their_roles(desk):
    logins = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                "admin",
                "agent1",
                "agent2",
                "agent3",
                "manager1",
                "customer1",
                "customer2",
            ]
        )
    }

    assert len(logins) == 7
    # One hash for all: checking it once checks every login's password.
    assert len({u.password for u in logins.values()}) == 1
    assert logins["agent1"].check_password("demo")
    admin = logins["admin"]
    assert (admin.role, admin.is_superuser, admin.is_staff) == ("admin", True, True)
    assert [(logins[a].role, logins[a].tier) for a in ("agent1", "agent2", "agent3")] == [
        ("agent", 1),
        ("agent", 2),
        ("agent", 3),
    ]
    assert logins["agent3"].skill_groups.filter(name__startswith="Engineering").exists()
    assert logins["manager1"].role == "manager"
    assert logins["customer1"].role == logins["customer2"].role == "customer"


def test_customer1_and_customer2_belong_to_different_organizations_with_tickets(desk):
    customer1 = User.objects.get(username="customer1")
    customer2 = User.objects.get(username="customer2")

    assert customer1.organization_id and customer2.organization_id
    assert customer1.organization_id != customer2.organization_id
    assert Ticket.objects.filter(requester=customer1).exists()
    assert Ticket.objects.filter(requester=customer2).exists()


def test_mix_of_types_languages_and_channels_is_realistic(desk):
    tickets = list(Ticket.objects.values("type", "language", "channel", "tier", "status"))
    types = Counter(t["type"] for t in tickets)

    assert set(types) == {"question", "problem", "incident", "feature_request"}
    assert {t["language"] for t in tickets} == {"en", "ja", "ru"}
    channels = Counter(t["channel"] for t in tickets)
    assert channels.most_common(1)[0][0] == "email"
    assert {t["tier"] for t in tickets} == {1, 2, 3}
    # Old tickets are closed, the newest still in work.
    statuses = Counter(t["status"] for t in tickets)
    assert statuses["closed"] > len(tickets) / 2
    assert any(s in UNSOLVED_STATUSES for s in statuses)


def test_about_40_percent_are_questions_and_10_percent_product_problems(large_desk):
    # Given a desk of a B2B analytics vendor
    types = Counter(Ticket.objects.values_list("type", flat=True))
    total = sum(types.values())

    # Then the issue's shares hold, and the rest are customers' incidents and feature requests
    assert 0.35 <= types["question"] / total <= 0.45
    assert 0.05 <= types["problem"] / total <= 0.15
    assert 0.30 <= types["incident"] / total <= 0.45
    assert 0.08 <= types["feature_request"] / total <= 0.16


def test_incidents_are_mostly_error_reports_and_a_few_urgent_outages(large_desk):
    priorities = Counter(Ticket.objects.filter(type="incident").values_list("priority", flat=True))
    total = sum(priorities.values())

    assert priorities["normal"] > 0 and priorities["high"] > 0
    assert (priorities["normal"] + priorities["high"]) / total > 0.75
    assert 0 < priorities["urgent"] / total < 0.15


def test_about_a_fifth_of_tickets_reach_tier_2_and_one_in_twenty_engineering(large_desk):
    # A ticket's tier only goes up on the demo desk, so its tier is the highest it reached.
    tiers = Counter(Ticket.objects.values_list("tier", flat=True))
    total = sum(tiers.values())

    assert 0.15 <= (tiers[2] + tiers[3]) / total <= 0.25
    assert 0.03 <= tiers[3] / total <= 0.08


def test_arrivals_peak_in_the_customers_business_hours(desk):
    in_hours = 0
    tickets = list(Ticket.objects.select_related("organization"))
    for ticket in tickets:
        local = ticket.created_at.astimezone(
            zoneinfo.ZoneInfo(REGION_TIME_ZONE[ticket.organization.region])
        )
        if local.weekday() < 5 and 8 <= local.hour < 19:
            in_hours += 1

    assert in_hours / len(tickets) > 0.75
    assert all(NOW - timedelta(days=183) <= t.created_at < NOW for t in tickets)


def test_every_ticket_opens_with_a_created_event_and_its_first_message(desk):
    first_event = {}
    for event in TicketEvent.objects.order_by("created_at", "id"):
        first_event.setdefault(event.ticket_id, event)
    first_message = {}
    for message in Message.objects.order_by("created_at", "id"):
        first_message.setdefault(message.ticket_id, message)

    for ticket in Ticket.objects.all():
        created = first_event[ticket.number]
        assert created.kind == "created"
        assert created.created_at == ticket.created_at
        assert created.data["requester"] == ticket.requester_id
        assert created.data["channel"] == ticket.channel
        message = first_message[ticket.number]
        assert message.kind == "public" and message.created_at == ticket.created_at


def test_events_replayed_give_each_tickets_current_fields(desk):
    # Given every ticket's history
    history = defaultdict(list)
    for event in TicketEvent.objects.order_by("created_at", "id"):
        history[event.ticket_id].append(event)

    for ticket in Ticket.objects.all():
        events = history[ticket.number]
        created = events[0]
        # When the changes are applied in order to what the ticket was opened with
        state = {
            "status": "new",
            "tier": "1",
            "group": str(created.data["group"]),
            "assignee": "",
            "priority": created.data["priority"],
            "restricted": "false",
            "first_responded_at": "",
        }
        solved_at = closed_at = None
        for event in events[1:]:
            if event.kind != "changed" or event.field == "restricted_to":
                continue
            # Then each change starts from the value the previous one left
            assert state[event.field] == event.from_value, (ticket.number, event.field)
            assert event.data["to_label"] is not None
            state[event.field] = event.to_value
            if event.field == "status":
                solved_at = (
                    event.created_at
                    if event.to_value == "solved"
                    else (solved_at if event.to_value == "closed" else None)
                )
                closed_at = event.created_at if event.to_value == "closed" else closed_at
        # And end where the ticket is
        assert state["status"] == ticket.status
        assert state["tier"] == str(ticket.tier)
        assert state["group"] == str(ticket.group_id)
        assert state["assignee"] == (str(ticket.assignee_id) if ticket.assignee_id else "")
        assert state["priority"] == ticket.priority
        assert ticket.solved_at == solved_at
        assert ticket.closed_at == closed_at
        assert ticket.updated_at == events[-1].created_at


def test_solved_and_closed_times_follow_their_status_events(desk):
    autoclose = timedelta(days=settings.TIERDESK_AUTOCLOSE_DAYS)
    for ticket in Ticket.objects.filter(status__in=["solved", "closed"]):
        moves = list(
            TicketEvent.objects.filter(ticket=ticket, field="status").order_by("created_at", "id")
        )
        assert ticket.solved_at == [e for e in moves if e.to_value == "solved"][-1].created_at
        if ticket.status == "closed":
            closing = moves[-1]
            assert (closing.from_value, closing.to_value, closing.actor_id) == (
                "solved",
                "closed",
                None,
            )
            assert ticket.closed_at == closing.created_at
            assert ticket.closed_at - ticket.solved_at >= autoclose
        else:
            assert ticket.closed_at is None
            assert NOW - ticket.solved_at < autoclose + timedelta(hours=2)
    for ticket in Ticket.objects.filter(status__in=UNSOLVED_STATUSES):
        assert ticket.solved_at is None and ticket.closed_at is None


def test_first_response_is_the_first_staff_reply(desk):
    staff = set(User.objects.exclude(role="customer").values_list("id", flat=True))
    replies = defaultdict(list)
    for message in Message.objects.filter(kind="public").order_by("created_at", "id"):
        replies[message.ticket_id].append(message)

    for ticket in Ticket.objects.all():
        # The opening message is not a response, even when an engineer wrote it (a phone call).
        staff_replies = [m.created_at for m in replies[ticket.number][1:] if m.author_id in staff]
        assert ticket.first_responded_at == (staff_replies[0] if staff_replies else None)
        if ticket.first_responded_at:
            event = TicketEvent.objects.get(ticket=ticket, field="first_responded_at")
            assert event.created_at == ticket.first_responded_at
            assert event.to_value == str(ticket.first_responded_at)


def test_escalations_are_recorded_as_tier_and_group_changes(desk):
    escalated = Ticket.objects.filter(tier__gte=2)
    assert escalated.exists()
    for ticket in escalated:
        tiers = list(
            TicketEvent.objects.filter(ticket=ticket, field="tier")
            .order_by("created_at", "id")
            .values_list("to_value", flat=True)
        )
        assert tiers == [str(t) for t in range(2, ticket.tier + 1)]
        assert TicketEvent.objects.filter(ticket=ticket, field="group").count() == ticket.tier - 1
        assert TicketEvent.objects.filter(ticket=ticket, kind="note").exists()


def test_restricted_tickets_are_readable_by_everyone_who_worked_on_them(large_desk):
    restricted = list(Ticket.objects.filter(restricted=True).prefetch_related("restricted_to"))

    assert 0 < len(restricted) < 30
    for ticket in restricted:
        readers = {u.pk for u in ticket.restricted_to.all()}
        workers = set(
            TicketEvent.objects.filter(ticket=ticket, field="assignee")
            .exclude(to_value="")
            .values_list("to_value", flat=True)
        )
        assert {int(w) for w in workers} <= readers
        assert TicketEvent.objects.filter(
            ticket=ticket, field="restricted", to_value="true"
        ).exists()


def test_message_html_is_what_text_to_html_makes_of_the_text(desk):
    for text, body_html in Message.objects.values_list("body_text", "body_html"):
        assert body_html == text_to_html(text)


def test_languages_of_thread_follow_the_requester(desk):
    japanese = Ticket.objects.filter(language="ja").first()
    russian = Ticket.objects.filter(language="ru").first()

    assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in japanese.subject)
    assert any("\u0400" <= ch <= "\u04ff" for ch in russian.subject)
    assert japanese.requester.language == "ja"
    created = TicketEvent.objects.get(ticket=japanese, kind="created")
    assert json.loads(json.dumps(created.data))["language"] == "ja"


def test_seeding_a_desk_with_tickets_is_refused_unless_appending(desk):
    with pytest.raises(DemoDataExists, match="--append"):
        seed_demo(tickets=10, seed=7, now=NOW)

    report = seed_demo(tickets=10, seed=9, now=NOW, append=True)

    assert report.tickets == 10
    assert Ticket.objects.count() == TICKETS + 10
    assert User.objects.filter(username="agent1").count() == 1


def test_demo_seeds_an_empty_desk(db):
    assert demo_seed_plan(5_000) == 5_000


def test_demo_serves_a_desk_that_has_tickets_as_it_is(ticket):
    assert demo_seed_plan(5_000) == 0


def test_customers_are_written_to_by_engineers_who_speak_their_language(desk):
    speaks = {u.pk: set(u.languages) for u in User.objects.exclude(role="customer")}
    public = Message.objects.filter(kind="public", author_id__in=speaks).select_related("ticket")

    assert public.filter(ticket__language="ja").exists()
    for message in public:
        assert message.ticket.language in speaks[message.author_id], message.ticket_id
