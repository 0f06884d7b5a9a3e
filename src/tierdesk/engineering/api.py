"""API of the engineering link: connectors and the delivery log (administrators), a ticket's
engineering issues (staff), and the inbound webhook trackers report status to."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from tierdesk.core.api import ErrorOut, RecordId, idempotent
from tierdesk.core.pagination import PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX
from tierdesk.engineering import selectors, services
from tierdesk.engineering.inbound import webhook_receive
from tierdesk.engineering.schemas import (
    ConnectorIn,
    ConnectorOut,
    ConnectorPatchIn,
    DeliveryOut,
    IssueOut,
    WebhookOut,
)
from tierdesk.tickets.selectors import ticket_get_for_user

router = Router(tags=["engineering"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.get("/engineering/connectors", response={200: list[ConnectorOut], **ERRORS})
def connector_index(request: HttpRequest) -> Any:
    """Every connector; administrators only. Secrets are never returned, only whether set."""
    return list(selectors.connectors_for(request.auth))


@router.post("/engineering/connectors", response={201: ConnectorOut, **ERRORS})
@idempotent
def connector_create(request: HttpRequest, payload: ConnectorIn) -> Any:
    """Adds a connector. 422 names each field that would keep it from opening issues."""
    fields = payload.model_dump(exclude_none=True)
    connector = services.connector_create(actor=request.auth, fields=fields)
    return Status(201, connector)


@router.get("/engineering/connectors/{connector_id}", response={200: ConnectorOut, **ERRORS})
def connector_detail(request: HttpRequest, connector_id: RecordId) -> Any:
    return selectors.connector_get(request.auth, connector_id)


@router.patch("/engineering/connectors/{connector_id}", response={200: ConnectorOut, **ERRORS})
def connector_change(
    request: HttpRequest, connector_id: RecordId, payload: ConnectorPatchIn
) -> Any:
    """Changes the fields sent. A secret sent as "" is cleared; a secret left out is kept."""
    connector = selectors.connector_get(request.auth, connector_id)
    changes = payload.model_dump(exclude_unset=True)
    return services.connector_update(actor=request.auth, connector=connector, changes=changes)


@router.delete("/engineering/connectors/{connector_id}", response={204: None, **ERRORS})
def connector_remove(request: HttpRequest, connector_id: RecordId) -> Any:
    """Deletes a connector that never opened an issue; 409 for one that did (deactivate it)."""
    connector = selectors.connector_get(request.auth, connector_id)
    services.connector_delete(actor=request.auth, connector=connector)
    return Status(204, None)


class DeliveryQuery(Schema):
    connector: RecordId | None = None
    before: RecordId | None = Field(None, description="The id of the last row already read.")
    limit: int = Field(PAGE_LIMIT_DEFAULT, ge=1, le=PAGE_LIMIT_MAX)


@router.get("/engineering/deliveries", response={200: list[DeliveryOut], **ERRORS})
def delivery_index(request: HttpRequest, query: Query[DeliveryQuery]) -> Any:
    """Every call made to or received from a tracker, newest first; administrators only."""
    return selectors.deliveries_for(
        request.auth, connector_id=query.connector, before=query.before, limit=query.limit
    )


@router.post("/engineering/deliveries/{delivery_id}/retry", response={202: IssueOut, **ERRORS})
def delivery_retry(request: HttpRequest, delivery_id: RecordId) -> Any:
    """Queues a new attempt for an issue that could not be opened; 409 for any other."""
    delivery = selectors.delivery_get(request.auth, delivery_id)
    return Status(202, services.delivery_retry(actor=request.auth, delivery=delivery))


@router.get("/tickets/{number}/engineering", response={200: list[IssueOut], **ERRORS})
def ticket_issue_index(request: HttpRequest, number: int) -> Any:
    """The ticket's engineering issues with their status history; staff only."""
    ticket = ticket_get_for_user(request.auth, number)
    return selectors.ticket_engineering_issues(request.auth, ticket)


@router.post(
    "/engineering/webhooks/{connector_id}",
    auth=None,
    response={200: WebhookOut, **ERRORS},
    url_name="engineering_webhook",
)
def webhook(request: HttpRequest, connector_id: RecordId) -> Any:
    """Where a tracker reports an issue's status. No bearer token: the request is signed with
    the connector's inbound secret — for a webhook, `X-Tierdesk-Timestamp: <Unix seconds>` and
    `X-Tierdesk-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">`; GitHub's
    `X-Hub-Signature-256`; for Jira, which cannot sign, `?secret=`. 401 with the reason for a
    missing or forged signature, a webhook timestamp more than 5 minutes off, or a webhook
    "delivery" id already applied; 404 for an issue this connector never opened."""
    outcome = webhook_receive(
        connector_id=connector_id,
        body=request.body,
        headers=request.headers,
        query=request.GET,
    )
    return {
        "result": outcome.result,
        "detail": outcome.detail,
        "issue": outcome.issue.pk if outcome.issue else None,
    }
