"""API of inbound mail and support addresses.

Staff read inbound mail (GET /mail/inbound, /mail/inbound/{id}, /mail/inbound/{id}/raw);
managers and administrators reprocess and accept it; administrators upload raw messages
(POST /mail/inbound with the message as a message/rfc822 body) and manage the support
addresses (/mail/addresses).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from tierdesk.core.api import ErrorOut, RecordId
from tierdesk.core.pagination import PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX
from tierdesk.mail import intake, selectors
from tierdesk.mail.models import InboundMail, SupportAddress

router = Router(tags=["mail"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}
StatusFilter = Literal[
    "attention", "received", "processed", "ignored", "held", "quarantined", "all"
]
INPUT_CONFIG = ConfigDict(extra="forbid")


class InboundOut(Schema):
    """A received message: where it came from, what became of it and why."""

    id: int
    source: str
    status: str
    reason_code: str = Field(..., description="auto_reply, bulk, bounce, sender_limit, ...")
    reason: str
    message_id: str = Field(..., validation_alias="message_id_header")
    from_address: str
    subject: str
    recipients: list[str]
    envelope_from: str
    size: int
    sha256: str
    attempts: int
    received_at: datetime
    processed_at: datetime | None
    mailbox: int | None = Field(None, validation_alias="mailbox_id")
    ticket: int | None = Field(None, validation_alias="ticket_id")
    message: int | None = Field(None, validation_alias="message_id")


class HeaderOut(Schema):
    name: str
    value: str


class InboundDetailOut(InboundOut):
    headers: list[HeaderOut]
    quoted_text: str

    @staticmethod
    def resolve_headers(obj: InboundMail) -> list[dict[str, str]]:
        return [{"name": h.name, "value": h.value} for h in selectors.inbound_headers(obj)]


class InboundQuery(Schema):
    status: StatusFilter = "all"
    before: RecordId | None = Field(None, description="The id of the last row already read.")
    limit: int = Field(PAGE_LIMIT_DEFAULT, ge=1, le=PAGE_LIMIT_MAX)


class UploadQuery(Schema):
    to: list[str] = Field(
        [], description="Envelope recipients, as the SMTP listener would record them."
    )


@router.get("/mail/inbound", response={200: list[InboundOut], **ERRORS})
def inbound_index(request: HttpRequest, query: Query[InboundQuery]) -> Any:
    """Inbound mail, newest first; staff only. `status=attention` lists quarantined and held
    mail, the messages waiting for a person."""
    return selectors.inbound_list(
        request.auth, status=query.status, before=query.before, limit=query.limit
    )


@router.post(
    "/mail/inbound",
    response={202: InboundOut, **ERRORS},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def inbound_upload(request: HttpRequest, query: Query[UploadQuery]) -> Any:
    """Stores a raw RFC 822 message (the request body) as the SMTP listener would and queues
    its processing; administrators only. The same Message-ID twice answers the first row."""
    inbound = intake.inbound_upload(actor=request.auth, raw=request.body, recipients=query.to)
    return Status(202, inbound)


@router.get("/mail/inbound/{inbound_id}", response={200: InboundDetailOut, **ERRORS})
def inbound_detail(request: HttpRequest, inbound_id: RecordId) -> Any:
    """A message with its decoded headers and the quoted history cut from its reply."""
    return selectors.inbound_get(request.auth, inbound_id)


@router.get("/mail/inbound/{inbound_id}/raw", response={200: None, **ERRORS})
def inbound_raw(request: HttpRequest, inbound_id: RecordId) -> HttpResponse:
    """The message exactly as received (message/rfc822)."""
    inbound = selectors.inbound_get(request.auth, inbound_id)
    response = HttpResponse(bytes(inbound.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="inbound-{inbound.pk}.eml"'
    return response


@router.post("/mail/inbound/{inbound_id}/reprocess", response={200: InboundOut, **ERRORS})
def inbound_reprocess(request: HttpRequest, inbound_id: RecordId) -> Any:
    """Processes a quarantined, held or ignored message again, with every check; managers and
    administrators. 409 for a processed message or one kept only in part (over the size limit)."""
    inbound = selectors.inbound_get(request.auth, inbound_id)
    return intake.inbound_reprocess(actor=request.auth, inbound=inbound)


@router.post("/mail/inbound/{inbound_id}/accept", response={200: InboundOut, **ERRORS})
def inbound_accept(request: HttpRequest, inbound_id: RecordId) -> Any:
    """Processes a held or ignored message as a customer's: an unknown sender becomes a contact,
    the sender limit and auto-reply headers are overlooked. Managers and administrators."""
    inbound = selectors.inbound_get(request.auth, inbound_id)
    return intake.inbound_accept(actor=request.auth, inbound=inbound)


# --- support addresses -------------------------------------------------------------------------


class SupportAddressOut(Schema):
    id: int
    address: str
    name: str
    brand: str
    group: int | None = Field(None, validation_alias="group_id")
    group_name: str | None = None
    is_default: bool

    @staticmethod
    def resolve_group_name(obj: SupportAddress) -> str | None:
        return obj.group.name if obj.group_id and obj.group else None


class SupportAddressIn(Schema):
    model_config = INPUT_CONFIG

    address: str = Field(..., max_length=254)
    name: str = Field("", max_length=120, description="The sender name of the desk's email.")
    brand: str = Field("", max_length=120)
    group: int | str | None = Field(None, description="Skill group (id or name) its mail goes to.")
    is_default: bool = Field(
        False, description="Mail to no known address goes to the default's group; one at most."
    )


class SupportAddressPatchIn(Schema):
    model_config = INPUT_CONFIG

    address: str | None = Field(None, max_length=254)
    name: str | None = Field(None, max_length=120)
    brand: str | None = Field(None, max_length=120)
    group: int | str | None = None
    is_default: bool | None = None


@router.get("/mail/addresses", response={200: list[SupportAddressOut], **ERRORS})
def address_index(request: HttpRequest) -> Any:
    """The support addresses, the default first; staff only."""
    return selectors.support_address_list(request.auth)


@router.post("/mail/addresses", response={201: SupportAddressOut, **ERRORS})
def address_create(request: HttpRequest, payload: SupportAddressIn) -> Any:
    """Adds a support address; administrators only. The first becomes the default."""
    address = intake.support_address_create(actor=request.auth, fields=payload.model_dump())
    return Status(201, selectors.support_address_get(request.auth, address.pk))


@router.get("/mail/addresses/{address_id}", response={200: SupportAddressOut, **ERRORS})
def address_detail(request: HttpRequest, address_id: RecordId) -> Any:
    return selectors.support_address_get(request.auth, address_id)


@router.patch("/mail/addresses/{address_id}", response={200: SupportAddressOut, **ERRORS})
def address_change(
    request: HttpRequest, address_id: RecordId, payload: SupportAddressPatchIn
) -> Any:
    """Changes the fields sent. `group: null` clears the group; marking one address the default
    moves the mark from the previous one."""
    address = selectors.support_address_get(request.auth, address_id)
    changes = payload.model_dump(exclude_unset=True)
    saved = intake.support_address_update(actor=request.auth, address=address, changes=changes)
    return selectors.support_address_get(request.auth, saved.pk)


@router.delete("/mail/addresses/{address_id}", response={204: None, **ERRORS})
def address_remove(request: HttpRequest, address_id: RecordId) -> Any:
    """Deletes an address; 409 for the default while other addresses exist."""
    address = selectors.support_address_get(request.auth, address_id)
    intake.support_address_delete(actor=request.auth, address=address)
    return Status(204, None)
