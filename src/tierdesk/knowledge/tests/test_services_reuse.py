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
    article_state_change,
    article_translate,
    article_unlink,
    article_update,
    ticket_prefill,
)
from tierdesk.tickets.models import TicketEvent
from tierdesk.tickets.services import ticket_add_note, ticket_reply, ticket_update

pytestmark = pytest.mark.django_db


def test_a_link_is_a_reuse_recorded_in_the_ticket_history(article, ticket, agent, written):
    link, created = article_link_ticket(actor=agent, article=article, ticket=ticket)
    assert created and (link.source, link.linked_by) == ("linked", agent)
    article.refresh_from_db()
    assert article.reuse_count == 1
    event = TicketEvent.objects.get(ticket=ticket, field="articles")
    assert (event.kind, event.to_value, event.actor) == ("changed", str(article.pk), agent)
    assert event.data["to_label"] == f"#{article.pk} {article.title}"


def test_linking_twice_counts_once_and_inserting_upgrades_the_link(public_article, ticket, agent):
    article_link_ticket(actor=agent, article=public_article, ticket=ticket)
    link, created = article_link_ticket(
        actor=agent, article=public_article, ticket=ticket, source="reply"
    )
    assert not created and link.source == "reply"
    assert ArticleLink.objects.get().source == "reply"
    # Linking again (or inserting again) changes nothing: a reply stays a reply.
    link, created = article_link_ticket(actor=agent, article=public_article, ticket=ticket)
    assert not created and ArticleLink.objects.get().source == "reply"
    public_article.refresh_from_db()
    assert (public_article.reuse_count, ArticleLink.objects.count()) == (1, 1)


def test_only_public_validated_articles_go_into_a_reply(article, public_article, ticket, agent):
    with pytest.raises(ValidationFailed) as refused:
        article_link_ticket(actor=agent, article=article, ticket=ticket, source="reply")
    assert set(refused.value.errors) == {"article"}
    # Already linked, still refused as a reply: the link stays "linked".
    article_link_ticket(actor=agent, article=article, ticket=ticket)
    with pytest.raises(ValidationFailed):
        article_link_ticket(actor=agent, article=article, ticket=ticket, source="reply")
    assert ArticleLink.objects.get(article=article).source == "linked"
    link, created = article_link_ticket(
        actor=agent, article=public_article, ticket=ticket, source="reply"
    )
    assert created and link.source == "reply"


def test_counters_do_not_tell_the_index_or_the_vectors(
    public_article, ticket, agent, reviewer, alice, monkeypatch
):
    from tierdesk.knowledge import events

    calls: list[list[int]] = []
    monkeypatch.setattr(events, "ARTICLE_LISTENERS", [lambda ids: calls.append(list(ids))])
    article_link_ticket(actor=agent, article=public_article, ticket=ticket)
    article_link_ticket(actor=agent, article=public_article, ticket=ticket, source="reply")
    article_unlink(actor=agent, article=public_article, ticket=ticket)
    article_feedback(actor=alice, article=public_article, helped=False, comment="Unclear")
    flag = article_flag(actor=reviewer, article=public_article, reason="Outdated")
    article_flag_resolve(actor=agent, flag=flag)
    assert calls == []
    public_article.refresh_from_db()
    assert (public_article.not_helped_count, public_article.open_flags) == (1, 0)


def test_what_an_article_says_or_who_reads_it_tells_the_listeners(
    article, agent, manager, monkeypatch
):
    from tierdesk.knowledge import events

    calls: list[list[int]] = []
    monkeypatch.setattr(events, "ARTICLE_LISTENERS", [lambda ids: calls.append(list(ids))])
    article_update(actor=agent, article=article, changes={"tags": ["timeout"]})
    article_state_change(actor=manager, article=article, state="validated")
    article_update(actor=manager, article=article, changes={"visibility": "public"})
    translation = article_translate(actor=agent, article=article, language="ja")
    article_archive(actor=manager, article=article)
    assert calls == [[article.pk]] * 3 + [[translation.pk], [article.pk]]


def test_unlink_takes_the_reuse_back(public_article, ticket, agent):
    article = public_article
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


def test_a_restricted_ticket_is_never_copied_into_an_article(ticket, agent):
    ticket_reply(actor=agent, ticket=ticket, body="Raise query.timeout to 120 s.")
    ticket_update(actor=agent, ticket=ticket, changes={"restricted": True})
    ticket.refresh_from_db()
    # Even the staff named on it may not: the article would be read by everyone.
    with pytest.raises(ValidationFailed) as refused:
        ticket_prefill(ticket)
    assert set(refused.value.errors) == {"ticket"}
    with pytest.raises(ValidationFailed) as refused:
        article_create_from_ticket(actor=agent, ticket=ticket)
    assert set(refused.value.errors) == {"ticket"}
    assert not ArticleLink.objects.exists()


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
