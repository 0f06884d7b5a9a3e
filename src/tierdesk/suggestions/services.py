"""Writes of deflection: a portal draft from its first suggestion to how it ended, with each
article shown, opened or said to help recorded once."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from tierdesk.knowledge.models import Article
from tierdesk.suggestions.choices import DraftOutcome, EventKind
from tierdesk.suggestions.models import PortalDraft, SuggestionEvent

if TYPE_CHECKING:
    from tierdesk.accounts.models import User
    from tierdesk.tickets.models import Ticket

# A draft quiet this long without a request is over: deflected if the customer opened an
# article from it (they left after reading), abandoned otherwise.
QUIET_AFTER = timedelta(hours=1)


def parse_draft_id(value: object) -> uuid.UUID | None:
    """The draft id in a form or query string, None when absent or malformed."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value or ""))
    except ValueError:
        return None


def draft_for(person: User, draft_id: object) -> PortalDraft | None:
    """The person's own draft with this id; None when there is none (or it is someone else's)."""
    parsed = parse_draft_id(draft_id)
    if parsed is None or not person.is_authenticated:
        return None
    return PortalDraft.objects.filter(pk=parsed, person=person).first()


def draft_touch(*, person: User, draft_id: object) -> PortalDraft | None:
    """The person's draft with this id, created on first use and marked active now; a draft
    left as abandoned is open again. None for a malformed id or another person's draft."""
    parsed = parse_draft_id(draft_id)
    if parsed is None:
        return None
    now = timezone.now()
    draft = PortalDraft.objects.filter(pk=parsed).first()
    if draft is None:
        try:
            with transaction.atomic():
                return PortalDraft.objects.create(
                    id=parsed,
                    person=person,
                    organization_id=person.organization_id,
                    started_at=now,
                    last_activity_at=now,
                )
        except IntegrityError:
            # Two keystrokes raced to create it; the other one did.
            draft = PortalDraft.objects.filter(pk=parsed).first()
    if draft is None or draft.person_id != person.pk:
        return None
    changes: dict[str, object] = {"last_activity_at": now}
    if draft.outcome == DraftOutcome.ABANDONED:
        changes.update(outcome=DraftOutcome.OPEN, ended_at=None)
    PortalDraft.objects.filter(pk=draft.pk).update(**changes)
    for name, value in changes.items():
        setattr(draft, name, value)
    return draft


def _record(draft: PortalDraft, article_ids: Collection[int], kind: str) -> int:
    """Records `kind` for each article not yet recorded with this draft; returns how many were
    new. Call inside a transaction: the draft row is locked first, so two overlapping requests
    (keystrokes, a double click) record and count each article once between them."""
    ids = set(article_ids)
    if not ids:
        return 0
    # The lock orders overlapping requests: the second reads the events the first committed
    # rather than counting the same articles as new again.
    PortalDraft.objects.select_for_update().filter(pk=draft.pk).values_list("pk").first()
    known = set(
        SuggestionEvent.objects.filter(draft=draft, kind=kind, article_id__in=ids).values_list(
            "article_id", flat=True
        )
    )
    new = sorted(ids - known)
    if new:
        now = timezone.now()
        SuggestionEvent.objects.bulk_create(
            [SuggestionEvent(draft=draft, article_id=pk, kind=kind, at=now) for pk in new],
            ignore_conflicts=True,
        )
    return len(new)


def _recount(draft: PortalDraft) -> None:
    """Sets the draft's counters from its events (under the lock _record took), so they always
    equal what is recorded."""
    counts = SuggestionEvent.objects.filter(draft=draft).aggregate(
        shown=Count("pk", filter=Q(kind=EventKind.IMPRESSION)),
        clicked=Count("pk", filter=Q(kind=EventKind.CLICK)),
    )
    PortalDraft.objects.filter(pk=draft.pk).update(
        shown_count=counts["shown"], clicked_count=counts["clicked"]
    )
    draft.shown_count, draft.clicked_count = counts["shown"], counts["clicked"]


def suggestions_shown(*, draft: PortalDraft, article_ids: Collection[int]) -> int:
    """Records one impression per article shown with this draft, however often it is shown
    again; returns how many were new."""
    with transaction.atomic():
        new = _record(draft, article_ids, EventKind.IMPRESSION)
        if new:
            _recount(draft)
    return new


def suggestion_opened(*, person: User, draft_id: object, article: Article) -> PortalDraft | None:
    """Records that the person opened `article` from their draft, once per article; returns the
    draft, or None (recording nothing) unless the draft already exists, is theirs and was shown
    the article. The click link is a GET that another site can embed, so it never creates a
    draft nor counts an article the customer was not shown."""
    with transaction.atomic():
        draft = draft_for(person, draft_id)
        if draft is None:
            return None
        shown = SuggestionEvent.objects.filter(
            draft=draft, article=article, kind=EventKind.IMPRESSION
        ).exists()
        if not shown:
            return None
        if _record(draft, [article.pk], EventKind.CLICK):
            _recount(draft)
        now = timezone.now()
        PortalDraft.objects.filter(pk=draft.pk).update(last_activity_at=now)
        # Decided on the row as it is now (the hourly sweep may have abandoned the draft since
        # it was read): a customer reading an article is writing their request again.
        reopened = PortalDraft.objects.filter(pk=draft.pk, outcome=DraftOutcome.ABANDONED).update(
            outcome=DraftOutcome.OPEN, ended_at=None
        )
        draft.last_activity_at = now
        if reopened:
            draft.outcome, draft.ended_at = DraftOutcome.OPEN, None
    return draft


def draft_deflected(*, person: User, draft_id: object, article: Article) -> PortalDraft | None:
    """The person said `article` answered them: their draft is deflected and the article
    recorded as helpful. A draft already submitted stays submitted. None when not theirs."""
    with transaction.atomic():
        draft = draft_for(person, draft_id)
        if draft is None:
            return None
        _record(draft, [article.pk], EventKind.HELPFUL)
        now = timezone.now()
        PortalDraft.objects.filter(pk=draft.pk).exclude(outcome=DraftOutcome.SUBMITTED).update(
            outcome=DraftOutcome.DEFLECTED,
            deflected_explicitly=True,
            ended_at=now,
            last_activity_at=now,
        )
        draft.refresh_from_db()
    return draft


def draft_submitted(*, person: User, draft_id: object, ticket: Ticket) -> PortalDraft | None:
    """The person's draft became request `ticket`: submitted, whatever it was before (they
    needed the desk after all). A draft never shown a suggestion is created as submitted, so
    every request from the form has its draft. None for a malformed id or another's draft."""
    with transaction.atomic():
        draft = draft_touch(person=person, draft_id=draft_id)
        if draft is None:
            return None
        now = timezone.now()
        PortalDraft.objects.filter(pk=draft.pk).update(
            outcome=DraftOutcome.SUBMITTED,
            deflected_explicitly=False,
            ticket=ticket,
            ended_at=now,
        )
        draft.refresh_from_db()
    return draft


@dataclass(frozen=True)
class QuietDrafts:
    deflected: int
    abandoned: int


def drafts_close_quiet(*, now: datetime | None = None) -> QuietDrafts:
    """Ends every open draft quiet for QUIET_AFTER: one with an article opened is deflected
    (the customer left after reading), one without is abandoned. Conditional updates, so it is
    safe to run twice and beside a customer still typing (whose activity moves the draft out)."""
    now = now or timezone.now()
    quiet = PortalDraft.objects.filter(
        outcome=DraftOutcome.OPEN, last_activity_at__lt=now - QUIET_AFTER
    )
    deflected = quiet.filter(clicked_count__gt=0).update(
        outcome=DraftOutcome.DEFLECTED, ended_at=now
    )
    abandoned = quiet.filter(clicked_count=0).update(outcome=DraftOutcome.ABANDONED, ended_at=now)
    return QuietDrafts(deflected=deflected, abandoned=abandoned)
