"""API shapes of the engineering link. Secrets go in and never come out: answers say only
whether each is set."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import ConfigDict

from tierdesk.accounts.schemas import GroupRef
from tierdesk.engineering.models import Connector, Delivery, EngineeringIssue

INPUT_CONFIG = ConfigDict(extra="forbid")
Kind = Literal["webhook", "jira", "github"]
Meaning = Literal["open", "in_progress", "fixed", "wont_fix"]
GROUPS_HELP = (
    "The tier-3 skill groups (ids or names) whose escalations open an issue here; two active "
    "connectors may not serve one group."
)
DEFAULT_HELP = (
    "Opens the issue of an escalation to a group no active connector serves; one connector at "
    "most is the default."
)


class ConnectorIn(Schema):
    model_config = INPUT_CONFIG

    name: str = Field(..., max_length=100)
    kind: Kind
    active: bool = True
    groups: list[int | str] = Field([], description=GROUPS_HELP)
    is_default: bool = Field(False, description=DEFAULT_HELP)
    url: str = Field("", max_length=500)
    username: str = Field("", max_length=200, description="Jira: the account email (basic auth).")
    token: str = Field("", max_length=500, description="Write-only.")
    project: str = Field("", max_length=200, description='Jira project key or GitHub "owner/name".')
    issue_type: str = Field("Bug", max_length=100)
    jira_api_version: Literal[2, 3] = 3
    labels: list[str] = []
    signing_secret: str = Field("", max_length=200, description="Write-only.")
    inbound_secret: str = Field("", max_length=200, description="Write-only.")
    status_map: dict[str, Meaning] | None = Field(
        None, description="Tracker status → meaning; the defaults when left out."
    )


class ConnectorPatchIn(Schema):
    model_config = INPUT_CONFIG

    name: str | None = Field(None, max_length=100)
    kind: Kind | None = None
    active: bool | None = None
    groups: list[int | str] | None = Field(None, description=GROUPS_HELP)
    is_default: bool | None = None
    url: str | None = Field(None, max_length=500)
    username: str | None = Field(None, max_length=200)
    token: str | None = Field(None, max_length=500, description='Write-only; "" clears it.')
    project: str | None = Field(None, max_length=200)
    issue_type: str | None = Field(None, max_length=100)
    jira_api_version: Literal[2, 3] | None = None
    labels: list[str] | None = None
    signing_secret: str | None = Field(None, max_length=200)
    inbound_secret: str | None = Field(None, max_length=200)
    status_map: dict[str, Meaning] | None = None


class ConnectorOut(Schema):
    id: int
    name: str
    kind: str
    active: bool
    groups: list[GroupRef]
    is_default: bool
    url: str
    username: str
    project: str
    issue_type: str
    jira_api_version: int
    labels: list[str]
    status_map: dict[str, str]
    token_set: bool
    signing_secret_set: bool
    inbound_secret_set: bool
    inbound_webhook_path: str = Field(..., description="Where the tracker posts status updates.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_groups(obj: Connector) -> list[Any]:
        return list(obj.groups.all())

    @staticmethod
    def resolve_token_set(obj: Connector) -> bool:
        return bool(obj.token)

    @staticmethod
    def resolve_signing_secret_set(obj: Connector) -> bool:
        return bool(obj.signing_secret)

    @staticmethod
    def resolve_inbound_secret_set(obj: Connector) -> bool:
        return bool(obj.inbound_secret)

    @staticmethod
    def resolve_inbound_webhook_path(obj: Connector) -> str:
        return reverse("api-v1:engineering_webhook", kwargs={"connector_id": obj.pk})


class DeliveryOut(Schema):
    id: int
    connector: int = Field(..., alias="connector_id")
    connector_name: str
    issue: int | None = Field(None, alias="issue_id")
    direction: str
    event: str
    delivery_id: str
    method: str
    request_url: str
    request_body: str = Field(..., description="Empty for a refused inbound request.")
    request_size: int | None = Field(None, description="The request body's length in bytes.")
    attempt: int
    status_code: int | None
    response_excerpt: str
    error: str
    duration_ms: int | None
    outcome: str
    next_retry_at: datetime | None
    created_at: datetime
    retryable: bool

    @staticmethod
    def resolve_connector_name(obj: Delivery) -> str:
        return obj.connector.name


class DeliveryBrief(Schema):
    id: int
    attempt: int
    status_code: int | None
    outcome: str
    error: str
    next_retry_at: datetime | None
    created_at: datetime


class HistoryEntry(Schema):
    at: str
    status: str
    tracker_status: str = ""
    source: str = ""


class IssueOut(Schema):
    id: int
    connector: int = Field(..., alias="connector_id")
    connector_name: str
    kind: str
    key: str
    url: str
    status: str
    tracker_status: str
    escalation: int = Field(..., alias="escalation_id")
    history: list[HistoryEntry]
    last_delivery: DeliveryBrief | None = None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_connector_name(obj: EngineeringIssue) -> str:
        return obj.connector.name

    @staticmethod
    def resolve_kind(obj: EngineeringIssue) -> str:
        return obj.connector.kind

    @staticmethod
    def resolve_key(obj: EngineeringIssue) -> str:
        return obj.label

    @staticmethod
    def resolve_url(obj: EngineeringIssue) -> str:
        return obj.web_url

    @staticmethod
    def resolve_last_delivery(obj: EngineeringIssue) -> Any:
        return getattr(obj, "last_delivery", None)


class WebhookOut(Schema):
    result: Literal["changed", "unchanged", "ignored"]
    detail: str
    issue: int | None = None
