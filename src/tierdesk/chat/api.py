"""API of live chat for the support team: the chats waiting (or active, or ended), take one, its
lines, send a line, end it, and the take-time figures. Staff only; the widget has its own
endpoints under /chat/widget/ (see tierdesk.chat.widget)."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from tierdesk.accounts.models import User
from tierdesk.chat import selectors, services
from tierdesk.chat.choices import TAKE_TARGET_PERCENT, TAKE_TARGET_SECONDS
from tierdesk.chat.models import ChatSession
from tierdesk.chat.schemas import (
    ChatEndIn,
    ChatFiguresOut,
    ChatLineIn,
    ChatLineOut,
    ChatListQuery,
    ChatOut,
)
from tierdesk.core.api import ErrorOut
from tierdesk.core.errors import PermissionDenied
from tierdesk.core.pagination import ID_MAX

router = Router(tags=["chat"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _staff(user: User) -> User:
    if not user.is_support_staff:
        raise PermissionDenied(_("Live chats are answered by the support team."))
    return user


def _chat(user: User, chat_id: int) -> ChatSession:
    return selectors.chat_get_for_user(_staff(user), chat_id)


@router.get("/chats", response={200: list[ChatOut], **ERRORS}, summary="List chats")
def chat_index(request: HttpRequest, query: Query[ChatListQuery]) -> Any:
    """Waiting chats oldest first (the order to take them), or active or ended ones newest first."""
    return selectors.chat_list(_staff(request.auth), status=query.status, limit=query.limit)


@router.get("/chats/figures", response={200: ChatFiguresOut, **ERRORS}, summary="Take-time figures")
def chat_figures(request: HttpRequest) -> Any:
    """The share of chats taken within the target (30 s; 90% is the service level), today (in
    your time zone) and over the last 7 days."""
    _staff(request.auth)
    today, week = selectors.chat_take_figures()
    return {
        "target_seconds": TAKE_TARGET_SECONDS,
        "target_percent": TAKE_TARGET_PERCENT,
        "today": today,
        "last_7_days": week,
    }


@router.get("/chats/{chat_id}", response={200: ChatOut, **ERRORS}, summary="Read a chat")
def chat_detail(request: HttpRequest, chat_id: int) -> Any:
    return _chat(request.auth, chat_id)


@router.post("/chats/{chat_id}/take", response={200: ChatOut, **ERRORS}, summary="Take a chat")
def chat_take(request: HttpRequest, chat_id: int) -> Any:
    """The chat becomes yours, and so does its ticket. 409 naming the holder when someone else
    took it first, or when it ended; 403 for quality reviewers and for agents outside the chat's
    group. Taking a chat you hold answers 200 and changes nothing."""
    actor = request.auth
    services.chat_take(actor=actor, chat=_chat(actor, chat_id))
    return _chat(actor, chat_id)


@router.get(
    "/chats/{chat_id}/messages",
    response={200: list[ChatLineOut], **ERRORS},
    summary="A chat's lines",
)
def chat_messages(
    request: HttpRequest, chat_id: int, after: Annotated[int, Field(ge=0, le=ID_MAX)] = 0
) -> Any:
    """The lines after message id `after`, oldest first, internal notes included; at most 500."""
    chat = _chat(request.auth, chat_id)
    return selectors.chat_lines(chat, after=after, internal=True)


@router.post(
    "/chats/{chat_id}/messages",
    response={201: ChatLineOut, **ERRORS},
    summary="Send a line",
)
def chat_send(request: HttpRequest, chat_id: int, payload: ChatLineIn) -> Any:
    """A public reply on the chat's ticket, shown to the customer at once. 409 when the chat
    waits (take it first) or ended; 403 when someone else holds it; 422 naming body."""
    actor = request.auth
    message = services.chat_reply(actor=actor, chat=_chat(actor, chat_id), body=payload.body)
    return Status(201, message)


@router.post("/chats/{chat_id}/end", response={200: ChatOut, **ERRORS}, summary="End a chat")
def chat_end(request: HttpRequest, chat_id: int, payload: ChatEndIn | None = None) -> Any:
    """Ends the chat (its holder, or a manager or administrator, who may also end a waiting
    one); with solve, its ticket is marked solved. Ending an ended chat changes nothing."""
    actor = request.auth
    services.chat_end(
        chat=_chat(actor, chat_id), actor=actor, solve=bool(payload and payload.solve)
    )
    return _chat(actor, chat_id)
