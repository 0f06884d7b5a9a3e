"""API of service-level setup: calendars and their dates, policies and their order, and business
time on a calendar. Administrators write; managers read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from tierdesk.core.api import ErrorOut, idempotent
from tierdesk.core.errors import ValidationFailed
from tierdesk.sla import setup, setup_selectors
from tierdesk.sla.schemas_setup import (
    BusinessTimeOut,
    BusinessTimeQuery,
    CalendarDetailOut,
    CalendarIn,
    CalendarOut,
    CalendarPatchIn,
    DateIn,
    DateOut,
    MoveIn,
    PolicyIn,
    PolicyOut,
    PolicyPatchIn,
    ReorderIn,
)

router = Router(tags=["sla"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --- calendars ----------------------------------------------------------------------------------


def _calendar_detail(request: HttpRequest, calendar_id: int) -> Any:
    calendar = setup_selectors.calendar_get(request.auth, calendar_id)
    calendar.upcoming_holidays = setup_selectors.upcoming_holidays(calendar)  # type: ignore[attr-defined]
    return calendar


@router.get("/sla/calendars", response={200: list[CalendarOut], **ERRORS}, summary="Calendars")
def calendar_index(request: HttpRequest) -> Any:
    """Every business calendar by name, with its dates and the policies measured on it."""
    return setup_selectors.calendars(request.auth)


@router.post(
    "/sla/calendars", response={201: CalendarDetailOut, **ERRORS}, summary="Add a calendar"
)
@idempotent
def calendar_create(request: HttpRequest, payload: CalendarIn) -> Any:
    """Adds a calendar. 422 names each refused field, e.g. `hours` (naming the day) or
    `regions` (naming the calendar that serves the region already)."""
    calendar = setup.calendar_create(actor=request.auth, **payload.model_dump())
    return Status(201, _calendar_detail(request, calendar.pk))


@router.get(
    "/sla/calendars/{calendar_id}",
    response={200: CalendarDetailOut, **ERRORS},
    summary="A calendar",
)
def calendar_detail(request: HttpRequest, calendar_id: int) -> Any:
    """The calendar with its public holidays and own dates in the coming 12 months."""
    return _calendar_detail(request, calendar_id)


@router.patch(
    "/sla/calendars/{calendar_id}",
    response={200: CalendarDetailOut, **ERRORS},
    summary="Change a calendar",
)
def calendar_change(request: HttpRequest, calendar_id: int, payload: CalendarPatchIn) -> Any:
    """Changes the fields present; hours and regions are replaced whole."""
    calendar = setup_selectors.calendar_get(request.auth, calendar_id)
    changes = payload.model_dump(exclude_unset=True)
    setup.calendar_update(actor=request.auth, calendar=calendar, changes=changes)
    return _calendar_detail(request, calendar_id)


@router.delete(
    "/sla/calendars/{calendar_id}", response={204: None, **ERRORS}, summary="Delete a calendar"
)
def calendar_delete(request: HttpRequest, calendar_id: int) -> Any:
    """Refused (422) while a policy uses the calendar, naming them, and for the default."""
    calendar = setup_selectors.calendar_get(request.auth, calendar_id)
    setup.calendar_delete(actor=request.auth, calendar=calendar)
    return Status(204, None)


@router.post(
    "/sla/calendars/{calendar_id}/dates",
    response={200: DateOut, 201: DateOut, **ERRORS},
    summary="Set a calendar date",
)
def calendar_date_set(request: HttpRequest, calendar_id: int, payload: DateIn) -> Any:
    """Closes the calendar on a date (no hours) or gives the date its own hours, replacing the
    weekday's and any public holiday. 201 when the date is new, 200 when it replaced one."""
    calendar = setup_selectors.calendar_get(request.auth, calendar_id)
    entry, created = setup.calendar_date_set(
        actor=request.auth, calendar=calendar, **payload.model_dump()
    )
    return Status(201 if created else 200, entry)


@router.delete(
    "/sla/calendars/{calendar_id}/dates/{date}",
    response={204: None, **ERRORS},
    summary="Remove a calendar date",
)
def calendar_date_remove(request: HttpRequest, calendar_id: int, date: dt.date) -> Any:
    """The weekday's hours and public holidays apply to the date again."""
    calendar = setup_selectors.calendar_get(request.auth, calendar_id)
    setup.calendar_date_remove(actor=request.auth, calendar=calendar, date=date)
    return Status(204, None)


@router.get(
    "/sla/calendars/{calendar_id}/business-time",
    response={200: BusinessTimeOut, **ERRORS},
    by_alias=True,
    summary="Business time on a calendar",
)
def business_time(request: HttpRequest, calendar_id: int, query: Query[BusinessTimeQuery]) -> Any:
    """With `from` and `seconds`: `due_at`, the instant that much business time after `from`
    ("4 business hours from now"). With `from` and `to`: `seconds`, the business time
    between them (at most two years apart). Instants lie in the years 1970 to 2200; 422 names
    `from`, `to` or `seconds` with the reason."""
    calendar = setup_selectors.calendar_get(request.auth, calendar_id)
    if (query.seconds is None) == (query.to is None):
        reason = _("Give either seconds or to.")
        raise ValidationFailed({"seconds": reason, "to": reason})
    if query.seconds is not None:
        due = setup_selectors.business_time_due(request.auth, calendar, query.start, query.seconds)
        return {"from": query.start, "seconds": query.seconds, "due_at": due}
    assert query.to is not None
    seconds = setup_selectors.business_time_between(request.auth, calendar, query.start, query.to)
    return {"from": query.start, "to": query.to, "seconds": seconds}


# --- policies -----------------------------------------------------------------------------------


@router.get("/sla/policies", response={200: list[PolicyOut], **ERRORS}, summary="SLA policies")
def policy_index(request: HttpRequest) -> Any:
    """Every policy, active or not, in the order they are tried: the first that matches a ticket
    sets its targets."""
    return setup_selectors.policies(request.auth)


@router.post("/sla/policies", response={201: PolicyOut, **ERRORS}, summary="Add an SLA policy")
@idempotent
def policy_create(request: HttpRequest, payload: PolicyIn) -> Any:
    """Adds a policy at `position` (default: last). 422 names each refused field, e.g.
    `channels` or `targets.0.warn_before_seconds`."""
    policy = setup.policy_create(actor=request.auth, **payload.model_dump())
    return Status(201, setup_selectors.policy_get(request.auth, policy.pk))


@router.post(
    "/sla/policies/reorder", response={200: list[PolicyOut], **ERRORS}, summary="Reorder policies"
)
def policy_reorder(request: HttpRequest, payload: ReorderIn) -> Any:
    """Sets the order: `ids` names every policy exactly once, the first tried first."""
    setup.policy_reorder(actor=request.auth, policy_ids=payload.ids)
    return setup_selectors.policies(request.auth)


@router.get("/sla/policies/{policy_id}", response={200: PolicyOut, **ERRORS}, summary="A policy")
def policy_detail(request: HttpRequest, policy_id: int) -> Any:
    return setup_selectors.policy_get(request.auth, policy_id)


@router.patch(
    "/sla/policies/{policy_id}", response={200: PolicyOut, **ERRORS}, summary="Change a policy"
)
def policy_change(request: HttpRequest, policy_id: int, payload: PolicyPatchIn) -> Any:
    """Changes the fields present; condition lists and targets are replaced whole."""
    policy = setup_selectors.policy_get(request.auth, policy_id)
    changes = payload.model_dump(exclude_unset=True)
    setup.policy_update(actor=request.auth, policy=policy, changes=changes)
    return setup_selectors.policy_get(request.auth, policy_id)


@router.delete(
    "/sla/policies/{policy_id}", response={204: None, **ERRORS}, summary="Delete a policy"
)
def policy_delete(request: HttpRequest, policy_id: int) -> Any:
    policy = setup_selectors.policy_get(request.auth, policy_id)
    setup.policy_delete(actor=request.auth, policy=policy)
    return Status(204, None)


@router.post(
    "/sla/policies/{policy_id}/move",
    response={200: list[PolicyOut], **ERRORS},
    summary="Move a policy",
)
def policy_move(request: HttpRequest, policy_id: int, payload: MoveIn) -> Any:
    """Moves the policy to `position` or by `offset` places; answers every policy in order."""
    policy = setup_selectors.policy_get(request.auth, policy_id)
    setup.policy_move(
        actor=request.auth, policy=policy, offset=payload.offset, position=payload.position
    )
    return setup_selectors.policies(request.auth)
