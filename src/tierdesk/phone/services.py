"""Every write of phone: a call the telephony system reports, created or updated by its id, the
ticket it opens or joins, and the contacts' numbers callers are matched against."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Role
from tierdesk.accounts.models import User
from tierdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from tierdesk.phone.choices import Direction
from tierdesk.phone.models import Call, ContactNumber
from tierdesk.phone.numbers import is_withheld, normalize_number
from tierdesk.tickets.choices import Channel, Status
from tierdesk.tickets.events import change_field
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.selectors import ticket_get_for_user, tickets_visible_to
from tierdesk.tickets.services import (
    ticket_add_note,
    ticket_open,
    ticket_open_follow_up,
    ticket_update,
)

# Who may report calls and who may take them: the people who talk to customers. Quality
# reviewers read calls but neither report nor answer them.
CALL_ROLES = frozenset({Role.AGENT, Role.MANAGER, Role.ADMIN})
# The fields a report may carry besides the call's source and id.
CALL_FIELDS = frozenset(
    {
        "caller_number",
        "caller_name",
        "direction",
        "queue",
        "offered_at",
        "answered_at",
        "ended_at",
        "agent",
        "recording_url",
        "notes",
        "ticket",
    }
)
REQUIRED_ON_CREATE = ("caller_number", "offered_at")
SOURCE_MAX = 50
EXTERNAL_ID_MAX = 200
CALLER_NAME_MAX = 200
QUEUE_MAX = 100
RECORDING_URL_MAX = 1000
NOTES_MAX = 20_000
# Telephony clocks drift; a time this far ahead of ours is still taken as now-ish.
CLOCK_SKEW = timedelta(minutes=5)
# Tickets opened for callers no contact's number matches carry this tag, so the desk can find
# them and name the customer.
UNKNOWN_CALLER_TAG = "unknown-caller"
# How many merges a later report follows to the ticket that carries on the conversation.
MERGE_HOPS_MAX = 10

_recording_url = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class CallReport:
    """What a report did: the call as stored, and whether the report created it."""

    call: Call
    created: bool


# --- reporting calls ---------------------------------------------------------------------------


@transaction.atomic
def call_report(
    *, actor: User, source: str, external_id: str, fields: Mapping[str, Any]
) -> CallReport:
    """Creates the call the telephony system names by `source` and `external_id`, or updates it.

    `fields` holds any of CALL_FIELDS; `caller_number` and `offered_at` are required when the
    call is new. A field left out keeps its stored value, so a report may carry only what
    changed. A new call opens a ticket with channel phone for the contact whose number matches
    (unless `ticket` names one to join); a later report adds an internal note with what changed
    to the call's ticket. An answered call is the ticket's first response, and the agent who
    answered takes the ticket the call opened if nobody holds it.

    Raises PermissionDenied for anyone but agents, managers and administrators, NotFound for a
    stored call whose ticket `actor` may not read unless `actor` reported it, and
    ValidationFailed naming every refused field; nothing is stored then. Two reports of one
    new call at the same moment create it once: the second waits on the first (SQLite's write
    lock, PostgreSQL's unique index) and updates what the first created.
    """
    if actor.role not in CALL_ROLES or not actor.is_active:
        raise PermissionDenied(_("Agents, managers and administrators report calls."))
    errors: dict[str, str] = {}
    source = _clean_key(source, "source", SOURCE_MAX, errors)
    external_id = _clean_key(external_id, "external_id", EXTERNAL_ID_MAX, errors)
    for field in sorted(set(fields) - CALL_FIELDS):
        errors[field] = _("Unknown field.")
    if errors:
        raise ValidationFailed(errors)

    call = _locked_call(source, external_id)
    if call is None:
        try:
            with transaction.atomic():
                return CallReport(_call_create(actor, source, external_id, fields), created=True)
        except IntegrityError:
            # Another report of the same call created it meanwhile: this one updates it.
            call = _locked_call(source, external_id)
            if call is None:
                raise
    if not _may_update(actor, call):
        # The same answer as reading the call: nothing of it, nor of its ticket, is told.
        raise NotFound(_("No such call."))
    return CallReport(_call_update(actor, call, fields), created=False)


def _may_update(actor: User, call: Call) -> bool:
    """Whether `actor` may report on a stored call: the person who reported it (the telephony
    system keeps reporting a call whose ticket was restricted since), or someone who may read
    the call's ticket (a restricted one only for the staff named on it)."""
    if call.reported_by_id == actor.pk or call.ticket_id is None:
        return True
    return tickets_visible_to(actor).filter(number=call.ticket_id).exists()


def _locked_call(source: str, external_id: str) -> Call | None:
    return (
        Call.objects.select_for_update(of=("self",))
        .select_related("agent", "ticket")
        .filter(source=source, external_id=external_id)
        .first()
    )


def _call_create(actor: User, source: str, external_id: str, fields: Mapping[str, Any]) -> Call:
    errors: dict[str, str] = {}
    for field in REQUIRED_ON_CREATE:
        if field not in fields:
            errors[field] = _("This field is required.")
    values = _clean_fields(actor, fields, None, errors)
    if errors:
        raise ValidationFailed(errors)
    now = timezone.now()
    call = Call(
        source=source,
        external_id=external_id,
        reported_by=actor,
        created_at=now,
        updated_at=now,
    )
    for field, value in values.items():
        if field != "ticket":
            setattr(call, field, value)
    _check_times(call, errors)
    if errors:
        raise ValidationFailed(errors)
    call.measure()
    call.contact = contact_for_number(call.caller_number)
    ticket = values.get("ticket")
    if ticket is None:
        call.ticket, call.ticket_opened = _ticket_open_for(actor, call), True
    else:
        call.ticket, call.ticket_opened = _ticket_join(actor, call, _surviving(actor, ticket))
    call.save()
    _record_answer(actor, call)
    return call


def _call_update(actor: User, call: Call, fields: Mapping[str, Any]) -> Call:
    errors: dict[str, str] = {}
    values = _clean_fields(actor, fields, call, errors)
    if errors:
        raise ValidationFailed(errors)
    before = {field: getattr(call, field) for field in _NOTED_FIELDS}
    for field, value in values.items():
        if field != "ticket":
            setattr(call, field, value)
    _check_times(call, errors)
    if errors:
        raise ValidationFailed(errors)
    call.measure()
    joined = values.get("ticket")
    if call.ticket_id is None and joined is not None:
        # The call's ticket was deleted; the report names one to join. The join's note tells
        # the whole call, so no second note lists the changes.
        call.ticket, call.ticket_opened = _ticket_join(actor, call, _surviving(actor, joined))
        lines: list[str] = []
    elif any(getattr(call, field) != before[field] for field in _NOTED_FIELDS):
        lines = _change_lines(before, call)
    else:
        return call  # a repeated report: nothing to store, nothing to say
    call.updated_at = timezone.now()
    call.save()
    if lines and call.ticket is not None:
        ticket_add_note(actor=actor, ticket=_surviving(actor, call.ticket), body="\n".join(lines))
    _record_answer(actor, call)
    return call


# --- checking what a report carries ------------------------------------------------------------


def _clean_key(value: Any, field: str, limit: int, errors: dict[str, str]) -> str:
    text = str(value or "").strip()
    if not text:
        errors[field] = _("This field is required.")
    elif len(text) > limit:
        errors[field] = _("At most %(max)d characters.") % {"max": limit}
    return text


def _clean_fields(
    actor: User, fields: Mapping[str, Any], call: Call | None, errors: dict[str, str]
) -> dict[str, Any]:
    """The stored form of each field given, or an error naming it. `call` is the stored call
    of an update, None for a new one."""
    values: dict[str, Any] = {}
    for field, value in fields.items():
        if field == "caller_number":
            values[field] = _clean_number(value, call, errors)
        elif field in {"caller_name", "queue"}:
            limit = CALLER_NAME_MAX if field == "caller_name" else QUEUE_MAX
            text = " ".join(str(value or "").split())
            if len(text) > limit:
                errors[field] = _("At most %(max)d characters.") % {"max": limit}
            values[field] = text
        elif field == "direction":
            if value not in Direction.values:
                errors[field] = _("%(value)s is not one of: %(choices)s.") % {
                    "value": value,
                    "choices": ", ".join(Direction.values),
                }
            elif call is not None and value != call.direction:
                errors[field] = _(
                    "This call is %(direction)s; a call's direction does not change."
                ) % {"direction": call.direction}
            values[field] = value
        elif field in {"offered_at", "answered_at", "ended_at"}:
            values[field] = _clean_time(field, value, call, errors)
        elif field == "agent":
            values[field] = _clean_agent(value, errors)
        elif field == "recording_url":
            values[field] = _clean_recording(value, errors)
        elif field == "notes":
            text = str(value or "").strip()
            if len(text) > NOTES_MAX:
                errors[field] = _("At most %(max)d characters.") % {"max": NOTES_MAX}
            values[field] = text
        elif field == "ticket":
            values[field] = _clean_ticket(actor, value, call, errors)
    return values


def _clean_number(value: Any, call: Call | None, errors: dict[str, str]) -> str:
    if value is not None and not isinstance(value, str):
        value = str(value)
    if is_withheld(value):
        number = ""
    else:
        number = normalize_number(value) or ""
        if not number:
            errors["caller_number"] = _(
                "Give a phone number: 2 to 20 digits with an optional leading + (spaces, dashes, "
                "dots and parentheses are ignored), or anonymous for a withheld number."
            )
            return ""
    if call is not None and number != call.caller_number:
        errors["caller_number"] = _(
            "This call is from %(number)s; a call's number does not change."
        ) % {"number": call.caller_number or _("a withheld number")}
    return number


def _clean_time(
    field: str, value: Any, call: Call | None, errors: dict[str, str]
) -> datetime | None:
    if value is None:
        if field == "offered_at":
            errors[field] = _("This field is required.")
        elif call is not None and getattr(call, field) is not None:
            # Telephony systems resend the whole call; one that forgets a time must not
            # unanswer or reopen a call.
            errors[field] = (
                _("This call was answered; an answer is not taken back.")
                if field == "answered_at"
                else _("This call has ended; its end is not taken back.")
            )
        return None
    if not isinstance(value, datetime):
        errors[field] = _("Give a date and time, e.g. 2024-05-01T09:00:00Z.")
        return None
    if timezone.is_naive(value):
        errors[field] = _("Give a time zone, e.g. 2024-05-01T09:00:00Z.")
        return None
    if value > timezone.now() + CLOCK_SKEW:
        errors[field] = _("This time is in the future.")
    return value


def _check_times(call: Call, errors: dict[str, str]) -> None:
    """offered <= answered <= ended, named on the later time."""
    offered, answered, ended = call.offered_at, call.answered_at, call.ended_at
    if offered is None:
        return
    if answered is not None and answered < offered:
        errors.setdefault("answered_at", _("A call is answered after it was offered."))
    if ended is not None and ended < offered:
        errors.setdefault("ended_at", _("A call ends after it was offered."))
    elif ended is not None and answered is not None and ended < answered:
        errors.setdefault("ended_at", _("A call ends after it was answered."))


def _clean_agent(value: Any, errors: dict[str, str]) -> User | None:
    if value is None or value == "":
        return None
    agent = value if isinstance(value, User) else person_by_id_username_or_email(value)
    if agent is None or not agent.is_active:
        errors["agent"] = _("No active person %(value)s.") % {"value": value}
        return None
    if agent.role not in CALL_ROLES:
        errors["agent"] = _("Calls are taken by agents, managers or administrators.")
        return None
    return agent


def person_by_id_username_or_email(reference: Any) -> User | None:
    """The person named by id (all digits), username or email address (any case), or None."""
    text = str(reference).strip()
    if not text:
        return None
    if text.isdigit():
        return User.objects.filter(pk=int(text)).first() if len(text) < 19 else None
    if "@" in text:
        matches = list(User.objects.filter(email__iexact=text, is_active=True)[:2])
        if len(matches) == 1:
            return matches[0]
    return User.objects.filter(username=text).first()


def _clean_recording(value: Any, errors: dict[str, str]) -> str:
    url = str(value or "").strip()
    if not url:
        return ""
    if len(url) > RECORDING_URL_MAX:
        errors["recording_url"] = _("At most %(max)d characters.") % {"max": RECORDING_URL_MAX}
        return ""
    try:
        _recording_url(url)
    except DjangoValidationError:
        errors["recording_url"] = _("Give an http or https address.")
        return ""
    return url


def _clean_ticket(
    actor: User, value: Any, call: Call | None, errors: dict[str, str]
) -> Ticket | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
        ticket = ticket_get_for_user(actor, number) if 0 < number < 2**63 else None
    except (TypeError, ValueError, NotFound):
        ticket = None
    if ticket is None:
        errors["ticket"] = _("No ticket %(value)s.") % {"value": value}
        return None
    if call is not None and call.ticket_id is not None and call.ticket_id != ticket.number:
        errors["ticket"] = _("This call is on ticket #%(number)s; it does not move.") % {
            "number": call.ticket_id
        }
    return ticket


# --- the call's ticket -------------------------------------------------------------------------


def _surviving(actor: User, ticket: Ticket) -> Ticket:
    """The ticket that carries on `ticket`'s conversation: itself, or the ticket it was merged
    into (followed as far as `actor` may read)."""
    for _hop in range(MERGE_HOPS_MAX):
        if ticket.merged_into_id is None:
            break
        try:
            ticket = ticket_get_for_user(actor, ticket.merged_into_id)
        except NotFound:
            break
    return ticket


def _ticket_open_for(actor: User, call: Call) -> Ticket:
    """A new phone ticket for the call. Its requester is the contact the number matched; a
    caller nobody's number matches gets a ticket requested by the reporter, tagged
    unknown-caller, because a customer contact belongs to an organization and the desk does
    not know the caller's."""
    requester = call.contact or actor
    with translation.override(requester.language):
        caller = call.caller_name or (
            call.contact.display_name
            if call.contact
            else call.caller_number or _("a withheld number")
        )
        if call.direction == Direction.OUTBOUND:
            subject = _("Call to %(caller)s") % {"caller": caller}
        else:
            subject = _("Call from %(caller)s") % {"caller": caller}
        if call.queue:
            subject = _("%(subject)s (%(queue)s)") % {"subject": subject, "queue": call.queue}
        body = call.notes or _call_summary(call)
    return ticket_open(
        actor=actor,
        subject=subject[:250],
        body=body,
        requester=call.contact,
        channel=Channel.PHONE,
        tags=[] if call.contact else [UNKNOWN_CALLER_TAG],
    )


def _ticket_join(actor: User, call: Call, ticket: Ticket) -> tuple[Ticket, bool]:
    """Adds the call to an existing ticket with an internal note, and returns that ticket and
    False. A closed ticket is not written to again: the call opens a follow-up of it with
    channel phone, and the follow-up and True come back."""
    if ticket.status == Status.CLOSED:
        follow_up = ticket_open_follow_up(
            actor=actor,
            ticket=ticket,
            body=call.notes or _call_summary(call),
            channel=Channel.PHONE,
        )
        return follow_up, True
    ticket_add_note(actor=actor, ticket=ticket, body=_note_of_new_call(call))
    return ticket, False


def _record_answer(actor: User, call: Call) -> None:
    """An answered call is its ticket's first response (at the answer, or when the ticket was
    opened if that came later); the agent who answered takes the ticket the call opened when
    nobody holds it."""
    if call.answered_at is None or call.ticket is None:
        return
    ticket = Ticket.objects.select_for_update().get(pk=call.ticket.pk)
    if ticket.first_responded_at is None:
        now = timezone.now()
        change_field(
            ticket, actor, "first_responded_at", max(call.answered_at, ticket.created_at), now
        )
        ticket.updated_at = now
        ticket.save(update_fields=["first_responded_at", "updated_at"])
    if (
        call.ticket_opened
        and call.agent is not None
        and ticket.assignee_id is None
        and ticket.status != Status.CLOSED
        and not ticket.restricted
    ):
        ticket_update(actor=actor, ticket=ticket, changes={"assignee": call.agent})


# --- words -------------------------------------------------------------------------------------

# The fields whose change a later report writes into the ticket's internal note.
_NOTED_FIELDS = (
    "queue",
    "offered_at",
    "answered_at",
    "ended_at",
    "agent",
    "recording_url",
    "notes",
    "caller_name",
)


def duration(seconds: int | None) -> str:
    """A duration as people say it: "45 s", "4 min 12 s", "1 h 3 min"."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return _("%(seconds)d s") % {"seconds": seconds}
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return _("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": rest}
    hours, minutes = divmod(minutes, 60)
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}


def _call_summary(call: Call) -> str:
    """The ticket's first message when the report carries no notes."""
    if call.answered_at is not None and call.talk_seconds is not None:
        minutes = max(1, math.ceil(call.talk_seconds / 60))
        return _("Phone call, %(minutes)d min.") % {"minutes": minutes}
    if call.answered_at is not None:
        return _("Phone call, in progress.")
    if call.ended_at is not None:
        if call.direction == Direction.OUTBOUND:
            return _("Outbound call, not answered.")
        return _("Missed call: the caller hung up after %(wait)s without an answer.") % {
            "wait": duration(call.wait_seconds)
        }
    return _("Phone call, waiting for an answer.")


def _note_of_new_call(call: Call) -> str:
    """The internal note a call joining an existing ticket adds to it."""
    caller = call.caller_name or call.caller_number or _("a withheld number")
    if call.direction == Direction.OUTBOUND:
        head = _("Call to %(caller)s.") % {"caller": caller}
    else:
        head = _("Call from %(caller)s.") % {"caller": caller}
    lines = [head, _call_summary(call)]
    if call.recording_url:
        lines.append(_("Recording: %(url)s") % {"url": call.recording_url})
    if call.notes:
        lines.append(_("Notes:") + "\n" + call.notes)
    return "\n".join(lines)


def _change_lines(before: Mapping[str, Any], call: Call) -> list[str]:
    """One line per change a later report made, for the ticket's internal note."""
    lines: list[str] = []
    agent_name = call.agent.display_name if call.agent else ""
    if call.answered_at is not None and before["answered_at"] is None:
        if agent_name:
            lines.append(
                _("Call answered by %(agent)s after %(wait)s.")
                % {"agent": agent_name, "wait": duration(call.wait_seconds)}
            )
        else:
            lines.append(_("Call answered after %(wait)s.") % {"wait": duration(call.wait_seconds)})
    elif call.agent != before["agent"] and call.agent is not None:
        lines.append(_("Call now with %(agent)s.") % {"agent": agent_name})
    if call.ended_at is not None and before["ended_at"] is None:
        if call.answered_at is not None:
            lines.append(
                _("Call ended after %(talk)s of talk.") % {"talk": duration(call.talk_seconds)}
            )
        else:
            lines.append(
                _("Call ended without an answer after %(wait)s.")
                % {"wait": duration(call.wait_seconds)}
            )
    corrected = [
        field
        for field in ("offered_at", "answered_at", "ended_at")
        if before[field] is not None and getattr(call, field) != before[field]
    ]
    if corrected:
        lines.append(
            _("Call times corrected: wait %(wait)s, talk %(talk)s.")
            % {"wait": duration(call.wait_seconds), "talk": duration(call.talk_seconds)}
        )
    if call.queue != before["queue"] and call.queue:
        lines.append(_("Call moved to queue %(queue)s.") % {"queue": call.queue})
    if call.caller_name != before["caller_name"] and call.caller_name:
        lines.append(_("Caller: %(name)s.") % {"name": call.caller_name})
    if call.recording_url != before["recording_url"] and call.recording_url:
        lines.append(_("Recording: %(url)s") % {"url": call.recording_url})
    if call.notes != before["notes"] and call.notes:
        lines.append(_("Notes:") + "\n" + call.notes)
    return lines


# --- contacts' numbers -------------------------------------------------------------------------


def contact_for_number(number: str) -> User | None:
    """The active customer contact whose phone number is `number` (normalised), or None. A
    number several contacts share (a switchboard) names the one who opened a ticket most
    recently, then the longest-known one."""
    if not number:
        return None
    candidates = (
        User.objects.filter(contact_number__number=number, role=Role.CUSTOMER, is_active=True)
        .select_related("organization")
        .annotate(last_ticket=Max("requested_tickets__created_at"))
        .order_by(F("last_ticket").desc(nulls_last=True), "pk")[:5]
    )
    for person in candidates:
        # A phone changed by a write that skipped signals leaves a stale row: check, and mend.
        if normalize_number(person.phone) == number:
            return person
        contact_number_sync(person)
    return None


def contact_number_sync(user: User) -> None:
    """Stores `user`'s phone number normalised, or forgets it when they have none (or one that
    is no phone number)."""
    number = normalize_number(user.phone) if user.phone else None
    if number is None:
        ContactNumber.objects.filter(user_id=user.pk).delete()
    else:
        ContactNumber.objects.update_or_create(user_id=user.pk, defaults={"number": number})


# Rows per batch of the rebuild: a few hundred kilobytes of (id, phone) pairs at a time.
SYNC_BATCH = 2000


def contact_numbers_sync(batch: int = SYNC_BATCH) -> int:
    """Brings every stored number in step with the people's phone fields, in batches of people
    by id; returns how many numbers it stored, changed or forgot. Safe to run at any time and
    twice; it catches up on writes that skip signals (bulk_create, QuerySet.update)."""
    changed = 0
    after = 0
    while True:
        people = list(
            User.objects.filter(pk__gt=after).order_by("pk").values_list("pk", "phone")[:batch]
        )
        if not people:
            return changed
        after = people[-1][0]
        wanted = {
            pk: number for pk, phone in people if phone and (number := normalize_number(phone))
        }
        stored = dict(
            ContactNumber.objects.filter(user_id__in=[pk for pk, _phone in people]).values_list(
                "user_id", "number"
            )
        )
        gone = [pk for pk in stored if pk not in wanted]
        new = [ContactNumber(user_id=pk, number=n) for pk, n in wanted.items() if pk not in stored]
        moved = [
            ContactNumber(user_id=pk, number=n)
            for pk, n in wanted.items()
            if pk in stored and stored[pk] != n
        ]
        with transaction.atomic():
            ContactNumber.objects.filter(user_id__in=gone).delete()
            ContactNumber.objects.bulk_create(new)
            ContactNumber.objects.bulk_update(moved, ["number"])
        changed += len(gone) + len(new) + len(moved)
