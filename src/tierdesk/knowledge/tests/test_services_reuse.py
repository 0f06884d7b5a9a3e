"""Capture and reuse: links to tickets and the reuse counter, articles created from a ticket,
feedback and flags for fix."""

from __future__ import annotations

import pytest

from tierdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tierdesk.knowledge.models import ArticleLink
from tierdesk.knowledge.services import (
    article_archive,
    article_create_from_ticket,
    article_feedback,
    article_flag,
    article_flag_resolve,
    article_link_ticket,
    article_unlink,
    ticket_prefill,
)
from tierdesk.tickets.models import TicketEvent
from tierdesk.tickets.services import ticket_add_note, ticket_reply

pytestmark = pytest.mark.django_db


def test_a_link_is_a_reuse_recorded_in_the_ticket_history(article, ticket, agent, written):
    link, created = article_link_ticket(actor=agent, article=article, ticket=ticket)
    assert created and (link.source, link.linked_by) == ("linked", agent)
    article.refresh_from_db()
    assert article.reuse_count == 1
    event = TicketEvent.objects.get(ticket=ticket, field="articles")
    assert (event.kind, event.to_value, event.actor) == ("changed", str(article.pk), agent)
    assert event.data["to_label"] == f"#{article.pk} {article.title}"
    assert written[-1] == [article.pk]


def test_linking_twice_counts_once(article, ticket, agent):
    article_link_ticket(actor=agent, article=article, ticket=ticket)
    link, created = article_link_ticket(actor=agent, article=article, ticket=ticket, source="reply")
    article.refresh_from_db()
    assert not created and link.source == "linked"
    assert (article.reuse_count, ArticleLink.objects.count()) == (1, 1)


def test_unlink_takes_the_reuse_back(article, ticket, agent):
    article_link_ticket(actor=agent, article=article, ticket=ticket, source="reply")
    article_unlink(actor=agent, article=article, ticket=ticket)
    article.refresh_from_db()
    assert (article.reuse_count, ArticleLink.objects.count()) == (0, 0)
    assert TicketEvent.objects.filter(ticket=ticket, field="articles").count() == 2
    with pytest.raises(NotFound):
        article_unlink(actor=agent, article=article, ticket=ticket)


def test_link_refuses_a_bad_source_an_archived_article_and_a_reviewer(
    article, ticket, agent, manager, reviewer
):
    with pytest.raises(ValidationFailed) as refused:
        article_link_ticket(actor=agent, article=article, ticket=ticket, source="copied")
    assert "source" in refused.value.errors
    with pytest.raises(PermissionDenied):
        article_link_ticket(actor=reviewer, article=article, ticket=ticket)
    article_archive(actor=manager, article=article)
    with pytest.raises(ValidationFailed) as refused:
        article_link_ticket(actor=agent, article=article, ticket=ticket)
    assert "article" in refused.value.errors


def test_prefill_takes_subject_first_customer_message_and_last_public_staff_reply(
    ticket, agent, alice
):
    ticket_reply(actor=agent, ticket=ticket, body="Try clearing the cache.")
    ticket_reply(actor=alice, ticket=ticket, body="Still failing.")
    ticket_add_note(actor=agent, ticket=ticket, body="Internal: the customer is on 4.2.1")
    ticket_reply(actor=agent, ticket=ticket, body="Raise query.timeout to 120 s.")
    prefill = ticket_prefill(ticket)
    assert prefill["title"] == "Query times out after upgrade"
    assert prefill["problem"] == "ERR_QUERY_TIMEOUT on every dashboard since 4.2"
    assert prefill["resolution"] == "Raise query.timeout to 120 s."
    assert "Query engine" in prefill["environment"]
    assert (prefill["product_area"], prefill["language"]) == ("query_engine", "en")


def test_create_from_ticket_links_it_as_created_not_as_reuse(ticket, agent):
    ticket_reply(actor=agent, ticket=ticket, body="Raise query.timeout to 120 s.")
    article = article_create_from_ticket(actor=agent, ticket=ticket, fields={"cause": "Slow join"})
    link = ArticleLink.objects.get()
    assert (link.article, link.ticket, link.source) == (article, ticket, "created")
    assert (article.cause, article.resolution, article.reuse_count) == (
        "Slow join",
        "Raise query.timeout to 120 s.",
        0,
    )
    assert f"#{ticket.number}" in article.versions.get().note


def test_create_from_a_ticket_without_staff_reply_names_resolution(ticket, agent):
    with pytest.raises(ValidationFailed) as refused:
        article_create_from_ticket(actor=agent, ticket=ticket)
    assert set(refused.value.errors) == {"resolution"}
    assert not ArticleLink.objects.exists()


def test_feedback_counts_and_a_second_verdict_replaces_the_first(public_article, alice, carol):
    article_feedback(actor=alice, article=public_article, helped=True)
    article_feedback(actor=carol, article=public_article, helped=False, comment="Step 2 is gone")
    article_feedback(actor=alice, article=public_article, helped=False)
    public_article.refresh_from_db()
    assert (public_article.helped_count, public_article.not_helped_count) == (0, 2)
    assert public_article.feedback.count() == 2


def test_customer_cannot_give_feedback_on_an_internal_article(article, alice):
    with pytest.raises(NotFound):
        article_feedback(actor=alice, article=article, helped=True)


def test_flags_keep_the_open_count(article, agent, reviewer, alice):
    first = article_flag(actor=reviewer, article=article, reason="The setting was renamed in 4.3")
    article_flag(actor=agent, article=article, reason="Screenshots are outdated")
    article.refresh_from_db()
    assert article.open_flags == 2
    article_flag_resolve(actor=agent, flag=first)
    article.refresh_from_db()
    assert article.open_flags == 1
    with pytest.raises(Conflict):
        article_flag_resolve(actor=agent, flag=first)
    with pytest.raises(ValidationFailed) as refused:
        article_flag(actor=agent, article=article, reason=" ")
    assert "reason" in refused.value.errors
    with pytest.raises(PermissionDenied):
        article_flag(actor=alice, article=article, reason="Wrong")
