"""Console pages of the working tools: the macro list and forms, applying a macro and merging
from the ticket page, and the notifications page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tierdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tierdesk.macros import selectors, services
from tierdesk.macros.forms import MacroForm, MergeForm
from tierdesk.macros.mentions import notification_read, notifications_read_all
from tierdesk.macros.merge import ticket_merge
from tierdesk.macros.models import Macro
from tierdesk.macros.services import may_manage
from tierdesk.web.decorators import staff_required, ticket_or_404
from tierdesk.web.forms import run_service


def _refusal(error: ValidationFailed | PermissionDenied | Conflict | NotFound) -> str:
    if isinstance(error, ValidationFailed):
        return " ".join(item["reason"] for item in error.as_list())
    return str(error)


# --- macros ------------------------------------------------------------------------------------


@staff_required
@require_GET
def macro_list(request: HttpRequest) -> HttpResponse:
    """The macros the person may read, with the ones they may change marked."""
    macros = list(selectors.macros_visible_to(request.user))
    group_ids = selectors.skill_group_ids(request.user)
    for macro in macros:
        macro.editable = may_manage(request.user, macro, group_ids)  # type: ignore[attr-defined]
    return render(request, "macros/macro_list.html", {"macros": macros, "tools_view": "macros"})


@staff_required
@require_http_methods(["GET", "POST"])
def macro_create(request: HttpRequest) -> HttpResponse:
    form = MacroForm(request.POST or None, initial={"scope": "personal", "kind": "reply"})
    if request.method == "POST" and form.is_valid():
        macro = run_service(
            form, lambda: services.macro_create(actor=request.user, **form.fields_for_service())
        )
        if macro is not None:
            messages.success(request, _("Macro %(name)s saved.") % {"name": macro.name})
            return redirect("macros:list")
    return render(
        request, "macros/macro_form.html", {"form": form, "macro": None, "tools_view": "macros"}
    )


def _macro_or_404(request: HttpRequest, macro_id: int) -> Macro:
    return selectors.macro_get_for_user(request.user, macro_id)


@staff_required
@require_http_methods(["GET", "POST"])
def macro_edit(request: HttpRequest, macro_id: int) -> HttpResponse:
    macro = _macro_or_404(request, macro_id)
    form = MacroForm(request.POST or None, macro=macro)
    if request.method == "POST":
        if "delete" in request.POST:
            services.macro_delete(actor=request.user, macro=macro)
            messages.success(request, _("Macro %(name)s deleted.") % {"name": macro.name})
            return redirect("macros:list")
        if form.is_valid():
            saved = run_service(
                form,
                lambda: services.macro_update(
                    actor=request.user, macro=macro, changes=form.fields_for_service()
                ),
            )
            if saved is not None:
                messages.success(request, _("Macro %(name)s saved.") % {"name": saved.name})
                return redirect("macros:list")
    return render(
        request,
        "macros/macro_form.html",
        {
            "form": form,
            "macro": macro,
            "editable": may_manage(request.user, macro),
            "tools_view": "macros",
        },
    )


# --- on the ticket page ------------------------------------------------------------------------


@staff_required
@require_GET
def macro_preview(request: HttpRequest, number: int) -> HttpResponse:
    """What the chosen macro would write on this ticket (the card's preview, for htmx)."""
    ticket = ticket_or_404(request, number)
    macro_id = request.GET.get("macro", "")
    preview, lines = None, []
    if macro_id.isdigit():
        macro = _macro_or_404(request, int(macro_id))
        preview = services.macro_render(actor=request.user, ticket=ticket, macro=macro)
        lines = services.describe_changes(preview.changes)
    return render(
        request, "macros/_preview.html", {"preview": preview, "lines": lines, "ticket": ticket}
    )


@staff_required
@require_POST
def macro_apply(request: HttpRequest, number: int) -> HttpResponse:
    """Applies the chosen macro and goes back to the ticket."""
    ticket = ticket_or_404(request, number)
    macro_id = request.POST.get("macro", "")
    if not macro_id.isdigit():
        messages.error(request, _("Choose a macro."))
        return redirect("tickets:detail", number=ticket.number)
    try:
        macro = _macro_or_404(request, int(macro_id))
        services.macro_apply(actor=request.user, ticket=ticket, macro=macro)
    except (ValidationFailed, PermissionDenied, NotFound) as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, _("Macro %(name)s applied.") % {"name": macro.name})
    return redirect("tickets:detail", number=ticket.number)


@staff_required
@require_POST
def ticket_merge_view(request: HttpRequest, number: int) -> HttpResponse:
    """Merges this ticket into the one named; the page of the surviving ticket follows."""
    source = ticket_or_404(request, number)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("into", [])))
        return redirect("tickets:detail", number=source.number)
    try:
        target = ticket_or_404(request, form.cleaned_data["into"])
        ticket_merge(actor=request.user, source=source, target=target)
    except (ValidationFailed, PermissionDenied) as error:
        messages.error(request, _refusal(error))
        return redirect("tickets:detail", number=source.number)
    messages.success(
        request,
        _("#%(source)s was merged into #%(target)s.")
        % {"source": source.number, "target": target.number},
    )
    return redirect("tickets:detail", number=target.number)


# --- notifications -----------------------------------------------------------------------------


@staff_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = selectors.notifications_for(request.user)
    return render(
        request,
        "macros/notification_list.html",
        {
            "notifications": notifications,
            "unread": sum(1 for n in notifications if n.read_at is None),
            "tools_view": "notifications",
        },
    )


@staff_required
@require_GET
def notification_count(request: HttpRequest) -> HttpResponse:
    """The unread count the console navigation loads after the page (so no page pays for it)."""
    count = selectors.unread_notification_count(request.user)
    return HttpResponse(str(count) if count else "", content_type="text/plain; charset=utf-8")


@staff_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Marks a notification read; with `open`, goes to its ticket, else back to the list."""
    notification = selectors.notification_get_for_user(request.user, notification_id)
    notification_read(actor=request.user, notification=notification)
    if "open" in request.POST:
        anchor = f"#message-{notification.message_id}" if notification.message_id else ""
        return redirect(reverse("tickets:detail", args=[notification.ticket_id]) + anchor)
    return redirect("macros:notifications")


@staff_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_read_all(actor=request.user)
    messages.success(request, _("%(count)d notifications marked read.") % {"count": count})
    return redirect("macros:notifications")
