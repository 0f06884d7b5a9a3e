"""The agent console: the ticket list, the ticket page with its timeline, reply, note, follow-up,
the properties panel, "take it", restricting and sharing, and attachment downloads. Staff only;
customers go to the portal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tierdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tierdesk.queues.services import queue_claim
from tierdesk.tickets import downloads, selectors, services
from tierdesk.tickets.choices import Status
from tierdesk.tickets.forms import (
    FollowUpForm,
    NoteForm,
    ReplyForm,
    ShareForm,
    TicketFilterForm,
    TicketPropertiesForm,
)
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.panels import ticket_panels
from tierdesk.web.decorators import staff_required, ticket_or_404
from tierdesk.web.forms import add_service_errors, new_attachments, run_service
from tierdesk.web.timeline import build_timeline

PAGE_SIZE = 50

# The console's quick views and the filters that define them, for the nav's highlight.
QUICK_VIEWS = {
    "mine": {"assignee": "me", "status": "unsolved"},
    "unassigned": {"assignee": "none", "status": "unsolved"},
    "unsolved": {"status": "unsolved"},
    "all": {},
}
QUICK_VIEW_TITLES = {
    "mine": gettext_lazy("My tickets"),
    "unassigned": gettext_lazy("Unassigned"),
    "unsolved": gettext_lazy("All unsolved"),
    "all": gettext_lazy("All tickets"),
}


def _list_query(request: HttpRequest) -> str:
    """The list's filters as a query string, carried to the ticket page for next/previous."""
    query = request.GET.copy()
    query.pop("cursor", None)
    return query.urlencode()


def _wants_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


# --- list ------------------------------------------------------------------------------------


@staff_required
@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    """The ticket table; an htmx request (a filter changed, "older") gets the table alone."""
    form = TicketFilterForm(request.GET or None, user=request.user)
    form.is_valid()
    filters = form.filters()
    cursor_error = False
    try:
        page = selectors.ticket_list(
            request.user, filters, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE
        )
    except ValidationFailed:
        cursor_error = True
        page = selectors.ticket_list(request.user, filters, limit=PAGE_SIZE)
    given = {k: v for k, v in request.GET.items() if v and k != "cursor"}
    quick_view = next((name for name, view in QUICK_VIEWS.items() if view == given), None)
    context = {
        "form": form,
        "page": page,
        "list_query": _list_query(request),
        "cursor_error": cursor_error,
        "is_first_page": not request.GET.get("cursor") or cursor_error,
        "quick_view": quick_view,
        "heading": QUICK_VIEW_TITLES.get(quick_view or "", _("Tickets")),
        "search_in_page": True,
    }
    template = (
        "tickets/_ticket_table.html" if _wants_partial(request) else "tickets/ticket_list.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- ticket page -----------------------------------------------------------------------------


def _timeline_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    entries = build_timeline(
        selectors.ticket_messages(request.user, ticket),
        selectors.ticket_events(request.user, ticket),
    )
    return {"ticket": ticket, "timeline": entries}


def _render_ticket(
    request: HttpRequest,
    ticket: Ticket,
    *,
    reply_form: ReplyForm | None = None,
    note_form: NoteForm | None = None,
    follow_up_form: FollowUpForm | None = None,
    properties_form: TicketPropertiesForm | None = None,
    tab: str = "reply",
) -> HttpResponse:
    filters = selectors.TicketFilters()
    if request.GET:
        # Only a page reached from a filtered list pays for the filter form's choice lists.
        filter_form = TicketFilterForm(request.GET, user=request.user)
        filter_form.is_valid()
        filters = filter_form.filters()
    newer, older = selectors.ticket_neighbours(request.user, ticket, filters)
    speaks = request.user.can_reply_publicly
    closed = ticket.status == Status.CLOSED
    # A refused message stays on screen with its text and reason, even where the form would not
    # be offered (a ticket closed since the page was loaded, a reviewer's stale page).
    can_reply = (speaks and not closed) or (reply_form is not None and reply_form.is_bound)
    can_follow_up = (speaks and closed) or (follow_up_form is not None and follow_up_form.is_bound)
    tabs = [name for name, shown in [("reply", can_reply), ("follow_up", can_follow_up)] if shown]
    readers = list(selectors.ticket_readers(request.user, ticket))
    context = {
        **_timeline_context(request, ticket),
        **_panel_context(request, ticket),
        "reply_form": reply_form or ReplyForm(ticket=ticket),
        "note_form": note_form or NoteForm(),
        "follow_up_form": follow_up_form or FollowUpForm(),
        "properties_form": properties_form or TicketPropertiesForm(ticket=ticket),
        "share_form": ShareForm(readers=readers) if ticket.restricted else None,
        "readers": readers,
        "can_reply": can_reply,
        "can_follow_up": can_follow_up,
        "tab": tab if tab in tabs or tab == "note" else (tabs or ["note"])[0],
        "newer": newer,
        "older": older,
        "panels": ticket_panels(request, ticket),
        "list_query": _list_query(request),
    }
    return render(request, "tickets/ticket_detail.html", context)


def _panel_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """What the side panel may offer: quality reviewers read the properties but change nothing."""
    can_change = request.user.can_reply_publicly
    return {
        "can_change": can_change,
        # A ticket someone holds changes hands through its assignee, not by taking it.
        "can_claim": can_change and ticket.assignee_id is None and ticket.status != Status.CLOSED,
    }


def _back_to_ticket(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    url = reverse("tickets:detail", args=[ticket.number])
    query = _list_query(request)
    return redirect(f"{url}?{query}" if query else url)


def _refusal(error: ValidationFailed | PermissionDenied | Conflict) -> str:
    if isinstance(error, ValidationFailed):
        return " ".join(item["reason"] for item in error.as_list())
    return str(error)


@staff_required
@require_GET
def ticket_detail(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_or_404(request, number)
    services.restricted_ticket_read_record(actor=request.user, ticket=ticket)
    return _render_ticket(request, ticket)


@staff_required
@require_POST
def ticket_reply(request: HttpRequest, number: int) -> HttpResponse:
    """A public reply, optionally setting the status ("submit as pending")."""
    ticket = ticket_or_404(request, number)
    form = ReplyForm(request.POST, request.FILES, ticket=ticket)
    if form.is_valid() and run_service(
        form,
        lambda: services.ticket_reply(
            actor=request.user,
            ticket=ticket,
            body=form.cleaned_data["body"],
            status=form.cleaned_data["status"] or None,
            attachments=new_attachments(form.cleaned_data["attachments"]),
        ),
    ):
        messages.success(request, _("Reply sent."))
        return _back_to_ticket(request, ticket)
    # Closed since the page was loaded: the same text is ready to go out as a follow-up.
    follow_up_form = (
        FollowUpForm(initial={"body": request.POST.get("body", "")})
        if ticket.status == Status.CLOSED
        else None
    )
    return _render_ticket(
        request, ticket, reply_form=form, follow_up_form=follow_up_form, tab="reply"
    )


@staff_required
@require_POST
def ticket_follow_up(request: HttpRequest, number: int) -> HttpResponse:
    """A message for a closed ticket: opens a new ticket for the same requester, linked to it."""
    ticket = ticket_or_404(request, number)
    form = FollowUpForm(request.POST, request.FILES)
    follow_up = form.is_valid() and run_service(
        form,
        lambda: services.ticket_open_follow_up(
            actor=request.user,
            ticket=ticket,
            body=form.cleaned_data["body"],
            attachments=new_attachments(form.cleaned_data["attachments"]),
        ),
    )
    if follow_up:
        messages.success(
            request,
            _("Follow-up #%(follow_up)s opened for #%(number)s.")
            % {"follow_up": follow_up.number, "number": ticket.number},
        )
        return redirect("tickets:detail", number=follow_up.number)
    return _render_ticket(request, ticket, follow_up_form=form, tab="follow_up")


@staff_required
@require_POST
def ticket_note(request: HttpRequest, number: int) -> HttpResponse:
    """An internal note: staff only, never shown to the customer."""
    ticket = ticket_or_404(request, number)
    form = NoteForm(request.POST, request.FILES)
    if form.is_valid() and run_service(
        form,
        lambda: services.ticket_add_note(
            actor=request.user,
            ticket=ticket,
            body=form.cleaned_data["body"],
            attachments=new_attachments(form.cleaned_data["attachments"]),
        ),
    ):
        messages.success(request, _("Note added."))
        return _back_to_ticket(request, ticket)
    return _render_ticket(request, ticket, note_form=form, tab="note")


@staff_required
@require_POST
def ticket_properties(request: HttpRequest, number: int) -> HttpResponse:
    """The side panel's changes: only the fields the person changed are written. htmx gets the
    panel back (with the header badge and timeline swapped out of band); a plain post the page.
    A quality reviewer, who may not change properties, gets the 403 page."""
    ticket = ticket_or_404(request, number)
    form = TicketPropertiesForm(request.POST, ticket=ticket)
    saved = False
    if form.is_valid():
        changes = form.changes()
        try:
            if changes:
                services.ticket_update(actor=request.user, ticket=ticket, changes=changes)
                ticket = ticket_or_404(request, number)
            saved = True
        except ValidationFailed as error:
            add_service_errors(form, error)
    if saved:
        form = TicketPropertiesForm(ticket=ticket)
    else:
        form.show_ticket_as_it_is()
    if _wants_partial(request):
        context = {
            **_timeline_context(request, ticket),
            **_panel_context(request, ticket),
            "properties_form": form,
            "saved": saved,
            "oob": True,
        }
        return render(request, "tickets/_properties.html", context)
    if saved:
        messages.success(request, _("Ticket updated."))
        return _back_to_ticket(request, ticket)
    return _render_ticket(request, ticket, properties_form=form)


@staff_required
@require_POST
def ticket_claim(request: HttpRequest, number: int) -> HttpResponse:
    """ "Take it": the ticket becomes the acting agent's, by the queue's rule (its group's
    members, managers and administrators)."""
    ticket = ticket_or_404(request, number)
    try:
        queue_claim(actor=request.user, ticket=ticket)
    except (ValidationFailed, PermissionDenied, Conflict) as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, _("The ticket is yours."))
    return _back_to_ticket(request, ticket)


@staff_required
@require_POST
def ticket_restrict(request: HttpRequest, number: int) -> HttpResponse:
    """Restricts the ticket to named staff (the person restricting it and its assignee, to
    begin with), or lifts the restriction."""
    ticket = ticket_or_404(request, number)
    restricted = request.POST.get("restricted") == "true"
    try:
        services.ticket_update(
            actor=request.user, ticket=ticket, changes={"restricted": restricted}
        )
    except (ValidationFailed, PermissionDenied) as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(
            request,
            _("Only the people named can read this ticket now.")
            if restricted
            else _("Every member of staff can read this ticket now."),
        )
    return _back_to_ticket(request, ticket)


@staff_required
@require_POST
def ticket_share(request: HttpRequest, number: int) -> HttpResponse:
    """Gives one more member of staff access to a restricted ticket."""
    ticket = ticket_or_404(request, number)
    form = ShareForm(request.POST, readers=selectors.ticket_readers(request.user, ticket))
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("person", [])))
        return _back_to_ticket(request, ticket)
    person = form.cleaned_data["person"]
    try:
        services.ticket_share_restricted(actor=request.user, ticket=ticket, people=[person])
    except (ValidationFailed, PermissionDenied) as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(
            request, _("%(name)s can now read this ticket.") % {"name": person.display_name}
        )
    return _back_to_ticket(request, ticket)


@staff_required
@require_GET
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    """A file from a ticket the agent may read, always as a download (never rendered inline,
    so an uploaded HTML file cannot run in the console's origin)."""
    try:
        return downloads.attachment_download(request.user, attachment_id)
    except NotFound:
        raise Http404(_("No such attachment.")) from None
