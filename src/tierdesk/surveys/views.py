"""Survey pages: the answer form a signed link opens (no sign-in needed; the portal's ticket
page posts to it too), and the managers' follow-up list with its outcome form."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tierdesk.core.errors import Conflict, NotFound, PermissionDenied
from tierdesk.surveys import selectors, services
from tierdesk.surveys.choices import FollowUpStatus
from tierdesk.surveys.forms import AnswerForm, OutcomeForm
from tierdesk.web.decorators import staff_required
from tierdesk.web.forms import run_service


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, signed: str) -> HttpResponse:
    """The survey of a signed link: the form while unanswered, "already answered" after;
    refused (403) to a signed-in person other than the invited one."""
    try:
        invitation = services.invitation_from_link(signed)
    except NotFound as error:
        return render(request, "surveys/refused.html", {"reason": str(error)}, status=404)
    # The signed link is the credential, so it works signed out; but a signed-in person who is
    # not the invited one (staff, a colleague given the link) must not answer in their name.
    actor = request.user if request.user.is_authenticated else None
    if actor is not None and actor.pk != invitation.person_id:
        reason = _("This survey is someone else's.")
        return render(request, "surveys/refused.html", {"reason": reason}, status=403)
    if invitation.answered_at is not None:
        return render(request, "surveys/answered.html", {"invitation": invitation})
    kinds = services.questions_for(invitation, ces_enabled=services.survey_settings().ces_enabled)
    form = AnswerForm(request.POST or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            done = run_service(
                form,
                lambda: services.survey_answer(
                    invitation=invitation,
                    scores=form.scores(),
                    comment=form.cleaned_data["comment"],
                    actor=actor,
                ),
            )
        except Conflict:
            return render(request, "surveys/answered.html", {"invitation": invitation})
        if done is not None:
            user = request.user
            if user.is_authenticated and user.pk == invitation.person_id and user.is_customer:
                messages.success(request, _("Thank you for your feedback."))
                return redirect("portal:ticket", number=invitation.ticket_id)
            return render(request, "surveys/thanks.html", {"invitation": invitation})
    return render(
        request,
        "surveys/answer.html",
        {"invitation": invitation, "form": form, "signed": signed},
        status=422 if form.errors else 200,
    )


@staff_required
@require_GET
def follow_up_list(request: HttpRequest) -> HttpResponse:
    """Follow-up calls owed to customers who answered poorly; open ones first."""
    status = request.GET.get("status") or ""
    if status not in FollowUpStatus.values:
        status = ""
    tasks = list(selectors.follow_ups_for(request.user, status=status or None)[:200])
    return render(
        request,
        "surveys/follow_up_list.html",
        {"tasks": tasks, "status": status, "outcome_form": OutcomeForm()},
    )


@staff_required
@require_POST
def follow_up_done_view(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.follow_up_get_for_user(request.user, task_id)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            if run_service(
                form,
                lambda: services.follow_up_done(
                    actor=request.user, task=task, outcome=form.cleaned_data["outcome"]
                ),
            ):
                messages.success(request, _("Follow-up recorded."))
                return redirect("surveys:follow_ups")
        except (Conflict, PermissionDenied) as error:
            form.add_error(None, str(error))
    for error in form.errors.values():
        messages.error(request, " ".join(str(e) for e in error))
    return redirect("surveys:follow_ups")
