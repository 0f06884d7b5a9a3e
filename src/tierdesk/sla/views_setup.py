"""Pages of service-level setup: policies in order (add, edit, move, delete) and business calendars
(weekly hours, holidays, regions, their own dates). Administrators change them; managers read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tierdesk.accounts.choices import Region, Role
from tierdesk.core.errors import ValidationFailed
from tierdesk.sla import setup, setup_selectors
from tierdesk.sla.forms import (
    CalendarDateForm,
    CalendarForm,
    PolicyForm,
    TargetFormSet,
    add_policy_errors,
    describe_conditions,
    describe_target,
    disable,
    matches_everything,
)
from tierdesk.sla.models import BusinessCalendar, SlaPolicy
from tierdesk.web.decorators import staff_required
from tierdesk.web.forms import add_service_errors


def _can_edit(request: HttpRequest) -> bool:
    return request.user.role == Role.ADMIN


def _page(request: HttpRequest, template: str, nav: str, context: dict[str, Any]) -> HttpResponse:
    return render(
        request,
        f"sla/{template}",
        {**context, "can_edit": _can_edit(request), "sla_nav": nav, "tools_view": "sla_setup"},
    )


def _refusal(error: ValidationFailed) -> str:
    return " ".join(reason for reasons in error.errors.values() for reason in reasons)


# --- policies -----------------------------------------------------------------------------------


@staff_required
@require_GET
def policy_list(request: HttpRequest) -> HttpResponse:
    rows = []
    catch_all: SlaPolicy | None = None
    # Metrics that active policies without conditions above set for every ticket: each target
    # comes from the first matching policy that sets it, so a policy below them applies only
    # for the metrics they leave unset.
    covered: set[str] = set()
    for policy in setup_selectors.policies(request.user):
        metrics = {target.metric for target in policy.targets.all()}
        never = policy.active and catch_all is not None and metrics <= covered
        rows.append(
            {
                "policy": policy,
                "conditions": describe_conditions(policy),
                "targets": [describe_target(t) for t in policy.targets.all()],
                "shadowed_by": catch_all if never else None,
            }
        )
        if policy.active and matches_everything(policy):
            catch_all = catch_all or policy
            covered |= metrics
    return _page(request, "setup_policy_list.html", "policies", {"rows": rows})


def _save_policy(
    request: HttpRequest, form: PolicyForm, targets: TargetFormSet, policy: SlaPolicy | None
) -> SlaPolicy | None:
    fields = form.fields_for_service()
    fields["targets"] = targets.targets()
    try:
        if policy is None:
            return setup.policy_create(
                actor=request.user, position=form.cleaned_data["position"], **fields
            )
        return setup.policy_update(actor=request.user, policy=policy, changes=fields)
    except ValidationFailed as error:
        add_policy_errors(form, targets, error)
    return None


def _policy_form_page(
    request: HttpRequest, form: PolicyForm, targets: TargetFormSet, policy: SlaPolicy | None
) -> HttpResponse:
    if not _can_edit(request):
        disable(form, *targets.forms)
    return _page(
        request,
        "setup_policy_form.html",
        "policies",
        {"form": form, "targets": targets, "policy": policy},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def policy_create(request: HttpRequest) -> HttpResponse:
    setup.ensure_setup_editor(request.user)
    form = PolicyForm(request.POST or None)
    targets = TargetFormSet(request.POST or None)
    if request.method == "POST" and form.is_valid() and targets.is_valid():
        policy = _save_policy(request, form, targets, None)
        if policy is not None:
            messages.success(request, _("Policy %(name)s added.") % {"name": policy.name})
            return redirect("sla:setup_policies")
    return _policy_form_page(request, form, targets, None)


@staff_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = setup_selectors.policy_get(request.user, policy_id)
    if request.method == "POST":
        setup.ensure_setup_editor(request.user)
        form = PolicyForm(request.POST, policy=policy)
        targets = TargetFormSet(request.POST, policy=policy)
        if form.is_valid() and targets.is_valid() and _save_policy(request, form, targets, policy):
            messages.success(request, _("Policy %(name)s saved.") % {"name": policy.name})
            return redirect("sla:setup_policies")
    else:
        form = PolicyForm(initial=PolicyForm.initial_for(policy), policy=policy)
        targets = TargetFormSet(policy=policy)
    return _policy_form_page(request, form, targets, policy)


@staff_required
@require_POST
def policy_move(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = setup_selectors.policy_get(request.user, policy_id)
    offset = -1 if request.POST.get("direction") == "up" else 1
    setup.policy_move(actor=request.user, policy=policy, offset=offset)
    return redirect("sla:setup_policies")


@staff_required
@require_POST
def policy_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = setup_selectors.policy_get(request.user, policy_id)
    setup.policy_delete(actor=request.user, policy=policy)
    messages.success(request, _("Policy %(name)s deleted.") % {"name": policy.name})
    return redirect("sla:setup_policies")


# --- calendars ----------------------------------------------------------------------------------


@staff_required
@require_GET
def calendar_list(request: HttpRequest) -> HttpResponse:
    regions = dict(Region.choices)
    rows = [
        {
            "calendar": c,
            "hours": setup_selectors.hours_summary(c),
            "regions": [str(regions.get(r, r)) for r in c.regions or []],
            "policies": c.policies.all(),
        }
        for c in setup_selectors.calendars(request.user)
    ]
    return _page(request, "setup_calendar_list.html", "calendars", {"rows": rows})


def _calendar_form_page(
    request: HttpRequest,
    form: CalendarForm,
    calendar: BusinessCalendar | None,
    date_form: CalendarDateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if not _can_edit(request):
        disable(form)
    context: dict[str, Any] = {"form": form, "calendar": calendar}
    if calendar is not None:
        context["date_form"] = date_form or CalendarDateForm(prefix="date")
        context["holidays"] = setup_selectors.upcoming_holidays(calendar)
    response = _page(request, "setup_calendar_form.html", "calendars", context)
    response.status_code = status
    return response


def _calendar_post(request: HttpRequest, calendar: BusinessCalendar | None) -> HttpResponse:
    setup.ensure_setup_editor(request.user)
    add_span = request.POST.get("add_span", "")
    form = CalendarForm(request.POST, add_span=add_span)
    # "Add a span" only shows another empty pair of times; nothing is saved yet.
    if add_span or not form.is_valid():
        return _calendar_form_page(request, form, calendar)
    try:
        if calendar is None:
            calendar = setup.calendar_create(actor=request.user, **form.fields_for_service())
            messages.success(
                request,
                _("Calendar %(name)s added. Add the dates it closes or opens differently below.")
                % {"name": calendar.name},
            )
        else:
            setup.calendar_update(
                actor=request.user, calendar=calendar, changes=form.fields_for_service()
            )
            messages.success(request, _("Calendar %(name)s saved.") % {"name": calendar.name})
    except ValidationFailed as error:
        add_service_errors(form, error)
        return _calendar_form_page(request, form, calendar)
    return redirect("sla:setup_calendar_edit", calendar_id=calendar.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def calendar_create(request: HttpRequest) -> HttpResponse:
    setup.ensure_setup_editor(request.user)
    if request.method == "POST":
        return _calendar_post(request, None)
    weekdays = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    form = CalendarForm(initial={"time_zone": "UTC", "weekly": weekdays})
    return _calendar_form_page(request, form, None)


@staff_required
@require_http_methods(["GET", "POST"])
def calendar_edit(request: HttpRequest, calendar_id: int) -> HttpResponse:
    calendar = setup_selectors.calendar_get(request.user, calendar_id)
    if request.method == "POST":
        return _calendar_post(request, calendar)
    form = CalendarForm(initial=CalendarForm.initial_for(calendar))
    return _calendar_form_page(request, form, calendar)


@staff_required
@require_POST
def calendar_delete(request: HttpRequest, calendar_id: int) -> HttpResponse:
    calendar = setup_selectors.calendar_get(request.user, calendar_id)
    try:
        setup.calendar_delete(actor=request.user, calendar=calendar)
    except ValidationFailed as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, _("Calendar %(name)s deleted.") % {"name": calendar.name})
    return redirect("sla:setup_calendars")


@staff_required
@require_POST
def calendar_date_add(request: HttpRequest, calendar_id: int) -> HttpResponse:
    calendar = setup_selectors.calendar_get(request.user, calendar_id)
    setup.ensure_setup_editor(request.user)
    date_form = CalendarDateForm(request.POST, prefix="date")
    if date_form.is_valid():
        data = date_form.cleaned_data
        try:
            entry, created = setup.calendar_date_set(
                actor=request.user,
                calendar=calendar,
                date=data["date"],
                name=data["name"],
                hours=date_form.hours(),
            )
        except ValidationFailed as error:
            add_service_errors(date_form, error, rename=CalendarDateForm.SERVICE_FIELDS)
        else:
            message = _("%(date)s added.") if created else _("%(date)s changed.")
            messages.success(request, message % {"date": entry.date.isoformat()})
            return redirect("sla:setup_calendar_edit", calendar_id=calendar.pk)
    form = CalendarForm(initial=CalendarForm.initial_for(calendar))
    return _calendar_form_page(request, form, calendar, date_form)


@staff_required
@require_POST
def calendar_date_remove(request: HttpRequest, calendar_id: int, date: str) -> HttpResponse:
    calendar = setup_selectors.calendar_get(request.user, calendar_id)
    try:
        setup.calendar_date_remove(actor=request.user, calendar=calendar, date=date)
    except ValidationFailed as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, _("%(date)s removed.") % {"date": date})
    return redirect("sla:setup_calendar_edit", calendar_id=calendar.pk)


urlpatterns = [
    path("sla/policies/", policy_list, name="setup_policies"),
    path("sla/policies/new/", policy_create, name="setup_policy_create"),
    path("sla/policies/<int:policy_id>/", policy_edit, name="setup_policy_edit"),
    path("sla/policies/<int:policy_id>/move/", policy_move, name="setup_policy_move"),
    path("sla/policies/<int:policy_id>/delete/", policy_delete, name="setup_policy_delete"),
    path("sla/calendars/", calendar_list, name="setup_calendars"),
    path("sla/calendars/new/", calendar_create, name="setup_calendar_create"),
    path("sla/calendars/<int:calendar_id>/", calendar_edit, name="setup_calendar_edit"),
    path("sla/calendars/<int:calendar_id>/delete/", calendar_delete, name="setup_calendar_delete"),
    path("sla/calendars/<int:calendar_id>/dates/", calendar_date_add, name="setup_calendar_date"),
    path(
        "sla/calendars/<int:calendar_id>/dates/<str:date>/delete/",
        calendar_date_remove,
        name="setup_calendar_date_remove",
    ),
]
