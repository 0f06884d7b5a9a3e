"""The index in step with every write: tickets and articles are searchable right after the
change commits, restricted and merged tickets leave it, a reindex rebuilds it."""

from __future__ import annotations

import pytest

from tierdesk.knowledge.services import article_archive, article_create, article_update
from tierdesk.search import services
from tierdesk.search.models import SearchEntry, SearchStale
from tierdesk.search.selectors import search
from tierdesk.tickets.services import ticket_add_note, ticket_open, ticket_reply, ticket_update

pytestmark = pytest.mark.django_db


def found(viewer, query, **filters) -> list[tuple[str, int]]:
    return [(hit.kind, hit.id) for hit in search(viewer, query, **filters).hits]


def test_a_new_ticket_is_searchable_after_commit(alice, agent, committed):
    with committed():
        ticket = ticket_open(actor=alice, subject="Exports stall", body="The CSV export hangs")
    assert found(agent, "csv export") == [("ticket", ticket.number)]
    assert not SearchStale.objects.exists()


def test_a_ticket_is_not_searchable_before_its_indexing(alice, agent):
    ticket_open(actor=alice, subject="Exports stall", body="The CSV export hangs")
    assert found(agent, "csv") == []
    assert SearchStale.objects.count() == 1  # left for the minute's task
    assert services.index_stale() == 1
    assert len(found(agent, "csv")) == 1


def test_a_reply_and_a_note_are_searchable(alice, agent, committed):
    with committed():
        ticket = ticket_open(actor=alice, subject="Exports stall", body="The CSV export hangs")
    with committed():
        ticket_reply(actor=agent, ticket=ticket, body="Raise the worker memory limit")
        ticket_add_note(actor=agent, ticket=ticket, body="Customer runs a pirated licence")
    assert found(agent, "memory limit") == [("ticket", ticket.number)]
    assert found(agent, "pirated licence") == [("ticket", ticket.number)]


def test_a_restricted_ticket_leaves_the_index(alice, agent, committed):
    with committed():
        ticket = ticket_open(actor=alice, subject="Breach report", body="Leaked credentials")
    assert found(agent, "leaked credentials")
    with committed():
        ticket_update(actor=agent, ticket=ticket, changes={"restricted": True})
    assert found(agent, "leaked credentials") == []
    assert not SearchEntry.objects.filter(object_id=ticket.number, kind="ticket").exists()


def test_a_status_change_moves_the_ticket_between_filters(alice, agent, committed):
    with committed():
        ticket = ticket_open(actor=alice, subject="Exports stall", body="The CSV export hangs")
    assert found(agent, "csv", state="solved") == []
    with committed():
        ticket_update(actor=agent, ticket=ticket, changes={"status": "solved"})
    assert found(agent, "csv", state="solved") == [("ticket", ticket.number)]


def test_an_edited_article_is_searched_by_its_new_text(manager, committed):
    with committed():
        article = article_create(
            actor=manager, title="Exports stall", problem="CSV hangs", resolution="Restart"
        )
    assert found(manager, "restart") == [("article", article.pk)]
    with committed():
        article_update(actor=manager, article=article, changes={"resolution": "Reinstall"})
    assert found(manager, "restart") == []
    assert found(manager, "reinstall") == [("article", article.pk)]


def test_an_archived_article_is_found_only_when_asked_for(manager, committed):
    with committed():
        article = article_create(
            actor=manager, title="Exports stall", problem="CSV hangs", resolution="Restart"
        )
        article_archive(actor=manager, article=article)
    assert found(manager, "restart") == []
    assert found(manager, "restart", state="archived") == [("article", article.pk)]


def test_reindex_rebuilds_everything_and_clears_the_marks(alice, manager, agent):
    ticket = ticket_open(actor=alice, subject="Exports stall", body="The CSV export hangs")
    article = article_create(
        actor=manager, title="CSV exports", problem="CSV hangs", resolution="Restart"
    )
    assert services.reindex_all() == 2
    assert not SearchStale.objects.exists()
    assert set(found(agent, "csv")) == {("ticket", ticket.number), ("article", article.pk)}


def test_filters_narrow_the_hits(alice, oscar, agent, committed):
    with committed():
        english = ticket_open(
            actor=alice, subject="Dashboards slow", body="Slow", product_area="dashboards"
        )
        japanese = ticket_open(actor=oscar, subject="Dashboards slow", body="遅い", language="ja")
    assert set(found(agent, "dashboards")) == {
        ("ticket", english.number),
        ("ticket", japanese.number),
    }
    assert found(agent, "dashboards", language="ja") == [("ticket", japanese.number)]
    assert found(agent, "dashboards", product_area="dashboards") == [("ticket", english.number)]
    assert found(agent, "dashboards", kinds=["article"]) == []


def test_date_filters_read_the_update_day(alice, agent, committed):
    import time_machine

    with time_machine.travel("2024-03-01 12:00Z", tick=False), committed():
        old = ticket_open(actor=alice, subject="Dashboards slow", body="Slow")
    with time_machine.travel("2024-05-01 12:00Z", tick=False), committed():
        new = ticket_open(actor=alice, subject="Dashboards slow", body="Slow")
    from datetime import date

    assert found(agent, "dashboards", since=date(2024, 4, 1)) == [("ticket", new.number)]
    assert found(agent, "dashboards", until=date(2024, 3, 1)) == [("ticket", old.number)]


def test_every_term_first_then_any_term(alice, agent, committed):
    with committed():
        both = ticket_open(actor=alice, subject="Export timeout", body="The export times out")
        one = ticket_open(actor=alice, subject="Export broken", body="Nothing happens")
    page = search(agent, "export timeout", limit=1)
    assert [hit.id for hit in page.hits] == [both.number]
    page = search(agent, "export timeout", limit=10)
    assert [hit.id for hit in page.hits] == [both.number, one.number]
    assert page.total == 2


def test_highlights_mark_the_original_words(alice, agent, committed):
    with committed():
        ticket_open(
            actor=alice, subject="Jobs fail", body="Every job <fails> with ERR_QUERY_TIMEOUT now"
        )
    hit = search(agent, "failing err_query_timeout").hits[0]
    assert "&lt;<mark>fails</mark>&gt;" in hit.snippet
    assert "<mark>ERR_QUERY_TIMEOUT</mark>" in hit.snippet


def test_a_long_thread_is_found_by_its_last_reply(alice, agent, committed):
    with committed():
        ticket = ticket_open(
            actor=alice, subject="Exports stall", body="Logs:\n" + "traceback line\n" * 5_000
        )
        ticket_reply(actor=agent, ticket=ticket, body="Fixed by reinstalling the connector")
    assert found(agent, "reinstalling connector") == [("ticket", ticket.number)]
    assert found(agent, "exports stall") == [("ticket", ticket.number)]


def test_a_pasted_code_with_other_words_finds_what_holds_the_code(manager, committed):
    with committed():
        saml = article_create(
            actor=manager,
            title="Вход через SAML не работает",
            problem="Ошибка ERR_SAML_SIGNATURE в журнале",
            resolution="Обновите сертификат",
            language="ru",
        )
        large = article_create(
            actor=manager,
            title="Export fails",
            problem="The export stops with ERR_RESULT_TOO_LARGE",
            resolution="Add a filter",
        )
    assert found(manager, "ERR_SAML_SIGNATURE при авторизации") == [("article", saml.pk)]
    assert found(manager, "ERR_RESULT_TOO_LARGE when downloading xlsx") == [("article", large.pk)]
    # The code is still required: the words alone find nothing here
    assert found(manager, "ERR_OTHER_CODE when downloading xlsx") == []


def test_the_code_alone_comes_after_what_matched_more(alice, agent, committed):
    with committed():
        code_only = ticket_open(actor=alice, subject="Stalled", body="ERR_RESULT_TOO_LARGE")
        more = ticket_open(
            actor=alice, subject="Downloading xlsx", body="ERR_RESULT_TOO_LARGE shown"
        )
        ticket_open(actor=alice, subject="Downloading xlsx", body="Nothing")
    page = search(agent, "ERR_RESULT_TOO_LARGE downloading xlsx")
    assert [hit.id for hit in page.hits] == [more.number, code_only.number]
    assert page.total == 2
    second = search(agent, "ERR_RESULT_TOO_LARGE downloading xlsx", offset=1)
    assert [hit.id for hit in second.hits] == [code_only.number]
