"""API of tickets: list, open, read, change, converse, attach, follow the history."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import File, Query, Router, Status, UploadedFile

from tierdesk.accounts.models import SkillGroup, User
from tierdesk.accounts.selectors import (
    person_by_reference,
    skill_group_by_reference,
    users_visible_to,
)
from tierdesk.core.api import ErrorOut, form_files, idempotent, multipart_form
from tierdesk.core.errors import PermissionDenied, ValidationFailed
from tierdesk.tickets import downloads
from tierdesk.tickets.choices import Channel
from tierdesk.tickets.choices import Status as TicketStatus
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.schemas import (
    ATTACHMENTS_MAX,
    AttachmentOut,
    EventOut,
    FollowUpIn,
    MessageIn,
    MessageOut,
    ReadersIn,
    TicketDetailOut,
    TicketIn,
    TicketListQuery,
    TicketOut,
    TicketPageOut,
    TicketPatchIn,
)
from tierdesk.tickets.selectors import (
    ticket_events,
    ticket_get_for_user,
    ticket_list,
    ticket_messages,
)
from tierdesk.tickets.services import (
    NewAttachment,
    restricted_ticket_read_record,
    ticket_add_note,
    ticket_attach,
    ticket_open,
    ticket_open_follow_up,
    ticket_reply,
    ticket_share_restricted,
    ticket_update,
)

router = Router(tags=["tickets"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _person(viewer: User, reference: int | str, field: str) -> User:
    """The person a client named by id or username, among those `viewer` may see."""
    person = person_by_reference(users_visible_to(viewer), reference)
    if person is None:
        raise ValidationFailed({field: _("No person %(value)s.") % {"value": reference}})
    return person


def _group(reference: int | str) -> SkillGroup:
    group = skill_group_by_reference(reference)
    if group is None:
        raise ValidationFailed(group=_("No skill group %(value)s.") % {"value": reference})
    return group


def _staff(viewer: User, references: list[int | str]) -> list[User]:
    """The staff a client named by id or username; every reference that names no staff member
    is refused, naming `people`."""
    people, reasons = [], []
    for reference in references:
        person = person_by_reference(users_visible_to(viewer), reference)
        if person is None:
            reasons.append(_("No person %(value)s.") % {"value": reference})
        elif person.is_customer:
            reasons.append(
                _("%(value)s is a customer; only staff are named on a restricted ticket.")
                % {"value": reference}
            )
        else:
            people.append(person)
    if reasons:
        raise ValidationFailed({"people": reasons})
    return people


def _read(user: User, number: int) -> Ticket:
    """The ticket `user` reads, with the audit record a restricted ticket requires."""
    ticket = ticket_get_for_user(user, number)
    if ticket.restricted:
        restricted_ticket_read_record(actor=user, ticket=ticket)
    return ticket


def _uploads(request: HttpRequest) -> list[NewAttachment]:
    """Files sent with a multipart form under `attachments`; any other file name is refused, and
    more than ATTACHMENTS_MAX files are refused naming `attachments` rather than cut off."""
    uploads = form_files(request)
    if len(uploads) > ATTACHMENTS_MAX:
        raise ValidationFailed(
            attachments=ngettext(
                "Attach at most %(max)d file per message; you sent %(count)d.",
                "Attach at most %(max)d files per message; you sent %(count)d.",
                ATTACHMENTS_MAX,
            )
            % {"max": ATTACHMENTS_MAX, "count": len(uploads)}
        )
    return [NewAttachment.from_upload(upload) for upload in uploads]


@router.get("/tickets", response={200: TicketPageOut, **ERRORS}, summary="List tickets")
def ticket_index(request: HttpRequest, query: Query[TicketListQuery]) -> Any:
    """Tickets you may read, most recently updated first, a page at a time."""
    page = ticket_list(request.auth, query.filters(), cursor=query.cursor, limit=query.limit)
    return {"items": page.tickets, "next_cursor": page.next_cursor}


@router.post(
    "/tickets",
    response={201: TicketOut, **ERRORS},
    summary="Open a ticket",
    openapi_extra=multipart_form(TicketIn),
)
@idempotent
def ticket_create(request: HttpRequest, payload: TicketIn) -> Any:
    """Opens a ticket with its first message. Staff may open it for a `requester`. Send JSON, or
    a multipart form with the same fields (tags repeated or comma-separated) and files under
    `attachments`."""
    actor = request.auth
    if actor.is_customer and payload.group is not None:
        raise ValidationFailed(group=_("Only staff choose the group."))
    fields = payload.model_dump(exclude={"requester", "group"})
    ticket = ticket_open(
        actor=actor,
        requester=_person(actor, payload.requester, "requester")
        if payload.requester is not None
        else None,
        group=_group(payload.group) if payload.group is not None else None,
        attachments=_uploads(request),
        **fields,
    )
    return Status(201, ticket)


@router.get("/tickets/{number}", response={200: TicketDetailOut, **ERRORS}, summary="Read a ticket")
def ticket_detail(request: HttpRequest, number: int) -> Any:
    """The ticket, with its SLA clocks for staff (`sla`, empty for customers)."""
    return _read(request.auth, number)


@router.patch("/tickets/{number}", response={200: TicketOut, **ERRORS}, summary="Change a ticket")
def ticket_change(request: HttpRequest, number: int, payload: TicketPatchIn) -> Any:
    """Changes the fields present in the body; each change is recorded as an event."""
    actor = request.auth
    changes = payload.model_dump(exclude_unset=True)
    if changes.get("assignee") == "me":
        changes["assignee"] = actor.pk
    ticket_update(actor=actor, ticket=ticket_get_for_user(actor, number), changes=changes)
    return ticket_get_for_user(actor, number)


@router.get(
    "/tickets/{number}/messages", response={200: list[MessageOut], **ERRORS}, summary="Messages"
)
def message_index(request: HttpRequest, number: int) -> Any:
    """The conversation, oldest first. Customers never see internal notes."""
    return ticket_messages(request.auth, _read(request.auth, number))


@router.post(
    "/tickets/{number}/messages",
    response={201: MessageOut, **ERRORS},
    summary="Reply or add a note",
    openapi_extra=multipart_form(MessageIn),
)
@idempotent
def message_create(request: HttpRequest, number: int, payload: MessageIn) -> Any:
    """A public reply, or with `internal: true` a note only staff see; files go in `attachments`."""
    actor = request.auth
    ticket = ticket_get_for_user(actor, number)
    if payload.internal:
        if payload.status is not None:
            raise ValidationFailed(status=_("An internal note does not change the status."))
        message = ticket_add_note(
            actor=actor,
            ticket=ticket,
            body=payload.body,
            body_html=payload.body_html,
            attachments=_uploads(request),
        )
    else:
        try:
            message = ticket_reply(
                actor=actor,
                ticket=ticket,
                body=payload.body,
                body_html=payload.body_html,
                status=payload.status,
                attachments=_uploads(request),
            )
        except ValidationFailed as refusal:
            if "status" in refusal.errors and ticket.status == TicketStatus.CLOSED:
                # The service's wording speaks of the pages; a client needs the endpoint.
                raise ValidationFailed(
                    {**refusal.errors, "status": _closed_ticket_reason(ticket)}
                ) from None
            raise
    return Status(201, message)


def _closed_ticket_reason(ticket: Ticket) -> str:
    path = reverse("api-v1:follow_up_create", kwargs={"number": ticket.number})
    return _("This ticket is closed; POST the message to %(path)s to open a follow-up ticket.") % {
        "path": path
    }


@router.post(
    "/tickets/{number}/follow-up",
    response={201: TicketOut, **ERRORS},
    summary="Follow up a closed ticket",
    openapi_extra=multipart_form(FollowUpIn),
)
@idempotent
def follow_up_create(request: HttpRequest, number: int, payload: FollowUpIn) -> Any:
    """Opens a new ticket that continues a closed one, with this message and any files under
    `attachments`. Both tickets record the link. 422 naming `status` if the ticket is not closed."""
    actor = request.auth
    closed = ticket_get_for_user(actor, number)
    follow_up = ticket_open_follow_up(
        actor=actor,
        ticket=closed,
        body=payload.body,
        body_html=payload.body_html,
        channel=payload.channel or (Channel.API if actor.is_customer else None),
        attachments=_uploads(request),
    )
    return Status(201, follow_up)


@router.post(
    "/tickets/{number}/readers",
    response={200: TicketOut, **ERRORS},
    summary="Share a restricted ticket",
)
def reader_add(request: HttpRequest, number: int, payload: ReadersIn) -> Any:
    """Names more staff who may read a restricted ticket; only staff named on it may. Naming
    someone already named changes nothing, so a retry is safe. Answers the ticket with its
    `readers`. 422 naming `people` for anyone who is not active staff."""
    actor = request.auth
    form_files(request, field=None)
    ticket = ticket_get_for_user(actor, number)
    if actor.is_customer:
        raise PermissionDenied(_("Only staff can share restricted tickets."))
    ticket_share_restricted(actor=actor, ticket=ticket, people=_staff(actor, payload.people))
    return ticket_get_for_user(actor, number)


@router.post(
    "/tickets/{number}/attachments",
    response={201: list[AttachmentOut], **ERRORS},
    summary="Attach files",
)
@idempotent
def attachment_create(
    request: HttpRequest, number: int, attachments: File[list[UploadedFile] | None] = None
) -> Any:
    """Attaches files sent under `attachments` to the ticket, outside any message."""
    ticket = ticket_get_for_user(request.auth, number)
    return Status(
        201, ticket_attach(actor=request.auth, ticket=ticket, attachments=_uploads(request))
    )


@router.get(
    "/attachments/{attachment_id}",
    response={200: None, **ERRORS},
    url_name="attachment_download",
    summary="Download an attachment",
)
def attachment_download(request: HttpRequest, attachment_id: int) -> Any:
    """The file, always as a download; a read of a restricted ticket is recorded."""
    return downloads.attachment_download(request.auth, attachment_id)


@router.get(
    "/tickets/{number}/events",
    response={200: list[EventOut], **ERRORS},
    by_alias=True,
    summary="History",
)
def event_index(request: HttpRequest, number: int) -> Any:
    """Every change, oldest first. Customers follow status and the public conversation only."""
    return ticket_events(request.auth, _read(request.auth, number))
