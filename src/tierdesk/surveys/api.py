"""API of surveys: responses for staff, the settings for managers, follow-up tasks. The forms
customers answer are pages (/surveys/<token>/), not API."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from tierdesk.core.api import ErrorOut, RecordId
from tierdesk.core.errors import PermissionDenied, ValidationFailed
from tierdesk.surveys import selectors, services
from tierdesk.surveys.choices import FollowUpStatus, ResponseKind
from tierdesk.surveys.schemas import (
    FollowUpDoneIn,
    FollowUpOut,
    ResponseOut,
    ResponseQueryIn,
    SettingsOut,
    SettingsPatchIn,
)

router = Router(tags=["surveys"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
RESPONSES_MAX = 1000


@router.get(
    "/surveys/responses", response={200: list[ResponseOut], **ERRORS}, summary="Survey responses"
)
def response_index(request: HttpRequest, query: Query[ResponseQueryIn]) -> Any:
    """The newest 1,000 responses (staff), optionally of one `kind` answered in [`from`, `to`)."""
    if query.kind and query.kind not in ResponseKind.values:
        raise ValidationFailed(kind=_("Give csat, ces or nps."))
    if query.from_ and query.to and query.to <= query.from_:
        raise ValidationFailed(to=_("Give a time after from."))
    return list(
        selectors.responses_for(request.auth, kind=query.kind, start=query.from_, end=query.to)[
            :RESPONSES_MAX
        ]
    )


@router.get("/surveys/settings", response={200: SettingsOut, **ERRORS}, summary="Survey settings")
def settings_read(request: HttpRequest) -> Any:
    if request.auth.role not in services.MANAGING_ROLES:
        raise PermissionDenied(_("Only managers read the survey settings."))
    return services.survey_settings()


@router.patch(
    "/surveys/settings", response={200: SettingsOut, **ERRORS}, summary="Change survey settings"
)
def settings_change(request: HttpRequest, payload: SettingsPatchIn) -> Any:
    """Only the fields given change; 422 names each refused one."""
    changes = payload.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None:
            raise ValidationFailed({field: _("Give a value.")})
    return services.survey_settings_update(actor=request.auth, changes=changes)


@router.get(
    "/surveys/follow-ups", response={200: list[FollowUpOut], **ERRORS}, summary="Follow-up tasks"
)
def follow_up_index(request: HttpRequest, status: str | None = None) -> Any:
    """Follow-ups (managers), open ones first; `status` open or done."""
    if status and status not in FollowUpStatus.values:
        raise ValidationFailed(status=_("Give open or done."))
    return list(selectors.follow_ups_for(request.auth, status=status)[:RESPONSES_MAX])


@router.post(
    "/surveys/follow-ups/{task_id}/done",
    response={200: FollowUpOut, **ERRORS},
    summary="Record a follow-up's outcome",
)
def follow_up_mark_done(request: HttpRequest, task_id: RecordId, payload: FollowUpDoneIn) -> Any:
    """409 when already done; 422 names `outcome` when it is empty."""
    task = selectors.follow_up_get_for_user(request.auth, task_id)
    services.follow_up_done(actor=request.auth, task=task, outcome=payload.outcome)
    return selectors.follow_up_get_for_user(request.auth, task_id)
