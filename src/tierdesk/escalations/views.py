"""Console pages of escalation: the escalate form, accept / return / resolve / withdraw from the
ticket card, the complaint owner, the counts report and "my complaints and incidents"."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tierdesk.accounts.choices import Tier
from tierdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from tierdesk.escalations import selectors, services
from tierdesk.escalations.forms import (
    EscalateForm,
    FlagForm,
    ResolveForm,
    ReturnForm,
    WithdrawForm,
)
from tierdesk.escalations.services import is_managing
from tierdesk.web.decorators import staff_required, ticket_or_404
from tierdesk.web.forms import add_service_errors

# How many weeks the report may show at most; it shows 8 unless asked.
REPORT_WEEKS_MAX = 26


def _refusal(error: ValidationFailed | PermissionDenied | Conflict) -> str:
    if isinstance(error, ValidationFailed):
        return " ".join(item["reason"] for item in error.as_list())
    return str(error)


@staff_required
@require_http_methods(["GET", "POST"])
def escalate(request: HttpRequest, number: int) -> HttpResponse:
    """The package form for the ticket's next tier; refusals land next to their fields. Someone
    who may not escalate this ticket (another agent holds it, or it is above their tier) gets
    the reason and no form, with 403."""
    ticket = ticket_or_404(request, number)
    to_tier = min(ticket.tier + 1, Tier.ENGINEERING)
    refusal = services.escalate_refusal(request.user, ticket)
    if refusal is not None:
        context = {
            "ticket": ticket,
            "refusal": refusal,
            "to_tier": to_tier,
            "to_tier_label": Tier(to_tier).label,
        }
        return render(request, "escalations/escalate.html", context, status=403)
    form = EscalateForm(request.POST or None, ticket=ticket, to_tier=to_tier)
    if request.method == "POST" and form.is_valid():
        try:
            services.escalation_create(
                actor=request.user, ticket=ticket, to_tier=to_tier, **form.package()
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        except (PermissionDenied, Conflict) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Escalated to %(tier)s.") % {"tier": Tier(to_tier).label},
            )
            return redirect("tickets:detail", number=ticket.number)
    context = {
        "ticket": ticket,
        "form": form,
        "to_tier": to_tier,
        "to_tier_label": Tier(to_tier).label,
        "required": form.required_labels,
        "at_top": ticket.tier >= Tier.ENGINEERING,
    }
    return render(request, "escalations/escalate.html", context)


def _escalation_step(request: HttpRequest, escalation_id: int, step: str) -> HttpResponse:
    escalation = selectors.escalation_get_for_user(request.user, escalation_id)
    try:
        if step == "accept":
            services.escalation_accept(actor=request.user, escalation=escalation)
            done = _("Escalation accepted; the ticket is yours.")
        elif step == "return":
            form = ReturnForm(request.POST)
            form.is_valid()
            services.escalation_return(
                actor=request.user,
                escalation=escalation,
                reason=form.cleaned_data.get("reason", ""),
            )
            done = _("Escalation returned.")
        elif step == "withdraw":
            withdraw_form = WithdrawForm(request.POST)
            withdraw_form.is_valid()
            services.escalation_withdraw(
                actor=request.user,
                escalation=escalation,
                reason=withdraw_form.cleaned_data.get("reason", ""),
            )
            done = _("Escalation withdrawn.")
        else:
            form = ResolveForm(request.POST)
            form.is_valid()
            services.escalation_resolve(
                actor=request.user,
                escalation=escalation,
                resolution=form.cleaned_data.get("resolution", ""),
            )
            done = _("Escalation resolved.")
    except (ValidationFailed, PermissionDenied, Conflict) as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, done)
    return redirect("tickets:detail", number=escalation.ticket_id)


@staff_required
@require_POST
def escalation_accept(request: HttpRequest, escalation_id: int) -> HttpResponse:
    return _escalation_step(request, escalation_id, "accept")


@staff_required
@require_POST
def escalation_return(request: HttpRequest, escalation_id: int) -> HttpResponse:
    return _escalation_step(request, escalation_id, "return")


@staff_required
@require_POST
def escalation_resolve(request: HttpRequest, escalation_id: int) -> HttpResponse:
    return _escalation_step(request, escalation_id, "resolve")


@staff_required
@require_POST
def escalation_withdraw(request: HttpRequest, escalation_id: int) -> HttpResponse:
    return _escalation_step(request, escalation_id, "withdraw")


@staff_required
@require_POST
def escalation_owner(request: HttpRequest, number: int) -> HttpResponse:
    """Sets the complaint or incident flag and, for managers, the escalation manager."""
    ticket = ticket_or_404(request, number)
    managing = is_managing(request.user)
    form = FlagForm(request.POST, may_name_manager=managing)
    if not form.is_valid():
        messages.error(request, _("Choose a flag and an escalation manager from the lists."))
        return redirect("tickets:detail", number=ticket.number)
    flag = form.cleaned_data["flag"]
    # Agents keep the escalation manager a manager named; clearing a flag that has one is for
    # managers, and the service says so.
    manager = form.chosen_manager() if managing else ticket.escalation_manager
    if not flag:
        manager = None
    try:
        services.ticket_flag_escalation(
            actor=request.user, ticket=ticket, flag=flag, escalation_manager=manager
        )
    except (ValidationFailed, PermissionDenied) as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, _("Saved."))
    return redirect("tickets:detail", number=ticket.number)


@staff_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """Escalations per engineer and per group, week by week."""
    try:
        weeks = int(request.GET.get("weeks", selectors.DEFAULT_WEEKS))
    except ValueError:
        weeks = selectors.DEFAULT_WEEKS
    weeks = max(1, min(weeks, REPORT_WEEKS_MAX))
    since, until = selectors.default_period(weeks=weeks)
    stats = selectors.escalation_stats(request.user, since=since, until=until)
    context = {
        "stats": stats,
        "weeks": weeks,
        "week_choices": (4, 8, 13, 26),
        "tools_view": "escalations",
    }
    return render(request, "escalations/report.html", context)


@staff_required
@require_GET
def owned(request: HttpRequest) -> HttpResponse:
    """The complaints and incidents the signed-in person owns as escalation manager, and for
    managers those nobody owns yet."""
    context = {
        "owned": list(selectors.flagged_tickets_owned(request.user)[:200]),
        "unowned": list(selectors.flagged_tickets_unowned(request.user)[:200])
        if is_managing(request.user)
        else None,
        "tools_view": "escalations_owned",
    }
    return render(request, "escalations/owned.html", context)
