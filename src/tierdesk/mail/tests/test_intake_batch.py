"""The worker's batches of inbound mail: the same tickets, threads, contacts, routing and history
as processing each message alone, a failure quarantined alone, nothing processed twice, and the
task that drains whatever is waiting."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from conftest import make_person
from tierdesk.accounts.choices import Role, Tier
from tierdesk.mail import intake, intake_tasks, threads
from tierdesk.mail.choices import InboundReason, InboundStatus
from tierdesk.mail.intake import inbound_process, inbound_process_pending, inbound_store
from tierdesk.mail.models import InboundMail
from tierdesk.routing import services as routing
from tierdesk.routing.services import ShiftIn
from tierdesk.tickets.choices import EventKind
from tierdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db

# Wednesday 2024-06-05 10:00 UTC, inside the engineers' shifts below.
WEDNESDAY_10_UTC = datetime(2024, 6, 5, 10, 0, tzinfo=UTC)
WEEKDAYS = [ShiftIn(weekday=d, start=time(8), end=time(17)) for d in range(5)]


def store(raw: bytes, *, to: str = "support@tierdesk.test") -> InboundMail:
    """Stored as the listener stores it, not processed yet (no worker runs in tests)."""
    return inbound_store(raw, source="smtp", recipients=[to])


@pytest.fixture
def desk(support_address, billing_address, admin_user, manager, make_mail, alice, carol):
    """Routing rules, two engineers taking turns on the front desk, and a morning's mail: new
    requests, a reply to one of them, an unknown colleague writing twice, a stranger, staff,
    an auto-reply and mail to the billing address."""
    front = support_address.group
    for name in ("emma", "liam"):
        person = make_person(name, role=Role.AGENT, tier=Tier.FRONT_LINE, time_zone="UTC")
        person.skill_groups.add(front)
        routing.availability_set(
            actor=manager, person=person, max_open_tickets=20, away=False, shifts=WEEKDAYS
        )
    routing.group_assignment_set(actor=admin_user, group=front, mode="round_robin")
    routing.routing_rule_create(
        actor=admin_user,
        name="Outages are urgent",
        conditions={"keywords": ["outage"]},
        actions={"priority": "urgent"},
    )
    # A customer's ticket this rule groups is handed out as it is routed; the others once the
    # address's group is theirs: the order of turns must come out the same.
    routing.routing_rule_create(
        actor=admin_user,
        name="Exports to the front desk",
        conditions={"keywords": ["export"]},
        actions={"group": front.pk},
    )
    mail = [
        make_mail(sender=alice.email, subject="Outage on eu-west", message_id="<a1@acme.test>"),
        make_mail(sender=carol.email, subject="Export stops at 10%"),
        make_mail(
            sender=alice.email,
            subject="Re: Outage on eu-west",
            text="Still down.\n\n> Outage on eu-west",
            headers={"In-Reply-To": "<a1@acme.test>", "References": "<a1@acme.test>"},
        ),
        make_mail(sender="Dana New <dana@acme.test>", subject="Cannot sign in"),
        make_mail(sender="dana@acme.test", subject="And the API returns 401"),
        make_mail(sender="someone@elsewhere.example", subject="Question about pricing"),
        make_mail(sender=f"Manager <{manager.email}>", subject="Internal check of the desk"),
        make_mail(sender=alice.email, subject="Out of office", headers={"Auto-Submitted": "yes"}),
    ]
    rows = [store(raw) for raw in mail]
    rows.append(
        store(make_mail(sender=carol.email, subject="Invoice is wrong"), to="billing@tierdesk.test")
    )
    return rows


def outcome() -> dict:
    """What processing left, told apart from ids: each message in order, with the ticket it
    went to numbered in order of appearance, and each ticket with its fields and history."""
    tickets: dict[int, int] = {}
    messages = []
    for row in InboundMail.objects.order_by("received_at", "pk").select_related("message__author"):
        if row.ticket_id is not None:
            tickets.setdefault(row.ticket_id, len(tickets))
        messages.append(
            (
                row.subject,
                row.status,
                row.reason_code,
                row.reason,
                row.attempts,
                tickets.get(row.ticket_id) if row.ticket_id else None,
                row.message.author.email if row.message else None,
            )
        )
    opened = []
    for number in tickets:
        ticket = Ticket.objects.select_related("group", "assignee", "requester").get(pk=number)
        history = [
            (
                event.kind,
                event.field,
                event.data.get("from_label"),
                event.data.get("to_label"),
                event.data.get("rule"),
                event.actor.username if event.actor else None,
            )
            for event in ticket.events.select_related("actor").order_by("id")
        ]
        opened.append(
            (
                ticket.subject,
                ticket.requester.email,
                ticket.group.name if ticket.group else None,
                ticket.assignee.username if ticket.assignee else None,
                ticket.priority,
                ticket.status,
                history,
            )
        )
    return {"messages": messages, "tickets": opened}


@time_machine.travel(WEDNESDAY_10_UTC)
def test_a_batch_leaves_what_processing_each_message_alone_leaves(desk):
    with transaction.atomic():
        for row in desk:
            inbound_process(row.pk)
        alone = outcome()
        transaction.set_rollback(True)

    assert inbound_process_pending() == len(desk)
    together = outcome()

    assert together == alone
    statuses = [m[1] for m in together["messages"]]
    assert statuses.count(InboundStatus.PROCESSED) == 8 and InboundStatus.IGNORED in statuses
    outage, export = together["tickets"][0], together["tickets"][1]
    assert (outage[2], outage[3], outage[4]) == ("Front desk", "emma", "urgent")
    assert (export[3], together["messages"][2][5]) == ("liam", 0)  # the reply threads
    dana = [m for m in together["messages"] if m[6] == "dana@acme.test"]
    assert len(dana) == 2 and len({m[5] for m in dana}) == 2  # one contact, two tickets
    assert together["tickets"][-1][2] == "Billing"


@time_machine.travel(WEDNESDAY_10_UTC)
def test_a_message_that_fails_is_quarantined_alone(monkeypatch, desk):
    real_open = intake.ticket_open

    def open_unless_export(**kwargs):
        if kwargs["subject"].startswith("Export"):
            raise RuntimeError("disk full")
        return real_open(**kwargs)

    monkeypatch.setattr(intake, "ticket_open", open_unless_export)

    inbound_process_pending()

    failed = InboundMail.objects.get(subject="Export stops at 10%")
    assert (failed.status, failed.reason) == (InboundStatus.QUARANTINED, "RuntimeError: disk full")
    assert failed.attempts == 1 and failed.ticket is None
    others = InboundMail.objects.exclude(pk=failed.pk)
    assert not others.filter(status__in=[InboundStatus.RECEIVED, InboundStatus.QUARANTINED])
    assert not Ticket.objects.filter(subject__startswith="Export").exists()
    assert Ticket.objects.filter(subject="Outage on eu-west").get().assignee is not None


def test_a_message_that_cannot_be_read_is_quarantined_alone(monkeypatch, desk):
    real_parse = intake.parse

    def parse_unless_pricing(raw):
        if b"pricing" in raw:
            raise ValueError("unreadable")
        return real_parse(raw)

    monkeypatch.setattr(intake, "parse", parse_unless_pricing)

    inbound_process_pending()

    failed = InboundMail.objects.get(status=InboundStatus.QUARANTINED)
    assert failed.reason == "ValueError: unreadable" and failed.subject == ""
    assert InboundMail.objects.filter(status=InboundStatus.PROCESSED).count() == 7


def test_when_the_batch_fails_as_a_whole_each_message_is_processed_alone(monkeypatch, desk):
    def broken(*args, **kwargs):
        raise RuntimeError("routing unavailable for batches")

    monkeypatch.setattr(routing, "tickets_route", broken)

    assert inbound_process_pending() == len(desk)

    assert InboundMail.objects.filter(status=InboundStatus.PROCESSED).count() == 8
    outage = Ticket.objects.get(subject="Outage on eu-west")
    assert outage.priority == "urgent" and outage.messages.count() == 2


def test_a_batch_stores_the_triage_suggestions_as_each_ticket_alone_would(monkeypatch, desk):
    from tierdesk.triage import services as triage

    texts = []

    def suggest_many(tickets, batch_texts):
        texts.extend(batch_texts)
        return [None for _ in tickets]

    monkeypatch.setattr(triage, "triage_suggest_many", suggest_many)

    inbound_process_pending()

    opened = Ticket.objects.filter(channel="email").order_by("pk")
    assert len(texts) == opened.count() == 7
    assert texts[0] == "Outage on eu-west\nEvery dashboard fails with ERR_QUERY_TIMEOUT since 4.2."


def test_the_hourly_limit_counts_the_earlier_messages_of_the_batch(
    settings, make_mail, support_address, alice
):
    settings.TIERDESK_MAIL_SENDER_LIMIT_PER_HOUR = 2
    for n in range(4):
        store(make_mail(sender=alice.email, subject=f"Loop {n}"))

    inbound_process_pending()

    statuses = list(InboundMail.objects.order_by("pk").values_list("status", "reason_code"))
    assert statuses == [("processed", "")] * 2 + [("held", InboundReason.SENDER_LIMIT)] * 2
    assert "2 messages from" in InboundMail.objects.order_by("pk")[2].reason


def test_processing_again_creates_nothing_twice(make_mail, support_address, alice):
    rows = [store(make_mail(sender=alice.email, subject=f"S{n}")) for n in range(3)]
    inbound_process(rows[1].pk)

    assert inbound_process_pending() == 2
    assert inbound_process_pending() == 0

    assert Ticket.objects.count() == 3
    assert set(InboundMail.objects.values_list("attempts", flat=True)) == {1}


def test_a_message_processed_while_the_batch_read_is_skipped(
    monkeypatch, make_mail, support_address, alice
):
    rows = [store(make_mail(sender=alice.email, subject=f"S{n}")) for n in range(2)]
    real_read = intake._read_batch

    def read_then_another_worker_processes(snapshots, lookups):
        items = real_read(snapshots, lookups)
        inbound_process(rows[0].pk)  # another worker, between our reads and our writes
        return items

    monkeypatch.setattr(intake, "_read_batch", read_then_another_worker_processes)

    assert inbound_process_pending() == 1

    assert Ticket.objects.count() == 2
    assert InboundMail.objects.get(pk=rows[0].pk).attempts == 1


def test_a_batch_holds_at_most_its_bytes(monkeypatch, make_mail, support_address, alice):
    rows = [store(make_mail(sender=alice.email, subject=f"S{n}")) for n in range(3)]
    monkeypatch.setattr(intake, "BATCH_BYTES", rows[0].size + rows[1].size)

    assert inbound_process_pending() == 2
    assert inbound_process_pending() == 1
    assert inbound_process_pending(limit=10) == 0


def test_the_task_drains_every_waiting_message(
    immediate_queue, django_capture_on_commit_callbacks, make_mail, support_address, alice
):
    waiting = [store(make_mail(sender=alice.email, subject=f"Earlier {n}")) for n in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        latest = store(make_mail(sender=alice.email, subject="Latest"))

    processed = InboundMail.objects.filter(pk__in=[*(r.pk for r in waiting), latest.pk])
    assert set(processed.values_list("status", flat=True)) == {InboundStatus.PROCESSED}


def test_a_drain_requested_while_one_runs_runs_once_more_after_it():
    runs: list[int] = []
    inside, release = threading.Event(), threading.Event()

    def work():
        runs.append(len(runs))
        if len(runs) == 1:
            inside.set()
            release.wait(5)

    drain = intake_tasks.Drain(work)
    first = threading.Thread(target=drain.request)
    first.start()
    inside.wait(5)

    assert drain.request() is False  # the running thread takes this request
    release.set()
    first.join(5)

    assert runs == [0, 1]
    assert drain.request() is True and runs == [0, 1, 2]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plans")
def test_looking_up_message_ids_reads_the_partial_index(make_mail, support_address, alice):
    raw = make_mail(sender=alice.email, message_id="<seen@acme.test>")
    with CaptureQueriesContext(connection) as stored:
        store(raw)
        store(raw)
    with CaptureQueriesContext(connection) as looked_up:
        threads.tickets_by_reference(["seen@acme.test", "other@acme.test"])

    lookups = [
        q["sql"]
        for q in [*stored.captured_queries, *looked_up.captured_queries]
        if q["sql"].startswith("SELECT")
        and 'FROM "mail_inboundmail" WHERE' in q["sql"]
        and '"message_id_header" =' in q["sql"].split("WHERE")[1]
    ]
    assert len(lookups) == 3
    for sql in lookups:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "inbound_mail_message_once" in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plans")
def test_senders_in_another_case_are_found_through_the_index_on_lower_email(
    make_mail, support_address, alice
):
    with CaptureQueriesContext(connection) as queries:
        found = intake._known_sender(alice.email.upper())

    assert found == alice
    sql = queries.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "accounts_user_email_lower" in plan, plan


def test_routing_runs_once_per_batch_not_once_per_ticket(
    monkeypatch, make_mail, support_address, alice
):
    for n in range(5):
        store(make_mail(sender=alice.email, subject=f"Request {n}"))
    calls = []
    real_route = routing.tickets_route

    def counted(tickets, **kwargs):
        calls.append(len(tickets))
        return real_route(tickets, **kwargs)

    monkeypatch.setattr(routing, "tickets_route", counted)

    inbound_process_pending()

    # Once without a group (as each ticket is opened), once with the address's group.
    assert calls == [5, 5]
    assert set(Ticket.objects.values_list("group", flat=True)) == {support_address.group_id}
    grouped = Ticket.objects.first().events.filter(kind=EventKind.CHANGED, field="group")
    assert grouped.count() == 1


def test_a_strangers_reply_threads_into_the_ticket_their_first_mail_of_the_batch_opened(
    make_mail, support_address
):
    store(make_mail(sender="Pat <pat@elsewhere.example>", message_id="<p1@elsewhere.example>"))
    store(
        make_mail(
            sender="pat@elsewhere.example",
            subject="Re: Dashboards time out",
            headers={"In-Reply-To": "<p1@elsewhere.example>"},
        )
    )
    with transaction.atomic():
        for row in InboundMail.objects.order_by("pk"):
            inbound_process(row.pk)
        alone = outcome()
        transaction.set_rollback(True)

    inbound_process_pending()

    assert outcome() == alone
    first, reply = InboundMail.objects.order_by("pk")
    assert reply.ticket_id == first.ticket_id and reply.reason == "threaded by references"
