"""What every API router shares: authentication, the one error shape, Idempotency-Key and paging."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
    RawPostDataException,
)
from django.urls import URLPattern, URLResolver
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError, ValidationErrorContext
from ninja.operation import Operation
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import contribute_operation_callback
from pydantic import BaseModel, Field

from tierdesk.accounts.models import User
from tierdesk.accounts.services import token_authenticate
from tierdesk.core.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from tierdesk.core.models import IdempotentRequest
from tierdesk.core.pagination import ID_MAX

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 255

T = TypeVar("T")

logger = logging.getLogger(__name__)

# An id a client sends in a query or body: bounded, so a number no row can have is refused
# with 422 naming the field instead of reaching the database, which cannot compare with it.
RecordId = Annotated[int, Field(ge=1, le=ID_MAX)]


# --- the error shape ---------------------------------------------------------------------------


class ErrorItem(Schema):
    field: str
    reason: str


class ErrorOut(Schema):
    """Every refusal the API gives: what went wrong, and each field with its reason."""

    detail: str
    errors: list[ErrorItem] = []


def error_response(status: int, detail: str, errors: Sequence[dict[str, str]] = ()) -> JsonResponse:
    return JsonResponse({"detail": str(detail), "errors": list(errors)}, status=status)


# pydantic's wording for the refusals people meet most, in the words the services use.
def _pydantic_reason(error: dict[str, Any]) -> str:
    kind = error.get("type")
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind == "value_error" and "error" in error.get("ctx", {}):
        return str(error["ctx"]["error"])
    if kind == "timezone_aware":
        return _("Give a time zone, e.g. 2024-05-01T09:00:00Z.")
    return str(error.get("msg", _("Invalid value.")))


def _field_path(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """The field as a client knows it: without the request part (body, query) and without the
    name of the handler's parameter when that parameter is a whole schema."""
    parts = list(loc)
    if parts and isinstance(parts[0], str):
        field = model.model_fields.get(parts[0])
        annotation = getattr(field, "annotation", None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            parts = parts[1:]
    source = getattr(model, "__ninja_param_source__", None) or "body"
    return ".".join(str(p) for p in parts) or source


class TierdeskAPI(NinjaAPI):
    """NinjaAPI whose validation errors name fields the way clients write them, and whose every
    answer under its URLs, 405 and 500 included, is JSON in the one error shape."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        patterns = super()._get_urls()
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = self._in_error_shape(pattern.callback)
        return patterns

    def _in_error_shape(self, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        """Wraps a view so that what ninja answers outside any operation is in the error shape:
        a method the path does not take (ninja says "Method not allowed" as text), and an
        exception raised around the operation (by Idempotency-Key handling, for one)."""

        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                response = view(request, *args, **kwargs)
            except Exception as exc:
                return self.on_exception(request, exc)
            if isinstance(response, HttpResponseNotAllowed):
                return method_not_allowed(request, response["Allow"])
            return response

        return guarded

    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext]
    ) -> ValidationError:
        errors = []
        for context in error_contexts:
            model = context.model
            for error in context.pydantic_validation_error.errors(include_url=False):
                errors.append(
                    {
                        "field": _field_path(model, tuple(error["loc"])),
                        "reason": _pydantic_reason(error),
                    }
                )
        return ValidationError(errors)


class TokenRefused(AuthenticationFailed):
    """A bearer token was sent but is unknown or revoked."""


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    """405 naming the method refused and the ones this path takes."""
    methods = ", ".join(sorted(m.strip() for m in allowed.split(",") if m.strip()))
    detail = _("%(method)s is not allowed here; this path takes %(allowed)s.") % {
        "method": request.method[:20] if request.method else "",
        "allowed": methods,
    }
    response = error_response(405, detail)
    response["Allow"] = methods
    return response


def install_error_handlers(api: NinjaAPI) -> None:
    """Maps the services' errors and ninja's own to one JSON shape: {"detail", "errors"}.
    Anything else is a fault of ours: 500 with a generic detail, the traceback in the log."""

    @api.exception_handler(Exception)
    def _fault(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.error("Unhandled error answering %s %s", request.method, request.path, exc_info=exc)
        return error_response(
            500, _("Something went wrong on our side. It was logged; please try again later.")
        )

    @api.exception_handler(SuspiciousOperation)
    def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # Too many fields or files, a malformed multipart body: the client's fault, as Django
        # itself answers them outside the API.
        logger.warning("Refused %s %s: %s", request.method, request.path, exc)
        return error_response(400, _("The request could not be read."))

    @api.exception_handler(DjangoPermissionDenied)
    def _django_forbidden(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
        return error_response(403, str(exc) or _("You may not do this."))

    @api.exception_handler(ValidationFailed)
    def _invalid(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
        return error_response(422, _("Invalid input."), exc.as_list())

    @api.exception_handler(ValidationError)
    def _schema_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(422, _("Invalid input."), exc.errors)

    @api.exception_handler(NotFound)
    def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
        return error_response(404, str(exc) or _("Not found."))

    @api.exception_handler(Http404)
    def _http_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, _("Not found."))

    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(403, str(exc) or _("You may not do this."))

    @api.exception_handler(Conflict)
    def _conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
        return error_response(409, str(exc) or _("This clashes with the current state."))

    @api.exception_handler(AuthenticationFailed)
    def _credentials_refused(request: HttpRequest, exc: AuthenticationFailed) -> HttpResponse:
        return error_response(401, str(exc) or _("Authentication failed."))

    @api.exception_handler(TokenRefused)
    def _token_refused(request: HttpRequest, exc: TokenRefused) -> HttpResponse:
        response = error_response(
            401, _("Authentication failed."), [{"field": "Authorization", "reason": str(exc)}]
        )
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        reason = _("Send Authorization: Bearer <token>, or sign in.")
        response = error_response(
            401, _("Authentication required."), [{"field": "Authorization", "reason": reason}]
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        cause = exc.__cause__
        if isinstance(cause, json.JSONDecodeError):
            reason = _("Malformed JSON: %(problem)s at line %(line)d, column %(column)d.") % {
                "problem": cause.msg,
                "line": cause.lineno,
                "column": cause.colno,
            }
            return error_response(
                400, _("The request body is not valid JSON."), [{"field": "body", "reason": reason}]
            )
        if cause is not None and not isinstance(cause, HttpError):
            return error_response(
                exc.status_code,
                _("The request body could not be read."),
                [{"field": "body", "reason": str(cause)}],
            )
        return error_response(exc.status_code, str(exc))

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        reason = _("The request is larger than %(limit)d bytes.") % {
            "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        }
        return error_response(
            413, _("The request is too large."), [{"field": "attachments", "reason": reason}]
        )


# --- request bodies ----------------------------------------------------------------------------

# Browsers put the CSRF token among the form fields; it is no input of the operation.
_FORM_SKIP = frozenset({"csrfmiddlewaretoken"})


class JsonOrFormParser(Parser):
    """JSON bodies as usual; a multipart or urlencoded body becomes the same dict, so one
    operation takes JSON from scripts and a form (with files beside it) from browsers."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if request.content_type in {"multipart/form-data", "application/x-www-form-urlencoded"}:
            data: dict[str, Any] = {}
            for key, values in request.POST.lists():
                if key not in _FORM_SKIP:
                    data[key] = values if len(values) > 1 else values[0]
            return data
        return super().parse_body(request)


def form_files(request: HttpRequest, field: str | None = "attachments") -> list[UploadedFile]:
    """The files a multipart request sent under `field` (None: the operation takes no files).
    Files under any other name are refused with ValidationFailed naming that name: a misspelt
    field must not lose a customer's file without a word."""
    stray = sorted(name for name in request.FILES if name != field)
    if stray:
        reason = (
            _("Send files under %(field)s.") % {"field": field}
            if field
            else _("This operation takes no files.")
        )
        raise ValidationFailed(dict.fromkeys(stray, reason))
    return request.FILES.getlist(field) if field else []


def multipart_form(schema: type[BaseModel], *, files: str = "attachments") -> dict[str, Any]:
    """`openapi_extra` describing, beside the JSON body, a multipart form with the same fields as
    `schema` and files under `files`."""
    described = schema.model_json_schema(ref_template="#/components/schemas/{model}")
    properties = dict(described.get("properties", {}))
    properties[files] = {
        "type": "array",
        "items": {"type": "string", "format": "binary"},
        "description": "Files to attach; a file under any other name is refused (422).",
    }
    form: dict[str, Any] = {"type": "object", "properties": properties}
    if described.get("required"):
        form["required"] = described["required"]
    return {"requestBody": {"content": {"multipart/form-data": {"schema": form}}}}


def buffer_body(request: HttpRequest) -> None:
    """Reads the body into memory before anything parses it as a form: Django can parse a form
    from a buffered body, but cannot give the raw body once the form was read off the stream."""
    # Too large to buffer: the operation answers 413 itself, or one taking only form fields
    # still reads it as a stream. Already streamed: nothing is left to buffer.
    with contextlib.suppress(RequestDataTooBig, RawPostDataException):
        request.body  # noqa: B018 - reading it is the point


# --- authentication ----------------------------------------------------------------------------


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`: a token sent but unknown or revoked is refused outright
    rather than falling back to the session, so a client learns its token is bad."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        cached = getattr(request, "_tierdesk_bearer", None)
        if cached is not None and cached[0] == token:
            user = cached[1]
        else:
            user = token_authenticate(token)
            request._tierdesk_bearer = (token, user)  # type: ignore[attr-defined]
        if user is None:
            raise TokenRefused(_("This token is unknown or was revoked."))
        # Token users have no session for UserLanguageMiddleware to read their language from.
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language  # type: ignore[attr-defined]
        return user


class SessionCookie(SessionAuth):
    """The signed-in person of the pages, so their scripts can call the API; unsafe methods
    need the CSRF token like any form."""

    def _get_key(self, request: HttpRequest) -> str | None:
        buffer_body(request)
        return super()._get_key(request)


API_AUTH = [BearerToken(), SessionCookie()]


def authenticated_user(request: HttpRequest) -> User | None:
    """The person an API request acts for, by the same rules as the operations, or None."""
    for auth in API_AUTH:
        try:
            user = auth(request)
        except (AuthenticationFailed, HttpError):
            return None  # the operation itself answers the refusal
        if user:
            return user
    return None


# --- Idempotency-Key ---------------------------------------------------------------------------


def request_fingerprint(request: HttpRequest) -> str:
    """sha256 over method, path and body. A form is hashed field by field and file by file,
    because a client retrying an upload picks a new multipart boundary each time."""
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b" " + request.get_full_path().encode() + b"\n")
    if request.content_type in {"multipart/form-data", "application/x-www-form-urlencoded"}:
        for key in sorted(request.POST):
            for value in request.POST.getlist(key):
                digest.update(f"{key}={value}\n".encode())
        for key in sorted(request.FILES):
            for upload in request.FILES.getlist(key):
                digest.update(f"{key}:{upload.name}:{upload.size}:".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _replay(stored: IdempotentRequest, fingerprint: str) -> HttpResponse:
    if stored.request_fingerprint != fingerprint:
        reason = _("This key was used for a different request; send a new key for a new request.")
        return error_response(
            422, _("Invalid input."), [{"field": IDEMPOTENCY_HEADER, "reason": reason}]
        )
    response = JsonResponse(stored.response_body, status=stored.status_code, safe=False)
    response["Idempotent-Replayed"] = "true"
    return response


class _Refused(Exception):
    """Carries a refusal out of the transaction so that whatever the operation wrote is undone."""

    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _idempotent_run(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            return run(request, *args, **kwargs)
        if not key.strip() or len(key) > IDEMPOTENCY_KEY_MAX:
            reason = _("Give between 1 and %(max)d characters.") % {"max": IDEMPOTENCY_KEY_MAX}
            return error_response(
                422, _("Invalid input."), [{"field": IDEMPOTENCY_HEADER, "reason": reason}]
            )
        with contextlib.suppress(RawPostDataException):
            request.body  # noqa: B018 - buffered before the fingerprint reads the form
        # RequestDataTooBig goes on to the API's handler: 413 naming attachments, as without
        # a key (the fingerprint would read the form off the stream, and the operation's body
        # parameter would then find no body to read).
        user = authenticated_user(request)
        if user is None:
            return run(request, *args, **kwargs)  # answers 401 in the usual words
        fingerprint = request_fingerprint(request)
        try:
            # The work and the record of its answer commit together: a concurrent request with
            # the same key either waits for this one (SQLite's write lock) and finds the record,
            # or fails on the unique (user, key) constraint and replays the winner's answer.
            with transaction.atomic():
                stored = IdempotentRequest.objects.filter(user=user, key=key).first()
                if stored is not None:
                    return _replay(stored, fingerprint)
                response = run(request, *args, **kwargs)
                if not 200 <= response.status_code < 300:
                    raise _Refused(response)
                IdempotentRequest.objects.create(
                    user=user,
                    key=key,
                    request_fingerprint=fingerprint,
                    status_code=response.status_code,
                    response_body=json.loads(response.content),
                )
                return response
        except _Refused as refused:
            return refused.response
        except IntegrityError:
            stored = IdempotentRequest.objects.filter(user=user, key=key).first()
            if stored is None:
                raise
            return _replay(stored, fingerprint)

    return wrapper


def _make_idempotent(operation: Operation) -> None:
    operation.run = _idempotent_run(operation.run)  # type: ignore[method-assign]
    # Routers mounted twice clone their operations; the clone re-applies what is listed here.
    if not hasattr(operation, "_run_decorators"):
        operation._run_decorators = []  # type: ignore[attr-defined]
    operation._run_decorators.append(_idempotent_run)  # type: ignore[attr-defined]
    extra = operation.openapi_extra or {}
    extra.setdefault("parameters", []).append(
        {
            "in": "header",
            "name": IDEMPOTENCY_HEADER,
            "required": False,
            "schema": {"type": "string", "maxLength": IDEMPOTENCY_KEY_MAX},
            "description": "Send the same key to retry safely: the first answer is replayed and "
            "nothing is created twice. Reusing a key for a different request is refused (422).",
        }
    )
    operation.openapi_extra = extra


F = TypeVar("F", bound=Callable[..., Any])


def idempotent(func: F) -> F:
    """Makes a creating POST honour `Idempotency-Key`. Put it under the router decorator:

        @router.post("/tickets", response={201: TicketOut})
        @idempotent
        def ticket_create(request, payload: TicketIn): ...

    The same key and body from the same person replays the first answer (status and body) and
    creates nothing; the same key with another body is refused with 422 naming the header.
    Only successful answers are kept, so a refused request may be corrected and retried. The
    operation must answer with a JSON body, which is what is kept.
    """
    contribute_operation_callback(func, _make_idempotent)
    return func


# --- paging ------------------------------------------------------------------------------------


class Page(Schema, Generic[T]):
    """One page of a list and the cursor of the next page (null on the last page)."""

    items: list[T]
    next_cursor: str | None = None


# --- health ------------------------------------------------------------------------------------


def database_answers(using: str = "default") -> bool:
    """True when the database runs a trivial query."""
    try:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


class HealthOut(Schema):
    status: str
    detail: str | None = None


router = Router(tags=["health"])


@router.get(
    "/health",
    auth=None,
    response={200: HealthOut, 503: HealthOut},
    exclude_none=True,
    summary="Health",
)
def health(request: HttpRequest) -> Any:
    """200 when the service and its database answer; 503 otherwise. No authentication."""
    if database_answers():
        return Status(200, {"status": "ok"})
    return Status(503, {"status": "unavailable", "detail": _("The database does not answer.")})


# Added last, so it only catches what no operation matched: an unknown path under /api/v1
# answers in the API's JSON shape rather than with the site's HTML "not found" page.
fallback_router = Router()


@fallback_router.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False
)
def unknown_endpoint(request: HttpRequest, rest: str) -> Any:
    raise NotFound(_("No such endpoint: %(path)s.") % {"path": request.path})
