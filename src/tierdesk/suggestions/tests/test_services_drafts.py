import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tierdesk.suggestions.choices import DraftOutcome, EventKind
from tierdesk.suggestions.models import PortalDraft, SuggestionEvent
from tierdesk.suggestions.services import (
    draft_deflected,
    draft_submitted,
    draft_touch,
    drafts_close_quiet,
    suggestion_opened,
    suggestions_shown,
)
from tierdesk.tickets import services as ticket_services

from .conftest import make_article

pytestmark = pytest.mark.django_db

MONDAY = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def article(db):
    return make_article("How do I reset my password?")


def test_impressions_are_recorded_once_per_draft_and_article(alice, article):
    draft = draft_touch(person=alice, draft_id=uuid.uuid4())

    assert suggestions_shown(draft=draft, article_ids=[article.pk]) == 1
    assert suggestions_shown(draft=draft, article_ids=[article.pk]) == 0

    assert SuggestionEvent.objects.filter(kind=EventKind.IMPRESSION).count() == 1
    draft.refresh_from_db()
    assert draft.shown_count == 1


def test_another_persons_draft_is_never_touched(alice, oscar, article):
    draft = draft_touch(person=alice, draft_id=uuid.uuid4())

    assert draft_touch(person=oscar, draft_id=draft.pk) is None
    assert suggestion_opened(person=oscar, draft_id=draft.pk, article=article) is None
    assert draft_deflected(person=oscar, draft_id=draft.pk, article=article) is None
    assert not SuggestionEvent.objects.exists()


def test_a_malformed_draft_id_is_ignored(alice):
    assert draft_touch(person=alice, draft_id="not-a-uuid") is None
    assert not PortalDraft.objects.exists()


def _ticket(alice):
    return ticket_services.ticket_open(actor=alice, subject="Password", body="I cannot sign in.")


def test_submitting_marks_the_draft_submitted_even_after_a_deflection(alice, article):
    draft = draft_touch(person=alice, draft_id=uuid.uuid4())
    suggestion_opened(person=alice, draft_id=draft.pk, article=article)
    draft_deflected(person=alice, draft_id=draft.pk, article=article)

    ticket = _ticket(alice)
    draft = draft_submitted(person=alice, draft_id=draft.pk, ticket=ticket)

    assert draft.outcome == DraftOutcome.SUBMITTED
    assert draft.ticket == ticket
    assert not draft.deflected_explicitly


def test_saying_it_answered_deflects_and_records_helpful(alice, article):
    draft = draft_touch(person=alice, draft_id=uuid.uuid4())

    draft = draft_deflected(person=alice, draft_id=draft.pk, article=article)

    assert draft.outcome == DraftOutcome.DEFLECTED
    assert draft.deflected_explicitly
    assert SuggestionEvent.objects.filter(kind=EventKind.HELPFUL, article=article).count() == 1


def test_a_quiet_draft_with_a_click_is_deflected_after_an_hour(alice, article):
    with time_machine.travel(MONDAY, tick=False):
        clicked = draft_touch(person=alice, draft_id=uuid.uuid4())
        suggestions_shown(draft=clicked, article_ids=[article.pk])
        suggestion_opened(person=alice, draft_id=clicked.pk, article=article)
        quiet = draft_touch(person=alice, draft_id=uuid.uuid4())
        suggestions_shown(draft=quiet, article_ids=[article.pk])

    with time_machine.travel(MONDAY + timedelta(minutes=59), tick=False):
        assert drafts_close_quiet().deflected == 0
    with time_machine.travel(MONDAY + timedelta(minutes=61), tick=False):
        report = drafts_close_quiet()
        assert (report.deflected, report.abandoned) == (1, 1)
        assert drafts_close_quiet().deflected == 0  # safe to run twice

    clicked.refresh_from_db()
    quiet.refresh_from_db()
    assert clicked.outcome == DraftOutcome.DEFLECTED
    assert not clicked.deflected_explicitly
    assert quiet.outcome == DraftOutcome.ABANDONED


def test_activity_keeps_a_draft_open_and_revives_an_abandoned_one(alice, article):
    with time_machine.travel(MONDAY, tick=False):
        draft = draft_touch(person=alice, draft_id=uuid.uuid4())
    with time_machine.travel(MONDAY + timedelta(minutes=50), tick=False):
        draft_touch(person=alice, draft_id=draft.pk)
    with time_machine.travel(MONDAY + timedelta(minutes=70), tick=False):
        assert drafts_close_quiet().abandoned == 0
    with time_machine.travel(MONDAY + timedelta(hours=3), tick=False):
        assert drafts_close_quiet().abandoned == 1
        draft = draft_touch(person=alice, draft_id=draft.pk)

    assert draft.outcome == DraftOutcome.OPEN
