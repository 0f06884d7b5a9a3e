"""API of routing: rules and their order, group assignment modes, people's shifts and capacity.
Administrators write rules and modes, managers shifts and capacity; both read everything."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from tierdesk.core.api import ErrorOut, idempotent
from tierdesk.routing import selectors, services
from tierdesk.routing.schemas import (
    AssignmentIn,
    AssignmentOut,
    AvailabilityIn,
    AvailabilityOut,
    MemberOut,
    ReorderIn,
    RuleIn,
    RuleOut,
    RulePatchIn,
)

router = Router(tags=["routing"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get("/routing/rules", response={200: list[RuleOut], **ERRORS}, summary="Routing rules")
def rule_index(request: HttpRequest) -> Any:
    """Every rule, active or not, in the order they run."""
    return list(selectors.routing_rules(request.auth))


@router.post("/routing/rules", response={201: RuleOut, **ERRORS}, summary="Add a routing rule")
@idempotent
def rule_create(request: HttpRequest, payload: RuleIn) -> Any:
    """Adds a rule at the end of the order. 422 names each refused field, e.g.
    `conditions.channel` or `actions.group`."""
    rule = services.routing_rule_create(actor=request.auth, **payload.model_dump())
    return Status(201, rule)


@router.post(
    "/routing/rules/reorder", response={200: list[RuleOut], **ERRORS}, summary="Reorder rules"
)
def rule_reorder(request: HttpRequest, payload: ReorderIn) -> Any:
    """Sets the order: `ids` names every rule exactly once."""
    return services.routing_rule_reorder(actor=request.auth, rule_ids=payload.ids)


@router.get("/routing/rules/{rule_id}", response={200: RuleOut, **ERRORS}, summary="A rule")
def rule_detail(request: HttpRequest, rule_id: int) -> Any:
    return selectors.routing_rule_get(request.auth, rule_id)


@router.patch(
    "/routing/rules/{rule_id}", response={200: RuleOut, **ERRORS}, summary="Change a rule"
)
def rule_change(request: HttpRequest, rule_id: int, payload: RulePatchIn) -> Any:
    """Changes the fields present; conditions and actions are replaced whole."""
    rule = selectors.routing_rule_get(request.auth, rule_id)
    changes = payload.model_dump(exclude_unset=True)
    return services.routing_rule_update(actor=request.auth, rule=rule, changes=changes)


@router.delete("/routing/rules/{rule_id}", response={204: None, **ERRORS}, summary="Delete a rule")
def rule_delete(request: HttpRequest, rule_id: int) -> Any:
    rule = selectors.routing_rule_get(request.auth, rule_id)
    services.routing_rule_delete(actor=request.auth, rule=rule)
    return Status(204, None)


def _assignment(request: HttpRequest, group_id: int) -> dict[str, Any]:
    [overview] = selectors.group_overviews(request.auth, [group_id])
    return {
        "group": overview.group.pk,
        "group_name": overview.group.name,
        "mode": overview.mode,
        "last_assigned": overview.last_assigned_id,
        "members": [MemberOut.from_candidate(m) for m in overview.members],
    }


@router.get(
    "/groups/{group_id}/assignment",
    response={200: AssignmentOut, **ERRORS},
    summary="A group's automatic assignment",
)
def assignment_detail(request: HttpRequest, group_id: int) -> Any:
    """How the group hands out new tickets, and its members with load, capacity and whether
    they are on shift now."""
    group = selectors.skill_group_get(request.auth, group_id)
    return _assignment(request, group.pk)


@router.put(
    "/groups/{group_id}/assignment",
    response={200: AssignmentOut, **ERRORS},
    summary="Set a group's automatic assignment",
)
def assignment_set(request: HttpRequest, group_id: int, payload: AssignmentIn) -> Any:
    """`mode`: none (tickets wait in the queue), round_robin or least_loaded."""
    group = selectors.skill_group_get(request.auth, group_id)
    services.group_assignment_set(actor=request.auth, group=group, mode=payload.mode)
    return _assignment(request, group.pk)


def _availability(request: HttpRequest, person_id: int) -> dict[str, Any]:
    person = selectors.staff_person_get(request.auth, person_id)
    current = selectors.person_availability(request.auth, person)
    return {
        "person": person.pk,
        "time_zone": person.time_zone,
        "max_open_tickets": current.max_open_tickets,
        "away": current.away,
        "shifts": [{"weekday": s.weekday, "start": s.start, "end": s.end} for s in current.shifts],
        "open_tickets": current.open_tickets,
        "on_shift_now": current.on_shift_now,
    }


@router.get(
    "/people/{person_id}/availability",
    response={200: AvailabilityOut, **ERRORS},
    summary="A person's shifts and capacity",
)
def availability_detail(request: HttpRequest, person_id: int) -> Any:
    """Weekly shifts in the person's own time zone, capacity and away flag, and now: unsolved
    tickets held and whether on shift."""
    return _availability(request, person_id)


@router.put(
    "/people/{person_id}/availability",
    response={200: AvailabilityOut, **ERRORS},
    summary="Set a person's shifts and capacity",
)
def availability_put(request: HttpRequest, person_id: int, payload: AvailabilityIn) -> Any:
    """Replaces capacity, away flag and the whole list of shifts."""
    person = selectors.staff_person_get(request.auth, person_id)
    services.availability_set(
        actor=request.auth,
        person=person,
        max_open_tickets=payload.max_open_tickets,
        away=payload.away,
        shifts=[services.ShiftIn(s.weekday, s.start, s.end) for s in payload.shifts],
    )
    return _availability(request, person_id)
