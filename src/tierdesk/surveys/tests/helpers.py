"""Building invitations and responses by hand for tests."""

from __future__ import annotations

import secrets

from django.utils import timezone

from tierdesk.surveys.models import SurveyInvitation, SurveyResponse


def invite(ticket, *, kind="csat", person=None, at=None) -> SurveyInvitation:
    return SurveyInvitation.objects.create(
        kind=kind,
        ticket=ticket,
        person=person or ticket.requester,
        token=secrets.token_urlsafe(24),
        created_at=at or timezone.now(),
    )


def respond(ticket, kind, score, *, at, comment="") -> SurveyResponse:
    # Scores read responses alone; an NPS invitation (several may name one ticket) carries each.
    invitation = invite(ticket, kind="nps", at=at)
    return SurveyResponse.objects.create(
        invitation=invitation,
        kind=kind,
        score=score,
        comment=comment,
        ticket=ticket,
        person=ticket.requester,
        group_id=ticket.group_id,
        tier=ticket.tier,
        created_at=at,
    )
