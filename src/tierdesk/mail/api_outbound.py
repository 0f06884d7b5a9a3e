"""API of outbound email: the delivery of a ticket's emails, and sending a failed one again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from tierdesk.core.api import ErrorOut, RecordId
from tierdesk.mail.outbound import outbound_for_ticket, outbound_get_for_user, outbound_retry
from tierdesk.tickets.selectors import ticket_get_for_user

router = Router(tags=["mail"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class OutboundOut(Schema):
    id: int
    ticket: int = Field(..., alias="ticket_id")
    message: int = Field(..., alias="message_id")
    message_id: str = Field(
        ..., alias="message_id_header", description="The email's Message-ID, without <>."
    )
    from_address: str
    to: list[str]
    cc: list[str]
    subject: str
    status: str = Field(..., description="queued, sent, failed or bounced.")
    reason: str = Field(..., description="Why the last attempt failed, or why it bounced.")
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    sent_at: datetime | None
    bounced_at: datetime | None


@router.get("/tickets/{number}/emails", response={200: list[OutboundOut], **ERRORS})
def ticket_email_index(request: HttpRequest, number: int) -> Any:
    """The emails of the ticket's public replies with their delivery state, newest first;
    staff only."""
    ticket = ticket_get_for_user(request.auth, number)
    return outbound_for_ticket(request.auth, ticket)


@router.post("/mail/outbound/{outbound_id}/retry", response={202: OutboundOut, **ERRORS})
def outbound_retry_call(request: HttpRequest, outbound_id: RecordId) -> Any:
    """Queues a new attempt of an email that failed; 409 for one that has not failed. Staff who
    reply to customers only."""
    outbound = outbound_get_for_user(request.auth, outbound_id)
    return Status(202, outbound_retry(actor=request.auth, outbound=outbound))
