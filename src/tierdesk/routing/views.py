"""Routing pages of the console: the rules in order (add, edit, move, switch on and off, delete,
re-route the queue), skill groups with their assignment and who is on shift, and a person's
shifts and capacity. Administrators change rules and modes, managers shifts; both read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tierdesk.accounts.choices import Role
from tierdesk.accounts.models import SkillGroup
from tierdesk.core.errors import PermissionDenied, ValidationFailed
from tierdesk.routing import selectors, services
from tierdesk.routing.forms import (
    AssignmentForm,
    AvailabilityForm,
    RuleForm,
    ShiftFormSet,
    describe_actions,
    describe_conditions,
)
from tierdesk.routing.models import RoutingRule
from tierdesk.web.decorators import staff_required
from tierdesk.web.forms import add_service_errors, run_service


def _can_edit_rules(request: HttpRequest) -> bool:
    return request.user.role == Role.ADMIN


# --- rules --------------------------------------------------------------------------------------


@staff_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = list(selectors.routing_rules(request.user))
    group_names = dict(SkillGroup.objects.values_list("id", "name"))
    rows = [
        {
            "rule": rule,
            "conditions": describe_conditions(rule),
            "actions": describe_actions(rule, group_names),
        }
        for rule in rules
    ]
    return render(
        request,
        "routing/rule_list.html",
        {"rows": rows, "can_edit": _can_edit_rules(request), "routing_nav": "rules"},
    )


def _rule_form_page(request: HttpRequest, form: RuleForm, rule: RoutingRule | None) -> HttpResponse:
    return render(
        request,
        "routing/rule_form.html",
        {"form": form, "rule": rule, "routing_nav": "rules"},
    )


def _save_rule(request: HttpRequest, form: RuleForm, rule: RoutingRule | None) -> Any:
    fields = {
        "name": form.cleaned_data["name"],
        "conditions": form.conditions(),
        "actions": form.actions(),
        "active": form.cleaned_data["active"],
        "stop_processing": form.cleaned_data["stop_processing"],
    }
    try:
        if rule is None:
            return services.routing_rule_create(actor=request.user, **fields)
        return services.routing_rule_update(actor=request.user, rule=rule, changes=fields)
    except ValidationFailed as error:
        add_service_errors(form, error, rename=form.service_field_names())
    return None


@staff_required
@require_http_methods(["GET", "POST"])
def rule_create(request: HttpRequest) -> HttpResponse:
    services.ensure_rule_editor(request.user)
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _save_rule(request, form, None):
        messages.success(request, _("Rule added at the end of the order."))
        return redirect("routing:rules")
    return _rule_form_page(request, form, None)


@staff_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = selectors.routing_rule_get(request.user, rule_id)
    services.ensure_rule_editor(request.user)
    if request.method == "POST":
        form = RuleForm(request.POST)
        if form.is_valid() and _save_rule(request, form, rule):
            messages.success(request, _("Rule saved."))
            return redirect("routing:rules")
    else:
        form = RuleForm(initial=RuleForm.initial_for(rule))
    return _rule_form_page(request, form, rule)


@staff_required
@require_POST
def rule_move(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = selectors.routing_rule_get(request.user, rule_id)
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.routing_rule_move(actor=request.user, rule=rule, offset=offset)
    return redirect("routing:rules")


@staff_required
@require_POST
def rule_toggle(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = selectors.routing_rule_get(request.user, rule_id)
    services.routing_rule_update(actor=request.user, rule=rule, changes={"active": not rule.active})
    if rule.active:
        messages.success(request, _("%(name)s is off.") % {"name": rule.name})
    else:
        messages.success(request, _("%(name)s is on.") % {"name": rule.name})
    return redirect("routing:rules")


@staff_required
@require_POST
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = selectors.routing_rule_get(request.user, rule_id)
    services.routing_rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("%(name)s deleted.") % {"name": rule.name})
    return redirect("routing:rules")


@staff_required
@require_POST
def queue_reroute(request: HttpRequest) -> HttpResponse:
    count = services.queue_reroute(actor=request.user)
    messages.success(
        request,
        _("Routed %(count)d new unassigned tickets with the current rules.") % {"count": count},
    )
    return redirect("routing:rules")


# --- groups and people --------------------------------------------------------------------------


@staff_required
@require_GET
def group_list(request: HttpRequest) -> HttpResponse:
    overviews = selectors.group_overviews(request.user)
    return render(
        request,
        "routing/group_list.html",
        {
            "overviews": overviews,
            "can_edit": _can_edit_rules(request),
            "can_plan": request.user.role in {Role.MANAGER, Role.ADMIN},
            "mode_form": AssignmentForm(),
            "routing_nav": "groups",
        },
    )


@staff_required
@require_POST
def group_mode(request: HttpRequest, group_id: int) -> HttpResponse:
    group = selectors.skill_group_get(request.user, group_id)
    form = AssignmentForm(request.POST)
    if form.is_valid() and run_service(
        form,
        lambda: services.group_assignment_set(
            actor=request.user, group=group, mode=form.cleaned_data["mode"]
        ),
    ):
        messages.success(request, _("%(group)s: assignment saved.") % {"group": group.name})
    else:
        messages.error(request, _("Choose an assignment mode."))
    return redirect("routing:groups")


@staff_required
@require_http_methods(["GET", "POST"])
def availability_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.staff_person_get(request.user, person_id)
    current = selectors.person_availability(request.user, person)
    if request.method == "POST":
        services.ensure_availability_editor(request.user)
        form = AvailabilityForm(request.POST)
        shifts = ShiftFormSet(request.POST, prefix="shifts")
        if form.is_valid() and shifts.is_valid():
            rows = [
                services.ShiftIn(row["weekday"], row["start"], row["end"])
                for row in shifts.cleaned_data
                if row and row.get("weekday") not in (None, "")
            ]
            try:
                services.availability_set(
                    actor=request.user,
                    person=person,
                    max_open_tickets=form.cleaned_data["max_open_tickets"],
                    away=form.cleaned_data["away"],
                    shifts=rows,
                )
            except ValidationFailed as error:
                add_service_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Availability saved."))
                return redirect("routing:availability", person_id=person.pk)
    else:
        form = AvailabilityForm(
            initial={"max_open_tickets": current.max_open_tickets, "away": current.away}
        )
        shifts = ShiftFormSet(
            prefix="shifts",
            initial=[
                {"weekday": s.weekday, "start": s.start, "end": s.end} for s in current.shifts
            ],
        )
    return render(
        request,
        "routing/availability_form.html",
        {
            "person": person,
            "current": current,
            "form": form,
            "shifts": shifts,
            "can_plan": request.user.role in {Role.MANAGER, Role.ADMIN},
            "routing_nav": "groups",
        },
    )
