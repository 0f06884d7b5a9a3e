"""The chat widget's side of the desk: the script a customer's website includes, and the JSON
endpoints and event stream it talks to.

Cross-site by design: the widget runs on the customer's website, so these answers carry CORS
headers for the origins of active widget sites (and the desk's own). No cookies are involved: a
chat is opened by its id and the per-chat secret the start answer gave, sent as X-Chat-Token.
EventSource cannot set headers, and an address ends up in logs and histories, so the event
stream is opened with a one-time stream ticket instead (`ticket` in its address), which the
widget asks for with the secret just before each connection. These views are exempt from CSRF,
which protects cookie sessions, and a cookie of the desk opens nothing here.

The secret opens only the chat's own lines, and only until ENDED_GRACE_SECONDS after the chat
ended: then every endpoint answers 410 Gone.

Errors have the API's shape: {"detail": ..., "errors": [{"field": ..., "reason": ...}]}."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from tierdesk.chat import selectors, services, streams
from tierdesk.chat.models import ChatSession, ChatWidgetSite, normalize_origin
from tierdesk.core.api import error_response
from tierdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tierdesk.tickets.models import Message

TOKEN_HEADER = "X-Chat-Token"
STATIC_DIR = Path(__file__).resolve().parent / "static" / "chat"
# Bodies of the widget's requests are a few lines of text; anything larger is not ours.
BODY_MAX = 64 * 1024

View = Callable[..., HttpResponse]


# --- origins -------------------------------------------------------------------------------------


class _Origin:
    """Whether the page asking may use the widget, and the site it belongs to."""

    def __init__(self, allowed: bool, origin: str | None, site: ChatWidgetSite | None) -> None:
        self.allowed = allowed
        self.origin = origin
        self.site = site


def _own_hosts(request: HttpRequest) -> set[str]:
    hosts = {request.get_host().lower()}
    public = urlsplit(settings.TIERDESK_PUBLIC_URL)
    if public.netloc:
        hosts.add(public.netloc.lower())
    return hosts


def origin_of(request: HttpRequest) -> _Origin:
    """A request without Origin (same-origin GET, a script) is allowed and names no site. The
    desk's own pages are allowed by host, whatever the scheme a proxy in front reports."""
    raw = request.headers.get("Origin")
    if raw is None:
        return _Origin(True, None, None)
    normal = normalize_origin(raw)
    if normal is None:
        return _Origin(False, None, None)
    if urlsplit(normal).netloc in _own_hosts(request):
        return _Origin(True, normal, None)
    site = selectors.widget_site_for_origin(normal)
    return _Origin(site is not None, normal, site)


def _with_cors(response: HttpResponse, origin: _Origin) -> HttpResponse:
    if origin.allowed and origin.origin:
        response["Access-Control-Allow-Origin"] = origin.origin
        response["Access-Control-Expose-Headers"] = "Retry-After"
    patch_vary_headers(response, ["Origin"])
    return response


def _preflight(request: HttpRequest, origin: _Origin, methods: list[str]) -> HttpResponse:
    if not origin.allowed:
        return _refused_origin()
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = ", ".join([*methods, "OPTIONS"])
    response["Access-Control-Allow-Headers"] = f"Content-Type, {TOKEN_HEADER}, Last-Event-ID"
    response["Access-Control-Max-Age"] = "600"
    return _with_cors(response, origin)


def _refused_origin() -> HttpResponse:
    return error_response(
        403,
        _(
            "This website may not show the chat; an administrator adds its address to a widget site."
        ),
        [{"field": "Origin", "reason": _("Not an allowed origin.")}],
    )


def widget_endpoint(*methods: str) -> Callable[[View], View]:
    """Answers CORS preflights, refuses other origins and methods, and turns the services'
    refusals into JSON answers: 422 naming fields, 403, 404, 409, 410 for a chat that is gone,
    429 with Retry-After."""

    def decorator(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            origin = origin_of(request)
            if request.method == "OPTIONS":
                return _preflight(request, origin, list(methods))
            if not origin.allowed:
                return _with_cors(_refused_origin(), origin)
            if request.method not in methods:
                response = error_response(
                    405,
                    _("%(method)s is not allowed here; this path takes %(allowed)s.")
                    % {"method": (request.method or "")[:20], "allowed": ", ".join(methods)},
                )
                response["Allow"] = ", ".join(methods)
                return _with_cors(response, origin)
            language = services._clean_language(request.GET.get("lang"))
            try:
                with translation.override(language or translation.get_language()):
                    response = view(request, origin, *args, **kwargs)
            except ValidationFailed as error:
                response = error_response(422, _("Invalid input."), error.as_list())
            except selectors.ChatGone as error:
                response = error_response(
                    410, str(error), [{"field": error.field, "reason": error.reason}]
                )
            except PermissionDenied as error:
                field = getattr(error, "field", None)
                response = error_response(
                    403, str(error), [{"field": field, "reason": str(error)}] if field else ()
                )
            except NotFound as error:
                response = error_response(404, str(error))
            except Conflict as error:
                response = error_response(409, str(error))
            except services.TooManyRequests as error:
                response = error_response(429, str(error))
                response["Retry-After"] = str(error.retry_after)
            except _BadBody as error:
                response = error_response(
                    400,
                    _("The request body could not be read."),
                    [{"field": "body", "reason": str(error)}],
                )
            if not isinstance(response, StreamingHttpResponse):
                response.setdefault("Cache-Control", "no-store")
            return _with_cors(response, origin)

        return wrapper

    return decorator


class _BadBody(Exception):
    pass


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > BODY_MAX:
        raise _BadBody(_("The request is larger than %(limit)d bytes.") % {"limit": BODY_MAX})
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise _BadBody(_("Send a JSON object.")) from None
    if not isinstance(data, dict):
        raise _BadBody(_("Send a JSON object."))
    return data


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address, for the start limits. Behind TIERDESK_TRUSTED_PROXIES proxies
    (load balancers that append to X-Forwarded-For), the address the outermost trusted one saw;
    otherwise the connection's. None when it is not an IP address."""
    address = request.META.get("REMOTE_ADDR", "")
    hops = int(getattr(settings, "TIERDESK_TRUSTED_PROXIES", 0) or 0)
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.headers.get("X-Forwarded-For", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _token(request: HttpRequest) -> str:
    # Never from the address: it would end up in logs, histories and Referer headers.
    return request.headers.get(TOKEN_HEADER, "")


def _chat(request: HttpRequest, chat_id: int) -> ChatSession:
    return selectors.chat_get_by_token(chat_id, _token(request))


# --- what the widget reads and sends -------------------------------------------------------------


def line_out(message: Message) -> dict[str, Any]:
    return streams.line_payload(message, staff_view=False)


def chat_out(chat: ChatSession, lines: list[Message] | None = None) -> dict[str, Any]:
    body = {
        "id": chat.pk,
        **streams.status_payload(chat),
        "started_at": chat.started_at.isoformat(),
        "events_url": f"/chat/sessions/{chat.pk}/events",
        "stream_ticket_url": f"/chat/widget/sessions/{chat.pk}/stream-ticket",
    }
    if lines is not None:
        body["lines"] = [line_out(m) for m in lines]
    return body


def widget_strings() -> dict[str, str]:
    """Everything the widget says, in the request's language."""
    return {
        "open": _("Chat with support"),
        "close": _("Close the chat window"),
        "title": _("Support chat"),
        "intro": _("Tell us who you are and what you need; an engineer joins you here."),
        "name": _("Your name"),
        "email": _("Your work email"),
        "message": _("How can we help?"),
        "start": _("Start chat"),
        "starting": _("Starting…"),
        "send": _("Send"),
        "line": _("Type a message"),
        "waiting": _("Waiting for an engineer…"),
        "joined": _("%(name)s joined the chat."),
        "ended": _("The chat has ended. We will follow up by email if needed."),
        "gone": _("This chat has ended."),
        "left": _("The chat was closed after a period without activity."),
        "end": _("End chat"),
        "new_chat": _("Start a new chat"),
        "you": _("You"),
        "ticket": _("Request #%(number)s"),
        "offline": _("Connection lost; reconnecting…"),
        "error": _("Something went wrong; please try again."),
        "new_lines": _("New messages"),
    }


@widget_endpoint("GET")
def config(request: HttpRequest, origin: _Origin) -> HttpResponse:
    """What the widget needs before it shows itself: its words, in the visitor's language."""
    return JsonResponse({"strings": widget_strings(), "language": translation.get_language()})


@widget_endpoint("POST")
def session_start(request: HttpRequest, origin: _Origin) -> HttpResponse:
    """Starts a chat: {name, email, message, page_url?, language?} → 201 with the chat, its first
    line and its secret `token`, which every later request of this chat must carry."""
    data = _json_body(request)
    started = services.chat_start_visitor(
        name=data.get("name"),
        email=data.get("email"),
        message=data.get("message"),
        site=origin.site,
        page_url=data.get("page_url", ""),
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
        language=data.get("language") or translation.get_language(),
    )
    chat = started.chat
    body = chat_out(chat, selectors.chat_lines(chat))
    body["token"] = started.token
    return JsonResponse(body, status=201)


@widget_endpoint("GET")
def session_detail(request: HttpRequest, origin: _Origin, chat_id: int) -> HttpResponse:
    """The chat's status and its lines (after `after`, a message id), for a page that loads again."""
    chat = _chat(request, chat_id)
    after = streams.last_event_id(None, request.GET.get("after"))
    return JsonResponse(chat_out(chat, selectors.chat_lines(chat, after=after)))


@widget_endpoint("POST")
def session_line(request: HttpRequest, origin: _Origin, chat_id: int) -> HttpResponse:
    """Sends the visitor's line {body} → 201 with the line."""
    chat = _chat(request, chat_id)
    message = services.chat_visitor_line(chat=chat, body=_json_body(request).get("body"))
    return JsonResponse(line_out(message), status=201)


@widget_endpoint("POST")
def session_end(request: HttpRequest, origin: _Origin, chat_id: int) -> HttpResponse:
    """The visitor ends the chat → 200 with its status."""
    chat = services.chat_end(chat=_chat(request, chat_id))
    return JsonResponse(chat_out(chat))


@widget_endpoint("POST")
def session_stream_ticket(request: HttpRequest, origin: _Origin, chat_id: int) -> HttpResponse:
    """A one-time ticket for the chat's event stream → 201 {ticket, expires_in, events_url}:
    the stream's address carries it instead of the chat's secret. It opens one stream, within
    STREAM_TICKET_SECONDS."""
    chat = _chat(request, chat_id)
    ticket = services.chat_stream_ticket(chat=chat)
    return JsonResponse(
        {
            "ticket": ticket,
            "expires_in": services.STREAM_TICKET_SECONDS,
            "events_url": f"/chat/sessions/{chat.pk}/events?ticket={ticket}",
        },
        status=201,
    )


@widget_endpoint("GET")
def session_events(request: HttpRequest, origin: _Origin, chat_id: int) -> HttpResponse:
    """The chat's lines and status as Server-Sent Events (see tierdesk.chat.streams), opened
    with a one-time stream ticket (`ticket` in the address) or, outside a browser, the secret
    in X-Chat-Token."""
    if TOKEN_HEADER in request.headers:
        chat = _chat(request, chat_id)
    else:
        chat = selectors.check_not_gone(
            services.chat_stream_ticket_use(chat_id, request.GET.get("ticket", "")[:200])
        )
    after = streams.last_event_id(request.headers.get("Last-Event-ID"), request.GET.get("after"))
    return streams.event_stream(
        streams.chat_events(
            chat.pk,
            after=after,
            staff_view=False,
            language=translation.get_language(),
            zone=timezone.get_current_timezone(),
        )
    )


# --- the script and its style ----------------------------------------------------------------------


@functools.cache
def _asset(name: str) -> tuple[bytes, str]:
    content = (STATIC_DIR / name).read_bytes()
    return content, '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _asset_response(request: HttpRequest, name: str, content_type: str) -> HttpResponse:
    content, etag = _asset(name) if not settings.DEBUG else _asset.__wrapped__(name)
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(content, content_type=content_type)
    response["ETag"] = etag
    # Short: a customer's site picks up a new widget within minutes, without a new script tag.
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def widget_script(request: HttpRequest) -> HttpResponse:
    """The script a website includes:
    <script src="https://desk/chat/widget.js" data-desk="https://desk" async></script>"""
    return _asset_response(request, "widget.js", "text/javascript; charset=utf-8")


def widget_style(request: HttpRequest) -> HttpResponse:
    """The widget's style sheet, which the script links inside its own shadow root."""
    return _asset_response(request, "widget.css", "text/css; charset=utf-8")
