"""Draft counters beside overlapping requests on PostgreSQL (real transactions in two threads):
two keystroke requests showing the same article count it once."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, connections, transaction

from tierdesk.suggestions.choices import EventKind
from tierdesk.suggestions.models import PortalDraft, SuggestionEvent
from tierdesk.suggestions.services import draft_touch, suggestions_shown

from .conftest import make_article

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TIERDESK_TEST_POSTGRES) for real concurrent transactions")


def _someone_waits_on_a_lock() -> bool:
    """Whether another backend of this database is blocked on a lock (the second request)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_two_overlapping_requests_count_an_article_shown_once(alice):
    article = make_article("How do I reset my password?")
    other = make_article("Scheduled export stops at 99%")
    draft = draft_touch(person=alice, draft_id=uuid.uuid4())
    first_recorded = threading.Event()
    results: dict[str, object] = {}

    def first():  # shows the article; commits only once the second request is blocked
        try:
            with transaction.atomic():
                results["first"] = suggestions_shown(draft=draft, article_ids=[article.pk])
                first_recorded.set()
                for _ in range(500):
                    if _someone_waits_on_a_lock():
                        break
                    threading.Event().wait(0.01)
        except BaseException as error:
            results["first"] = error
        finally:
            first_recorded.set()
            connections.close_all()

    def second():  # the next keystroke: the same article and another one
        try:
            first_recorded.wait(timeout=10)
            results["second"] = suggestions_shown(draft=draft, article_ids=[article.pk, other.pk])
        except BaseException as error:
            results["second"] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert results == {"first": 1, "second": 1}
    stored = PortalDraft.objects.get(pk=draft.pk)
    impressions = SuggestionEvent.objects.filter(draft=draft, kind=EventKind.IMPRESSION).count()
    assert impressions == 2
    assert stored.shown_count == 2
