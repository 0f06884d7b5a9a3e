"""The demo desk's survey answers: CSAT (with CES) on the solved tickets of the last 12 weeks,
one NPS per contact, and the follow-ups their poor answers opened, so the score pages and the
KPIs show real figures from the start. No email is sent and no notification is written."""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tierdesk.accounts.models import User
from tierdesk.surveys.choices import FollowUpStatus, InvitationKind, ResponseKind
from tierdesk.surveys.models import FollowUpTask, SurveyInvitation, SurveyResponse
from tierdesk.surveys.services import (
    FOLLOW_UP_DUE,
    eligible_tickets,
    follow_up_manager,
    needs_follow_up,
)
from tierdesk.tickets.models import Ticket

WEEKS = 12
BATCH = 1000
# About half of customers answer; of those, 85 % give 4 or 5 (60 % + 25 %).
CSAT_ANSWER_RATE = 0.55
CSAT_WEIGHTS = {5: 60, 4: 25, 3: 8, 2: 4, 1: 3}
CES_ANSWER_RATE = 0.8
CES_WEIGHTS = {7: 30, 6: 30, 5: 20, 4: 10, 3: 5, 2: 3, 1: 2}
NPS_ANSWER_RATE = 0.4
# Promoters 50 %, passives 32 %, detractors 18 %: an NPS of about 32.
NPS_WEIGHTS = {10: 28, 9: 22, 8: 18, 7: 14, 6: 7, 5: 5, 3: 4, 0: 2}
COMMENTS = {
    "good": ["Quick and clear answer, thank you.", "Solved on the first reply.", ""],
    "bad": ["It took days to get a real answer.", "I had to explain the problem three times."],
}
OUTCOMES = [
    "Called the customer; walked through the fix and they are satisfied now.",
    "Left a voicemail and sent an email; customer replied the issue is resolved.",
    "Discussed response times; offered a review call with their success manager.",
]


def _pick(rng: random.Random, weights: dict[int, int]) -> int:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def seed_surveys_demo(*, now: datetime | None = None, seed: int = 7) -> int:
    """Writes survey answers for the solved tickets of the last 12 weeks that have no CSAT yet;
    returns how many responses. Follow-ups older than a week are done with an outcome, the
    rest stay open. Running it again adds nothing for tickets already surveyed."""
    now = now or timezone.now()
    rng = random.Random(seed)
    since = now - timedelta(weeks=WEEKS)
    tickets = list(
        eligible_tickets(Ticket.objects.filter(solved_at__gte=since, solved_at__lt=now))
        .exclude(survey_invitations__kind=InvitationKind.CSAT)
        .order_by("solved_at", "pk")
        .values_list("pk", "requester_id", "solved_at", "group_id")
    )
    managers: dict[int | None, User | None] = {}
    written = 0
    for start in range(0, len(tickets), BATCH):
        with transaction.atomic():
            written += _csat_batch(rng, tickets[start : start + BATCH], now, managers)
    with transaction.atomic():
        written += _nps(rng, tickets, now, managers)
    return written


def _csat_batch(rng, rows, now, managers) -> int:  # type: ignore[no-untyped-def]
    invitations = []
    answers: list[tuple[int, dict[str, int], str, datetime]] = []
    for position, (number, requester_id, solved_at, _group) in enumerate(rows):
        sent_at = solved_at + timedelta(minutes=rng.randint(1, 10))
        answered_at = None
        if rng.random() < CSAT_ANSWER_RATE:
            answered_at = min(sent_at + timedelta(hours=rng.uniform(0.2, 72)), now)
            scores = {ResponseKind.CSAT.value: _pick(rng, CSAT_WEIGHTS)}
            if rng.random() < CES_ANSWER_RATE:
                scores[ResponseKind.CES.value] = _pick(rng, CES_WEIGHTS)
            mood = "good" if scores["csat"] >= 4 else "bad" if scores["csat"] <= 2 else "good"
            answers.append((position, scores, rng.choice(COMMENTS[mood]), answered_at))
        invitations.append(
            SurveyInvitation(
                kind=InvitationKind.CSAT,
                ticket_id=number,
                person_id=requester_id,
                token=secrets.token_urlsafe(24),
                created_at=solved_at,
                sent_at=sent_at,
                answered_at=answered_at,
            )
        )
    SurveyInvitation.objects.bulk_create(invitations)
    return _answers_write(rng, invitations, answers, now, managers)


def _nps(rng, tickets, now, managers) -> int:  # type: ignore[no-untyped-def]
    latest: dict[int, tuple[int, datetime]] = {}
    for number, requester_id, solved_at, _group in tickets:
        latest[requester_id] = (number, solved_at)
    asked = set(
        SurveyInvitation.objects.filter(
            kind=InvitationKind.NPS, person_id__in=list(latest)
        ).values_list("person_id", flat=True)
    )
    invitations = []
    answers: list[tuple[int, dict[str, int], str, datetime]] = []
    for requester_id, (number, solved_at) in sorted(latest.items()):
        if requester_id in asked:
            continue
        sent_at = min(solved_at + timedelta(days=1), now)
        answered_at = None
        if rng.random() < NPS_ANSWER_RATE:
            answered_at = min(sent_at + timedelta(hours=rng.uniform(1, 96)), now)
            score = _pick(rng, NPS_WEIGHTS)
            comment = rng.choice(COMMENTS["good" if score >= 7 else "bad"])
            answers.append(
                (len(invitations), {ResponseKind.NPS.value: score}, comment, answered_at)
            )
        invitations.append(
            SurveyInvitation(
                kind=InvitationKind.NPS,
                ticket_id=number,
                person_id=requester_id,
                token=secrets.token_urlsafe(24),
                created_at=sent_at,
                sent_at=sent_at,
                answered_at=answered_at,
            )
        )
    SurveyInvitation.objects.bulk_create(invitations)
    return _answers_write(rng, invitations, answers, now, managers)


def _answers_write(rng, invitations, answers, now, managers) -> int:  # type: ignore[no-untyped-def]
    responses = []
    for position, scores, comment, answered_at in answers:
        invitation = invitations[position]
        for index, (kind, score) in enumerate(scores.items()):
            responses.append(
                SurveyResponse(
                    invitation_id=invitation.pk,
                    kind=kind,
                    score=score,
                    comment=comment if index == 0 else "",
                    ticket_id=invitation.ticket_id,
                    person_id=invitation.person_id,
                    created_at=answered_at,
                )
            )
    SurveyResponse.objects.bulk_create(responses)
    tasks = []
    for response in responses:
        if not needs_follow_up(response.kind, response.score):
            continue
        ticket = Ticket.objects.select_related("group__manager").get(pk=response.ticket_id)
        if ticket.group_id not in managers:
            managers[ticket.group_id] = follow_up_manager(ticket)
        manager = managers[ticket.group_id]
        done = response.created_at < now - timedelta(days=7)
        tasks.append(
            FollowUpTask(
                response_id=response.pk,
                ticket_id=response.ticket_id,
                assignee=manager,
                status=FollowUpStatus.DONE if done else FollowUpStatus.OPEN,
                outcome=rng.choice(OUTCOMES) if done else "",
                created_at=response.created_at,
                due_at=response.created_at + FOLLOW_UP_DUE,
                done_at=response.created_at + timedelta(days=1) if done else None,
                done_by=manager if done else None,
            )
        )
    FollowUpTask.objects.bulk_create(tasks)
    return len(responses)
