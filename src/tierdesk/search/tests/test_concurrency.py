"""The index beside concurrent writers on PostgreSQL (real transactions in two threads): a change
is never left out of the index by the indexing of an earlier change, and a rebuild never puts
back text older than what a writer committed."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from tierdesk.search import services
from tierdesk.search.models import SearchStale
from tierdesk.search.selectors import search
from tierdesk.tickets.services import ticket_open, ticket_update

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TIERDESK_TEST_POSTGRES) for real concurrent transactions")


def found(viewer, query) -> list[int]:
    return [hit.id for hit in search(viewer, query).hits]


def run_threads(*targets) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def test_the_indexing_of_an_earlier_change_leaves_a_later_ones_mark(alice, agent):
    """T1's mark is committed and its indexing after commit has not run yet; T2 changes the
    ticket and marks it again. T1's indexing used to take the mark T2 found (ON CONFLICT DO
    NOTHING), index the text before T2, and T2's indexing then found no mark."""
    ticket = ticket_open(actor=alice, subject="Exports stall", body="The CSV export hangs")
    services.index_stale()
    SearchStale.objects.create(doc=ticket.number)  # T1's committed mark, not yet indexed
    marked, indexed = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def writer():  # T2: renames the ticket; its indexing runs after its commit
        try:
            with transaction.atomic():
                ticket_update(actor=agent, ticket=ticket, changes={"subject": "Invoices vanish"})
                marked.set()
                indexed.wait(timeout=10)
            results["writer"] = "committed"
        except BaseException as error:
            results["writer"] = error
        finally:
            marked.set()
            connections.close_all()

    def earlier_indexing():  # T1's indexing after its commit, while T2 is open
        try:
            marked.wait(timeout=10)
            results["indexer"] = services.index_stale([ticket.number])
        except BaseException as error:
            results["indexer"] = error
        finally:
            indexed.set()
            connections.close_all()

    run_threads(writer, earlier_indexing)

    # The earlier indexing passed over the mark T2 held; T2's own indexing took it
    assert results == {"writer": "committed", "indexer": 0}
    assert not SearchStale.objects.exists()
    assert found(agent, "invoices") == [ticket.number]
    assert found(agent, "stall") == []


def waiting_on_a_lock() -> bool:
    """Whether another connection of this database waits on a row lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


def test_a_rebuild_never_writes_text_older_than_a_change_indexed_meanwhile(
    alice, agent, monkeypatch
):
    """A rebuild used to read a batch, then write it in a transaction of its own: a change
    committed and indexed in between was overwritten with the text from before it."""
    ticket = ticket_open(actor=alice, subject="Exports stall", body="The CSV export hangs")
    services.index_stale()
    read, changed = threading.Event(), threading.Event()
    results: dict[str, object] = {}
    write = services.backend.write

    def write_after_the_change(documents, **kwargs):
        if any(d.kind == "ticket" for d in documents) and not read.is_set():
            read.set()
            # Until the writer has committed its change and its indexing, or waits for this
            # batch's locks
            for _ in range(400):
                if changed.wait(timeout=0.05) or waiting_on_a_lock():
                    break
        return write(documents, **kwargs)

    monkeypatch.setattr(services.backend, "write", write_after_the_change)

    def rebuild():
        try:
            results["rebuild"] = services.reindex_all()
        except BaseException as error:
            results["rebuild"] = error
        finally:
            read.set()
            connections.close_all()

    def writer():  # renames the ticket once the rebuild has read it; indexes after commit
        try:
            read.wait(timeout=10)
            with transaction.atomic():
                ticket_update(actor=agent, ticket=ticket, changes={"subject": "Invoices vanish"})
            results["writer"] = "committed"
        except BaseException as error:
            results["writer"] = error
        finally:
            changed.set()
            connections.close_all()

    run_threads(rebuild, writer)

    assert results == {"rebuild": 1, "writer": "committed"}
    assert found(agent, "invoices") == [ticket.number]
    assert found(agent, "stall") == []
