"""Sending surveys and taking their answers: a CSAT for every solved ticket (once per ticket), the
NPS schedule per contact, the signed links, the settings managers keep, and follow-up tasks.

Who is asked: the requester of a solved ticket when they are an active customer contact; never
for proactive tickets (the desk opened them) or merged tickets, never staff requesters (the
reporting account of an unknown caller's ticket). One CSAT per ticket: a ticket reopened and
solved again is not asked a second time, so a customer is not surveyed twice for one request.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Role
from tierdesk.accounts.models import User
from tierdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tierdesk.macros.models import Notification
from tierdesk.surveys.choices import (
    SCALES,
    FollowUpStatus,
    InvitationKind,
    ResponseKind,
    SkipReason,
)
from tierdesk.surveys.models import FollowUpTask, SurveyInvitation, SurveyResponse, SurveySettings
from tierdesk.tickets.choices import Channel, EventKind, Status
from tierdesk.tickets.models import Ticket

SALT = "tierdesk.surveys.link"
# A link older than this is refused: a survey answered months later says little about the solve.
LINK_MAX_AGE = timedelta(days=60)
# NPS asks contacts who had a ticket solved within this window.
NPS_RECENT_SOLVE = timedelta(days=30)
# The catch-up job looks this far back for solves without a CSAT invitation, re-queues unsent
# invitations once they are this old (the first try has had its chance), a batch at a time.
CATCH_UP_WINDOW = timedelta(days=7)
CATCH_UP_UNSENT_AFTER = timedelta(minutes=10)
CATCH_UP_BATCH = 200
# A follow-up call is due this long after the poor answer.
FOLLOW_UP_DUE = timedelta(days=2)
CSAT_FOLLOW_UP_MAX = 2
NPS_DETRACTOR_MAX = 6
COMMENT_MAX = 5000
OUTCOME_MAX = 5000
SETTINGS_FIELDS = frozenset({"ces_enabled", "nps_enabled", "nps_interval_days", "nps_daily_max"})
# A contact asked for a CSAT this recently is not also asked for NPS.
NPS_AFTER_CSAT = timedelta(days=7)
NOTIFICATION_KIND = "follow_up"
MANAGING_ROLES = frozenset({Role.MANAGER, Role.ADMIN})


# --- settings -----------------------------------------------------------------------------------


def survey_settings() -> SurveySettings:
    """The desk's survey settings, created with the defaults on first read."""
    row, _created = SurveySettings.objects.get_or_create(pk=1)
    return row


@transaction.atomic
def survey_settings_update(*, actor: User, changes: dict[str, object]) -> SurveySettings:
    """Changes the survey settings (managers and administrators); each refused field is named."""
    if actor.role not in MANAGING_ROLES:
        raise PermissionDenied(_("Only managers change the survey settings."))
    row = survey_settings()
    errors: dict[str, str] = {}
    for field, value in changes.items():
        if field not in SETTINGS_FIELDS:
            errors[field] = _("Unknown field.")
        elif field == "nps_interval_days":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
                errors[field] = _("Give a number of days from 1 to 3650.")
        elif field == "nps_daily_max":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100_000:
                errors[field] = _("Give a number from 1 to 100000.")
        elif not isinstance(value, bool):
            errors[field] = _("Give true or false.")
    if errors:
        raise ValidationFailed(errors)
    for field, value in changes.items():
        setattr(row, field, value)
    row.updated_at = timezone.now()
    row.save()
    return row


# --- links --------------------------------------------------------------------------------------


def survey_link_token(invitation: SurveyInvitation) -> str:
    """The signed, URL-safe form of the invitation's token that its link carries."""
    return signing.dumps(invitation.token, salt=SALT, compress=False)


def survey_link(invitation: SurveyInvitation) -> str:
    """The absolute link to answer the invitation, which works without signing in."""
    base = settings.TIERDESK_PUBLIC_URL.rstrip("/")
    return f"{base}{reverse('surveys:answer', args=[survey_link_token(invitation)])}"


def invitation_from_link(signed: str) -> SurveyInvitation:
    """The invitation a signed link names; NotFound for an altered, foreign or expired link."""
    try:
        token = signing.loads(signed, salt=SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        raise NotFound(_("This survey link is not valid or has expired.")) from None
    invitation = (
        SurveyInvitation.objects.select_related("ticket", "person").filter(token=token).first()
    )
    if invitation is None:
        raise NotFound(_("This survey link is not valid or has expired."))
    return invitation


# --- CSAT after a solve -------------------------------------------------------------------------


def history_changed(ticket_ids: Collection[int], changes: Collection[tuple[str, str]]) -> None:
    """History listener: a status change may be a solve; the invitation is written after the
    change commits (the caller saves the ticket after recording its events), so a rolled-back
    solve asks nothing. Robust: a failure here is logged and never fails the committed solve."""
    if (EventKind.CHANGED, "status") not in changes:
        return
    ids = list(ticket_ids)
    transaction.on_commit(lambda: csat_invite_solved(ids), robust=True)


def eligible_tickets(tickets_qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Of these tickets, those whose requester is surveyed: active customer contacts' own,
    neither proactive nor merged."""
    return tickets_qs.filter(
        merged_into__isnull=True,
        requester__role=Role.CUSTOMER,
        requester__is_active=True,
    ).exclude(channel=Channel.PROACTIVE)


def csat_invite_solved(ticket_ids: Collection[int]) -> list[SurveyInvitation]:
    """Creates the CSAT invitation of each of these tickets that is solved and has none yet, and
    queues its email; safe to run twice (one invitation per ticket, held by a unique constraint)."""
    tickets = eligible_tickets(
        Ticket.objects.filter(pk__in=list(ticket_ids), status=Status.SOLVED)
    ).exclude(survey_invitations__kind=InvitationKind.CSAT)
    created: list[SurveyInvitation] = []
    now = timezone.now()
    for ticket in tickets.only("number", "requester_id"):
        try:
            with transaction.atomic():
                invitation = SurveyInvitation.objects.create(
                    kind=InvitationKind.CSAT,
                    ticket_id=ticket.pk,
                    person_id=ticket.requester_id,
                    token=secrets.token_urlsafe(24),
                    created_at=now,
                )
        except IntegrityError:
            continue  # another worker invited for this solve first
        created.append(invitation)
    _queue_emails([i.pk for i in created])
    return created


def survey_catch_up(*, now: datetime | None = None) -> tuple[int, int]:
    """The periodic safety net of "every solved ticket gets a CSAT": invites tickets solved in
    the last 7 days that have no CSAT invitation (the after-commit invite was lost, say to a
    crash) and re-queues invitations still unsent 10 minutes after they were made (the queue was
    away or the retries ran out). Bounded batches, oldest first; returns (invited, re-queued).
    Sending claims each invitation, so a re-queue never sends twice."""
    now = now or timezone.now()
    missing = list(
        eligible_tickets(
            Ticket.objects.filter(status=Status.SOLVED, solved_at__gte=now - CATCH_UP_WINDOW)
        )
        .exclude(survey_invitations__kind=InvitationKind.CSAT)
        .order_by("solved_at")
        .values_list("pk", flat=True)[:CATCH_UP_BATCH]
    )
    invited = csat_invite_solved(missing) if missing else []
    unsent = list(
        SurveyInvitation.objects.filter(
            sent_at__isnull=True,
            answered_at__isnull=True,
            skipped_reason="",
            created_at__lte=now - CATCH_UP_UNSENT_AFTER,
            created_at__gte=now - CATCH_UP_WINDOW,
        )
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:CATCH_UP_BATCH]
    )
    _queue_emails(unsent)
    return len(invited), len(unsent)


def _queue_emails(invitation_ids: list[int]) -> None:
    if not invitation_ids:
        return

    def queue() -> None:
        from tierdesk.surveys.tasks import send_survey_email

        for invitation_id in invitation_ids:
            send_survey_email(invitation_id)

    # Robust: a queue that is away (Redis down) must not fail what committed; the email is then
    # not sent, and the portal still shows the form.
    transaction.on_commit(queue, robust=True)


def invitation_email_send(invitation_id: int) -> bool:
    """Emails the invitation's link to its person, in their language; True when sent.

    Claimed with a conditional update, so two workers running the same job send one email; a
    failed send gives the claim back and raises, for the task's retry. An answered invitation
    (the customer used the portal first) is not emailed.
    """
    claimed = SurveyInvitation.objects.filter(
        pk=invitation_id, sent_at__isnull=True, answered_at__isnull=True
    ).update(sent_at=timezone.now())
    if not claimed:
        return False
    invitation = SurveyInvitation.objects.select_related("person", "ticket").get(pk=invitation_id)
    person = invitation.person
    if not person.email or not person.is_active:
        # Nothing went out: sent_at goes back to empty and the reason is kept instead.
        reason = SkipReason.INACTIVE if not person.is_active else SkipReason.NO_EMAIL
        SurveyInvitation.objects.filter(pk=invitation_id).update(
            sent_at=None, skipped_reason=reason
        )
        return False
    ticket = invitation.ticket
    with translation.override(person.language or None):
        # A restricted ticket's subject stays out of email.
        link = survey_link(invitation)
        context = {
            "number": ticket.pk,
            "subject": "" if ticket.restricted else ticket.subject,
        }
        if invitation.kind == InvitationKind.CSAT:
            subject = _("How did we do on request #%(number)s? %(subject)s") % context
            lines = [
                _("Your request #%(number)s %(subject)s has been solved.") % context,
                _("How satisfied are you with the support you received? It takes one click:"),
            ]
        else:
            subject = _("Would you recommend us?")
            lines = [
                _(
                    "How likely are you to recommend our product and support to a friend or "
                    "colleague? Tell us on a scale from 0 to 10:"
                )
            ]
        body = "\n\n".join([*lines, link])
    try:
        send_mail(subject.strip(), body, None, [person.email])
    except Exception:
        SurveyInvitation.objects.filter(pk=invitation_id).update(sent_at=None)
        raise
    return True


# --- answers ------------------------------------------------------------------------------------


def questions_for(invitation: SurveyInvitation, *, ces_enabled: bool) -> list[str]:
    """The kinds of answer the invitation asks, the first required: CSAT (and CES when enabled)
    or NPS."""
    if invitation.kind == InvitationKind.NPS:
        return [ResponseKind.NPS]
    return [ResponseKind.CSAT, ResponseKind.CES] if ces_enabled else [ResponseKind.CSAT]


def survey_answer(
    *,
    invitation: SurveyInvitation,
    scores: dict[str, int | None],
    comment: str = "",
    actor: User | None = None,
) -> list[SurveyResponse]:
    """Records the answers to an invitation, once: a second answer raises Conflict and writes
    nothing. `actor` is the signed-in person answering on the portal (it must be the invited
    person); None for the signed link. A CSAT of 1-2 or an NPS of 0-6 opens a follow-up task."""
    if actor is not None and actor.pk != invitation.person_id:
        raise PermissionDenied(_("This survey is someone else's."))
    kinds = questions_for(invitation, ces_enabled=survey_settings().ces_enabled)
    errors: dict[str, str] = {}
    given: dict[str, int] = {}
    for position, kind in enumerate(kinds):
        low, high = SCALES[kind]
        value = scores.get(kind)
        if value is None:
            if position == 0:
                errors[kind] = _("Pick a score.")
        elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[kind] = _("Pick a score from %(low)s to %(high)s.") % {"low": low, "high": high}
        else:
            given[kind] = value
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = _("Keep the comment under %(max)s characters.") % {"max": COMMENT_MAX}
    if errors:
        raise ValidationFailed(errors)
    already = _("This survey has already been answered. Thank you.")
    now = timezone.now()
    try:
        with transaction.atomic():
            # Claimed by a conditional update rather than a row lock, which SQLite does not
            # have: of two answers at once, the second updates nothing and is told so.
            if not SurveyInvitation.objects.filter(
                pk=invitation.pk, answered_at__isnull=True
            ).update(answered_at=now):
                raise Conflict(already)
            group_id, tier = (
                Ticket.objects.filter(pk=invitation.ticket_id).values_list("group_id", "tier").get()
            )
            responses = SurveyResponse.objects.bulk_create(
                SurveyResponse(
                    group_id=group_id,
                    tier=tier,
                    invitation_id=invitation.pk,
                    kind=kind,
                    score=score,
                    comment=comment if kind == kinds[0] else "",
                    ticket_id=invitation.ticket_id,
                    person_id=invitation.person_id,
                    created_at=now,
                )
                for kind, score in given.items()
            )
            for response in responses:
                if needs_follow_up(response.kind, response.score):
                    follow_up_open(response)
    except IntegrityError:
        # The one-response-per-kind constraint caught an answer that slipped past the claim.
        raise Conflict(already) from None
    invitation.answered_at = now
    return responses


def needs_follow_up(kind: str, score: int) -> bool:
    """A CSAT of 1-2 or an NPS detractor (0-6) calls for a manager's call; CES never does."""
    if kind == ResponseKind.CSAT:
        return score <= CSAT_FOLLOW_UP_MAX
    if kind == ResponseKind.NPS:
        return score <= NPS_DETRACTOR_MAX
    return False


def follow_up_manager(ticket: Ticket) -> User | None:
    """Who owns the follow-up of a ticket: the manager its group names, else a manager among
    the group's members, else the first active manager of the desk (None when there is none).
    A restricted ticket's task only goes to a manager named on it, who may read it; with none
    named it stays unassigned, listed to the named staff alone."""
    managers = User.objects.filter(is_active=True, role=Role.MANAGER)
    if ticket.restricted:
        managers = managers.filter(pk__in=ticket.restricted_to.values("pk"))
    group = ticket.group
    if group is not None:
        if (
            group.manager is not None
            and group.manager.is_active
            and managers.filter(pk=group.manager.pk).exists()
        ):
            return group.manager
        member = managers.filter(skill_groups=group).order_by("pk").first()
        if member is not None:
            return member
    return managers.order_by("pk").first()


def follow_up_open(response: SurveyResponse) -> FollowUpTask:
    """Opens the follow-up task of a poor answer and notifies its manager in the console."""
    ticket = Ticket.objects.select_related("group__manager").get(pk=response.ticket_id)
    manager = follow_up_manager(ticket)
    task = FollowUpTask.objects.create(
        response=response,
        ticket=ticket,
        assignee=manager,
        created_at=response.created_at,
        due_at=response.created_at + FOLLOW_UP_DUE,
    )
    if manager is not None:
        Notification.objects.create(
            person=manager,
            ticket=ticket,
            kind=NOTIFICATION_KIND,
            created_at=response.created_at,
        )
    return task


@transaction.atomic
def follow_up_done(*, actor: User, task: FollowUpTask, outcome: str) -> FollowUpTask:
    """Records the outcome of the call and closes the task (managers and administrators)."""
    if actor.role not in MANAGING_ROLES:
        raise PermissionDenied(_("Only managers record follow-ups."))
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationFailed(outcome=_("Say what came of the call."))
    if len(outcome) > OUTCOME_MAX:
        raise ValidationFailed(
            outcome=_("Keep the outcome under %(max)s characters.") % {"max": OUTCOME_MAX}
        )
    locked = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    if locked.status == FollowUpStatus.DONE:
        raise Conflict(_("This follow-up is already done."))
    locked.status = FollowUpStatus.DONE
    locked.outcome = outcome
    locked.done_at = timezone.now()
    locked.done_by = actor
    locked.save(update_fields=["status", "outcome", "done_at", "done_by"])
    return locked


# --- the NPS schedule ---------------------------------------------------------------------------


@transaction.atomic
def nps_schedule(*, now: datetime | None = None) -> list[SurveyInvitation]:
    """Invites to NPS each customer contact who had a ticket solved in the last 30 days, was
    not invited to NPS within the settings' interval nor to a CSAT within 7 days, at most the
    settings' daily number, oldest solve first; the emails go after commit. Runs of the
    schedule take turns on the settings row, so two never invite the same contact."""
    row = survey_settings()
    SurveySettings.objects.select_for_update().filter(pk=row.pk).first()
    if not row.nps_enabled:
        return []
    now = now or timezone.now()
    recent = eligible_tickets(Ticket.objects.filter(solved_at__gte=now - NPS_RECENT_SOLVE))
    asked = SurveyInvitation.objects.filter(
        kind=InvitationKind.NPS, created_at__gt=now - timedelta(days=row.nps_interval_days)
    ).values("person_id")
    just_csat = SurveyInvitation.objects.filter(
        kind=InvitationKind.CSAT, created_at__gt=now - NPS_AFTER_CSAT
    ).values("person_id")
    # Those whose latest solve is oldest first (the soonest to leave the 30 days), up to the
    # daily cap; the rest are asked on the following days.
    latest = (
        recent.exclude(requester_id__in=asked)
        .exclude(requester_id__in=just_csat)
        .values("requester_id")
        .annotate(last=Max("number"), solved=Max("solved_at"))
        .order_by("solved", "requester_id")[: row.nps_daily_max]
    )
    invitations = SurveyInvitation.objects.bulk_create(
        SurveyInvitation(
            kind=InvitationKind.NPS,
            ticket_id=row_["last"],
            person_id=row_["requester_id"],
            token=secrets.token_urlsafe(24),
            created_at=now,
        )
        for row_ in latest
    )
    # bulk_create returns ids on SQLite and PostgreSQL alike.
    _queue_emails([i.pk for i in invitations])
    return invitations
