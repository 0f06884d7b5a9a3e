"""Pages of live chat. In the console: the waiting chats with their wait and the take-time
figures, one chat with its lines in real time, take, reply and end, and a page to try the widget.
In the portal: the signed-in customer's chat."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tierdesk.chat import selectors, services, streams
from tierdesk.chat.choices import TAKE_TARGET_PERCENT, TAKE_TARGET_SECONDS, ChatStatus
from tierdesk.chat.models import ChatSession
from tierdesk.chat.widget import client_ip
from tierdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from tierdesk.queues.selectors import sees_every_queue
from tierdesk.web.decorators import customer_required, staff_required

PORTAL_TOKENS = "chat_tokens"


def _refusal(error: ValidationFailed | PermissionDenied | Conflict) -> str:
    if isinstance(error, ValidationFailed):
        return " ".join(item["reason"] for item in error.as_list())
    return str(error)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _waiting_context(request: HttpRequest) -> dict[str, Any]:
    lists = selectors.waiting_chats(request.user)
    return {
        "waiting": lists.waiting,
        "mine": lists.mine,
        "figures": selectors.chat_take_figures(),
        "target_seconds": TAKE_TARGET_SECONDS,
        "target_percent": TAKE_TARGET_PERCENT,
    }


# --- console ---------------------------------------------------------------------------------------


@staff_required
@require_GET
def waiting(request: HttpRequest) -> HttpResponse:
    """Waiting chats, oldest first, with their live wait and a Take button; my active chats;
    today's and this week's share taken within the target."""
    return render(request, "chat/waiting.html", {"work_view": "chat", **_waiting_context(request)})


@staff_required
@require_GET
def waiting_events(request: HttpRequest) -> HttpResponse:
    """The waiting page's lists as Server-Sent Events: drawn again whenever they change."""
    user = request.user

    def draw() -> str:
        return render_to_string("chat/_waiting_lists.html", _waiting_context(request), request)

    return streams.event_stream(
        streams.waiting_events(
            lambda: selectors.waiting_fingerprint(user),
            draw,
            last_id=request.headers.get("Last-Event-ID", "")[:64],
            language=translation.get_language(),
            zone=timezone.get_current_timezone(),
        )
    )


def _chat_page(request: HttpRequest, chat: ChatSession, status: int = 200) -> HttpResponse:
    user = request.user
    lines = selectors.chat_lines(chat, internal=True)
    context = {
        "chat": chat,
        "ticket": chat.ticket,
        "lines": lines,
        "last_line": lines[-1].pk if lines else 0,
        "holds": chat.status == ChatStatus.ACTIVE and chat.taken_by_id == user.pk,
        "may_take": chat.status == ChatStatus.WAITING and services.may_take(user, chat),
        "may_end": user.can_reply_publicly
        and (
            (chat.status == ChatStatus.ACTIVE and chat.taken_by_id == user.pk)
            or (chat.is_open and sees_every_queue(user))
        ),
        "line_max": services.LINE_MAX,
        "work_view": "chat",
    }
    return render(request, "chat/detail.html", context, status=status)


@staff_required
@require_GET
def detail(request: HttpRequest, chat_id: int) -> HttpResponse:
    """One chat: who, from where, its clock, its lines (live), the reply box for its holder."""
    return _chat_page(request, selectors.chat_get_for_user(request.user, chat_id))


@staff_required
@require_GET
def chat_events(request: HttpRequest, chat_id: int) -> HttpResponse:
    """The chat's lines (internal notes included) and status as Server-Sent Events."""
    chat = selectors.chat_get_for_user(request.user, chat_id)
    after = streams.last_event_id(request.headers.get("Last-Event-ID"), request.GET.get("after"))
    return streams.event_stream(
        streams.chat_events(
            chat.pk,
            after=after,
            staff_view=True,
            language=translation.get_language(),
            zone=timezone.get_current_timezone(),
        )
    )


@staff_required
@require_POST
def take(request: HttpRequest, chat_id: int) -> HttpResponse:
    """Takes the chat and opens it; when someone was quicker, back to the list with their name
    (409)."""
    chat = selectors.chat_get_for_user(request.user, chat_id)
    try:
        services.chat_take(actor=request.user, chat=chat)
    except (Conflict, PermissionDenied) as error:
        messages.error(request, _refusal(error))
        status = 409 if isinstance(error, Conflict) else 403
        return render(
            request,
            "chat/waiting.html",
            {"work_view": "chat", **_waiting_context(request)},
            status=status,
        )
    return redirect("chat:detail", chat_id=chat.pk)


@staff_required
@require_POST
def reply(request: HttpRequest, chat_id: int) -> HttpResponse:
    """Sends the holder's line. From the page's script (Accept: application/json): 201 with the
    line, or the refusal as JSON; from a plain form: back to the chat."""
    chat = selectors.chat_get_for_user(request.user, chat_id)
    try:
        message = services.chat_reply(actor=request.user, chat=chat, body=request.POST.get("body"))
    except (ValidationFailed, PermissionDenied, Conflict) as error:
        if _wants_json(request):
            status = {ValidationFailed: 422, PermissionDenied: 403, Conflict: 409}[type(error)]
            errors = error.as_list() if isinstance(error, ValidationFailed) else []
            return JsonResponse({"detail": _refusal(error), "errors": errors}, status=status)
        messages.error(request, _refusal(error))
        return redirect("chat:detail", chat_id=chat.pk)
    if _wants_json(request):
        return JsonResponse(streams.line_payload(message, staff_view=True), status=201)
    return redirect("chat:detail", chat_id=chat.pk)


@staff_required
@require_POST
def end(request: HttpRequest, chat_id: int) -> HttpResponse:
    """Ends the chat ("solve" also marks its ticket solved), then back to the waiting chats."""
    chat = selectors.chat_get_for_user(request.user, chat_id)
    try:
        services.chat_end(chat=chat, actor=request.user, solve=bool(request.POST.get("solve")))
    except (ValidationFailed, PermissionDenied, Conflict) as error:
        messages.error(request, _refusal(error))
        return redirect("chat:detail", chat_id=chat.pk)
    messages.success(
        request,
        _("Chat ended; its transcript is on ticket #%(number)s.") % {"number": chat.ticket_id},
    )
    return redirect("chat:waiting")


@staff_required
@require_GET
def try_widget(request: HttpRequest) -> HttpResponse:
    """A page that shows the widget as a customer's website would, with the tag to copy."""
    desk = settings.TIERDESK_PUBLIC_URL.rstrip("/")
    here = request.build_absolute_uri("/").rstrip("/")
    return render(
        request,
        "chat/try.html",
        {"desk": here, "public_desk": desk, "script_url": here + reverse("chat:widget_js")},
    )


# --- portal ----------------------------------------------------------------------------------------


def _remember_token(request: HttpRequest, chat: ChatSession, token: str) -> None:
    tokens = dict(request.session.get(PORTAL_TOKENS, {}))
    tokens[str(chat.pk)] = token
    request.session[PORTAL_TOKENS] = tokens


@customer_required
@require_http_methods(["GET", "POST"])
def portal_chat(request: HttpRequest) -> HttpResponse:
    """The customer's chat: the form that starts one, or the open one, live. A chat continued
    in another browser gets a new secret here (the other window stops receiving)."""
    user = request.user
    errors: dict[str, list[str]] = {}
    message = ""
    status = 200
    if request.method == "POST":
        message = request.POST.get("message", "")
        try:
            started = services.chat_start_customer(
                actor=user,
                message=message,
                ip=client_ip(request),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except ValidationFailed as error:
            errors = error.errors
            status = 422
        except services.TooManyRequests as error:
            errors = {"message": [str(error)]}
            status = 429
        except Conflict:
            return redirect("chat:portal")
        else:
            _remember_token(request, started.chat, started.token)
            return redirect("chat:portal")
    chat = selectors.open_portal_chat(user)
    token = ""
    if chat is not None:
        token = request.session.get(PORTAL_TOKENS, {}).get(str(chat.pk), "")
        if not chat.token_matches(token):
            token = services.chat_rotate_token(chat=chat)
            _remember_token(request, chat, token)
    context = {"chat": chat, "token": token, "errors": errors, "message": message}
    return render(request, "chat/portal.html", context, status=status)
