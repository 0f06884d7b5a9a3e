"""API of the working tools: macros and applying them, notifications of @mentions, merging."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from tierdesk.core.api import ErrorOut, RecordId, idempotent
from tierdesk.core.errors import PermissionDenied
from tierdesk.macros import selectors, services
from tierdesk.macros.mentions import notification_read, notifications_read_all
from tierdesk.macros.merge import ticket_merge
from tierdesk.macros.schemas import (
    MacroApplyOut,
    MacroIn,
    MacroOut,
    MacroPatchIn,
    MergeIn,
    NotificationOut,
    ReadAllOut,
)
from tierdesk.tickets.schemas import TicketOut
from tierdesk.tickets.selectors import ticket_get_for_user

router = Router(tags=["macros"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _staff(request: HttpRequest) -> Any:
    if not request.auth.is_support_staff:
        raise PermissionDenied(_("Only staff use the desk's working tools."))
    return request.auth


@router.get("/macros", response={200: list[MacroOut], **ERRORS}, summary="List macros")
def macro_index(request: HttpRequest) -> Any:
    """Your personal macros, your groups' and the global ones; managers and administrators
    also see every group's."""
    return list(selectors.macros_visible_to(_staff(request)))


@router.post("/macros", response={201: MacroOut, **ERRORS}, summary="Create a macro")
@idempotent
def macro_create(request: HttpRequest, payload: MacroIn) -> Any:
    """422 names each refused field, an unknown placeholder in `body` by its name."""
    macro = services.macro_create(actor=_staff(request), **payload.model_dump())
    return Status(201, selectors.macro_get_for_user(request.auth, macro.pk))


@router.get("/macros/{macro_id}", response={200: MacroOut, **ERRORS}, summary="Read a macro")
def macro_detail(request: HttpRequest, macro_id: RecordId) -> Any:
    return selectors.macro_get_for_user(_staff(request), macro_id)


@router.patch("/macros/{macro_id}", response={200: MacroOut, **ERRORS}, summary="Change a macro")
def macro_change(request: HttpRequest, macro_id: RecordId, payload: MacroPatchIn) -> Any:
    actor = _staff(request)
    macro = selectors.macro_get_for_user(actor, macro_id)
    services.macro_update(actor=actor, macro=macro, changes=payload.model_dump(exclude_unset=True))
    return selectors.macro_get_for_user(actor, macro_id)


@router.delete("/macros/{macro_id}", response={204: None, **ERRORS}, summary="Delete a macro")
def macro_remove(request: HttpRequest, macro_id: RecordId) -> Any:
    actor = _staff(request)
    services.macro_delete(actor=actor, macro=selectors.macro_get_for_user(actor, macro_id))
    return Status(204, None)


@router.post(
    "/tickets/{number}/macros/{macro_id}/apply",
    response={200: MacroApplyOut, **ERRORS},
    summary="Apply a macro",
)
@idempotent
def macro_apply(request: HttpRequest, number: int, macro_id: RecordId) -> Any:
    """Writes the macro's reply or note and makes its field changes, all or nothing."""
    actor = _staff(request)
    ticket = ticket_get_for_user(actor, number)
    macro = selectors.macro_get_for_user(actor, macro_id)
    message = services.macro_apply(actor=actor, ticket=ticket, macro=macro)
    return {"ticket": ticket_get_for_user(actor, number), "message": message}


@router.get(
    "/notifications", response={200: list[NotificationOut], **ERRORS}, summary="Notifications"
)
def notification_index(request: HttpRequest) -> Any:
    """Your latest notifications, unread first, then newest first."""
    return selectors.notifications_for(_staff(request))


@router.post(
    "/notifications/read-all", response={200: ReadAllOut, **ERRORS}, summary="Mark all read"
)
def notification_read_all(request: HttpRequest) -> Any:
    return {"read": notifications_read_all(actor=_staff(request))}


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **ERRORS},
    summary="Mark a notification read",
)
def notification_mark_read(request: HttpRequest, notification_id: RecordId) -> Any:
    actor = _staff(request)
    notification = selectors.notification_get_for_user(actor, notification_id)
    return notification_read(actor=actor, notification=notification)


@router.post(
    "/tickets/{number}/merge", response={200: TicketOut, **ERRORS}, summary="Merge a ticket"
)
def ticket_merge_into(request: HttpRequest, number: int, payload: MergeIn) -> Any:
    """Merges this ticket into `into`: its messages and requester move there, it is closed.
    Answers the surviving ticket."""
    actor = _staff(request)
    source = ticket_get_for_user(actor, number)
    target = ticket_get_for_user(actor, payload.into)
    ticket_merge(actor=actor, source=source, target=target)
    return ticket_get_for_user(actor, payload.into)
