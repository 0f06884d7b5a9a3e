"""Stale marks: one computation after commit for all a transaction marked, the marks that follow
a customer's plan and region, the worker's share after large changes, and a computation that
never deadlocks with a ticket write."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, connections, transaction

from conftest import make_person
from tierdesk.accounts.choices import Plan, Region
from tierdesk.accounts.models import Organization
from tierdesk.sla import pending
from tierdesk.sla.models import SlaClock, SlaStale
from tierdesk.sla.services import clocks_refresh_stale
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_open, ticket_update

# A Wednesday, 10:00 in New York and 23:00 in Tokyo.
T0 = datetime(2024, 6, 5, 14, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@contextmanager
def at(moment: datetime):
    with time_machine.travel(moment, tick=False):
        yield


def open_ticket(customer, moment: datetime = T0) -> Ticket:
    with at(moment):
        ticket = ticket_open(actor=customer, subject="Exports fail", body="The CSV is empty")
        clocks_refresh_stale(now=moment)
    settle_pending_computations()
    return ticket


def settle_pending_computations() -> None:
    """What a commit would do to the computation the writes so far registered: the test's own
    transaction never commits, and one transaction registers a single computation."""
    connection.run_on_commit = [
        entry for entry in connection.run_on_commit if not isinstance(entry[1], pending._Flush)
    ]


def first_response(ticket: Ticket) -> SlaClock:
    return SlaClock.objects.get(ticket=ticket, metric="first_response", cycle=1)


def flushes(callbacks) -> list[pending._Flush]:
    return [c for c in callbacks if isinstance(c, pending._Flush)]


@pytest.fixture
def initech(db) -> Organization:
    return Organization.objects.create(
        name="Initech", email_domains=["initech.test"], plan=Plan.STANDARD, region=Region.AMERICAS
    )


@pytest.fixture
def peter(initech):
    return make_person("peter", organization=initech)


@pytest.fixture
def immediate_queue():
    """Queued tasks run at once in the process that queues them, as no worker runs in tests."""
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


# --- one computation a transaction ---------------------------------------------------------------


def test_a_change_of_four_fields_computes_the_ticket_once(
    alice, manager, group, django_capture_on_commit_callbacks
):
    # Given an enterprise ticket: first response in 1 h
    ticket = open_ticket(alice)

    # When a manager changes four fields the policies look at, in one update
    with at(T0 + 10 * MINUTE), django_capture_on_commit_callbacks(execute=True) as callbacks:
        ticket_update(
            actor=manager,
            ticket=ticket,
            changes={"status": "open", "priority": "urgent", "tags": ["vip"], "group": group.pk},
        )

    # Then one computation ran after the commit, and the clocks follow the urgent policy
    assert len(flushes(callbacks)) == 1
    assert flushes(callbacks)[0].ids == {ticket.pk}
    assert not SlaStale.objects.filter(ticket=ticket).exists()
    clock = first_response(ticket)
    assert (clock.policy_name, clock.priority, clock.group_id) == (
        "Premium and enterprise, urgent",
        "urgent",
        group.pk,
    )
    assert clock.due_at == T0 + 30 * MINUTE


def test_a_transaction_computes_once_whatever_savepoints_its_marks_were_written_in(
    alice, django_capture_on_commit_callbacks
):
    # As mail intake writes each message of a batch in a savepoint of its own
    first, second, third = open_ticket(alice), open_ticket(alice), open_ticket(alice)
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            pending.mark_stale([first.pk])
            with transaction.atomic():
                pending.mark_stale([second.pk])
        with transaction.atomic():
            pending.mark_stale([third.pk])

    assert [f.ids for f in flushes(callbacks)] == [{first.pk, second.pk, third.pk}]


def test_a_rolled_back_savepoint_takes_its_computation_with_it(
    alice, django_capture_on_commit_callbacks
):
    ticket = open_ticket(alice)
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                pending.mark_stale([ticket.pk])
                raise RuntimeError
        except RuntimeError:
            pass
        with transaction.atomic():
            pending.mark_stale([ticket.pk])

    assert [f.ids for f in flushes(callbacks)] == [{ticket.pk}]


def test_a_failed_computation_leaves_the_mark_for_the_sweep(alice, monkeypatch, caplog):
    ticket = open_ticket(alice)
    SlaStale.objects.create(ticket=ticket)
    flush = pending._Flush()
    flush.ids.add(ticket.pk)

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("tierdesk.sla.services.clocks_refresh_stale", broken)
    flush()

    assert SlaStale.objects.filter(ticket=ticket).exists()
    assert "the sweep will retry" in caplog.text


# --- what the policies match on outside a ticket's history ---------------------------------------


def test_a_new_plan_marks_the_organizations_unsolved_tickets(
    initech, peter, oscar, agent, django_capture_on_commit_callbacks
):
    # Given a standard customer's open and solved tickets (1 business hour in New York) and
    # another organization's ticket
    ticket = open_ticket(peter)
    solved = open_ticket(peter)
    Ticket.objects.filter(pk=solved.pk).update(status="solved")
    other = open_ticket(oscar)
    assert first_response(ticket).policy_name == "Email, portal and API"

    # When the organization moves to the premium plan
    with at(T0 + 5 * MINUTE), django_capture_on_commit_callbacks(execute=True) as callbacks:
        initech.plan = Plan.PREMIUM
        initech.save()

    # Then its unsolved ticket was computed again after the commit: 1 h, calendar time
    assert [f.ids for f in flushes(callbacks)] == [{ticket.pk}]
    clock = first_response(ticket)
    assert (clock.policy_name, clock.business_hours, clock.due_at) == (
        "Premium and enterprise",
        False,
        T0 + HOUR,
    )
    assert not SlaStale.objects.filter(ticket_id__in=[ticket.pk, solved.pk, other.pk]).exists()


def test_a_new_region_marks_the_organizations_tickets(initech, peter):
    ticket = open_ticket(peter)

    initech.region = Region.JAPAN
    initech.save(update_fields=["region"])

    assert SlaStale.objects.filter(ticket=ticket).exists()
    clocks_refresh_stale(now=T0)
    assert first_response(ticket).calendar.name == "Tokyo"


def test_a_save_that_changes_neither_plan_nor_region_marks_nothing(initech, peter):
    ticket = open_ticket(peter)

    initech.name = "Initech Holdings"
    initech.save()
    initech.plan = Plan.PREMIUM
    initech.save(update_fields=["name"])  # the plan is not written
    peter.first_name = "Pete"
    peter.save()

    assert not SlaStale.objects.filter(ticket=ticket).exists()


def test_a_customer_of_no_organization_moving_region_marks_their_tickets(db, carol):
    # Given a customer of no organization in the Americas (1 business hour in New York)
    dana = make_person("dana", region=Region.AMERICAS)
    ticket = open_ticket(dana)
    others = open_ticket(carol)
    assert first_response(ticket).calendar.name == "New York"

    # When they move to Japan
    dana.region = Region.JAPAN
    dana.save()

    # Then their ticket follows Tokyo's hours; an organization's contact's do not move
    assert list(SlaStale.objects.values_list("ticket_id", flat=True)) == [ticket.pk]
    clocks_refresh_stale(now=T0)
    assert first_response(ticket).calendar.name == "Tokyo"
    carol.region = Region.JAPAN
    carol.save()
    assert not SlaStale.objects.filter(ticket=others).exists()


def test_many_tickets_are_left_to_the_worker(
    initech, peter, monkeypatch, immediate_queue, django_capture_on_commit_callbacks
):
    # Given more tickets than are computed in the writer's process
    tickets = [open_ticket(peter) for _ in range(3)]
    monkeypatch.setattr(pending, "COMPUTE_AFTER_COMMIT_MAX", 2)

    # When the organization's plan changes
    with at(T0 + 5 * MINUTE), django_capture_on_commit_callbacks(execute=True) as callbacks:
        initech.plan = Plan.ENTERPRISE
        initech.save()

    # Then the commit queued the worker's task, which computed them all
    assert flushes(callbacks) == []
    assert pending.queue_refresh in callbacks
    assert not SlaStale.objects.exists()
    assert {first_response(t).policy_name for t in tickets} == {"Premium and enterprise"}


def test_a_transaction_marking_many_tickets_leaves_them_to_the_worker(
    alice, monkeypatch, immediate_queue, django_capture_on_commit_callbacks
):
    # Given a transaction that marks more tickets than the writer computes itself
    tickets = [open_ticket(alice) for _ in range(3)]
    monkeypatch.setattr(pending, "COMPUTE_AFTER_COMMIT_MAX", 2)
    queued = []
    monkeypatch.setattr(pending, "queue_refresh", lambda: queued.append(True))

    # When it commits
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        pending.mark_stale([t.pk for t in tickets])

    # Then the worker's task is queued and the marks wait for it
    assert queued == [True]
    assert SlaStale.objects.filter(ticket__in=tickets).count() == 3


def test_the_workers_task_can_run_twice(initech, peter):
    from tierdesk.sla.tasks import sla_refresh_stale_task

    ticket = open_ticket(peter)
    assert pending.mark_unsolved_stale(compute=False) == 1

    with at(T0 + 5 * MINUTE):
        assert sla_refresh_stale_task.call_local() == 1
        assert sla_refresh_stale_task.call_local() == 0

    assert not SlaStale.objects.filter(ticket=ticket).exists()


def test_a_computation_passes_over_marks_in_batches(alice, monkeypatch):
    from tierdesk.sla import services

    tickets = [open_ticket(alice) for _ in range(5)]
    SlaStale.objects.bulk_create([SlaStale(ticket=t) for t in tickets])
    monkeypatch.setattr(services, "BATCH", 2)

    assert clocks_refresh_stale(now=T0, limit=3) == 4  # whole batches
    assert clocks_refresh_stale(now=T0) == 1
    assert not SlaStale.objects.exists()


# --- a ticket write beside a computation ---------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_computation_beside_a_ticket_write_never_deadlocks(alice, manager):
    """A writer locks its ticket, then marks it; a computation of the mark an earlier change left
    used to delete the mark, then wait for the ticket: each waited on the other."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TIERDESK_TEST_POSTGRES) for real concurrent transactions")
    ticket = ticket_open(actor=alice, subject="Exports fail", body="The CSV is empty")
    clocks_refresh_stale()
    SlaStale.objects.create(ticket=ticket)  # the mark a just-committed change left
    locked, computed = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def writer():  # a manager's change of the ticket: it locks the ticket, then marks it
        try:
            with transaction.atomic():
                Ticket.objects.select_for_update().get(pk=ticket.pk)
                locked.set()
                computed.wait(timeout=10)
                ticket_update(actor=manager, ticket=ticket, changes={"priority": "urgent"})
            results["writer"] = "committed"
        except BaseException as error:
            results["writer"] = error
        finally:
            connections.close_all()

    def refresher():  # the earlier change's computation after its commit
        try:
            locked.wait(timeout=10)
            results["refresher"] = clocks_refresh_stale([ticket.pk])
        except BaseException as error:
            results["refresher"] = error
        finally:
            computed.set()
            connections.close_all()

    threads = [threading.Thread(target=writer), threading.Thread(target=refresher)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # The computation skipped the ticket the writer held; the writer's own computation after its
    # commit took the mark, with the new priority
    assert results == {"writer": "committed", "refresher": 0}
    assert not SlaStale.objects.filter(ticket=ticket).exists()
    clock = first_response(ticket)
    assert (clock.priority, clock.policy_name) == ("urgent", "Premium and enterprise, urgent")
