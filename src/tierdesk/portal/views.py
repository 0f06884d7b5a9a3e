"""The customer portal: my organization's requests, a new request, reading and answering one,
marking it solved or reopening it. Customers only; staff are sent to the console."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tierdesk.core.errors import NotFound, ValidationFailed
from tierdesk.portal.forms import NewRequestForm, PortalReplyForm
from tierdesk.portal.submissions import fingerprint, run_once
from tierdesk.suggestions.services import draft_submitted, parse_draft_id
from tierdesk.tickets import downloads, selectors, services
from tierdesk.tickets.choices import UNSOLVED_STATUSES, Channel, Status
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.selectors import TicketFilters
from tierdesk.web.decorators import customer_required, ticket_or_404
from tierdesk.web.forms import add_service_errors, new_attachments
from tierdesk.web.timeline import build_timeline

PAGE_SIZE = 25
SHOW_STATUSES = {
    "open": sorted(UNSOLVED_STATUSES),
    "solved": [Status.SOLVED, Status.CLOSED],
    "all": None,
}


def _request_or_404(request: HttpRequest, number: int) -> Ticket:
    return ticket_or_404(request, number, _("No such request."))


@customer_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """My organization's requests, open ones first by default."""
    show = request.GET.get("show", "open")
    if show not in SHOW_STATUSES:
        show = "open"
    filters = TicketFilters(
        status=SHOW_STATUSES[show], q=(request.GET.get("q") or "").strip() or None
    )
    try:
        page = selectors.ticket_list(
            request.user, filters, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE
        )
    except ValidationFailed:
        page = selectors.ticket_list(request.user, filters, limit=PAGE_SIZE)
    return render(
        request, "portal/ticket_list.html", {"page": page, "show": show, "q": filters.q or ""}
    )


@customer_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    """A new request. Posting the same form twice opens one ticket (portal.submissions); a form
    that comes back with errors keeps what was typed and names the files to choose again."""
    # Back from a suggested article, the form keeps recording against the same draft.
    draft = parse_draft_id(request.GET.get("draft"))
    form = NewRequestForm(initial={"draft": str(draft)} if draft else None)
    if request.method == "POST":
        form = NewRequestForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data

            def open_request() -> dict[str, int]:
                ticket = services.ticket_open(
                    actor=request.user,
                    subject=data["subject"],
                    body=data["description"],
                    product_area=data["product_area"],
                    priority=data["priority"],
                    channel=Channel.PORTAL,
                    attachments=new_attachments(data["attachments"]),
                )
                draft_submitted(person=request.user, draft_id=data.get("draft"), ticket=ticket)
                return {"ticket": ticket.number}

            content = {k: data[k] for k in ("subject", "description", "product_area", "priority")}
            try:
                outcome, repeated = run_once(
                    request.user,
                    form.submission_key(),
                    fingerprint("new", content, data["attachments"]),
                    open_request,
                )
            except ValidationFailed as error:
                add_service_errors(form, error, rename={"body": "description"})
            else:
                number = outcome["ticket"]
                if repeated:
                    messages.info(
                        request, _("Request #%(number)s was already received.") % {"number": number}
                    )
                else:
                    messages.success(
                        request,
                        _("Request #%(number)s received. We will answer here and by email.")
                        % {"number": number},
                    )
                return redirect("portal:ticket", number=number)
        form.files_to_choose_again(request.FILES.getlist("attachments"))
    return render(request, "portal/ticket_new.html", {"form": form})


def _render_ticket(
    request: HttpRequest, ticket: Ticket, reply_form: PortalReplyForm | None = None
) -> HttpResponse:
    timeline = build_timeline(
        selectors.ticket_messages(request.user, ticket),
        selectors.ticket_events(request.user, ticket),
    )
    context = {
        "ticket": ticket,
        "timeline": timeline,
        "reply_form": reply_form or PortalReplyForm(closed=ticket.status == Status.CLOSED),
        "can_solve": ticket.status in UNSOLVED_STATUSES,
        "can_reopen": ticket.status == Status.SOLVED and not services.reopen_window_passed(ticket),
        "is_closed": ticket.status == Status.CLOSED,
    }
    return render(request, "portal/ticket_detail.html", context)


@customer_required
@require_GET
def ticket_detail(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _request_or_404(request, number)
    services.restricted_ticket_read_record(actor=request.user, ticket=ticket)
    return _render_ticket(request, ticket)


@customer_required
@require_POST
def ticket_reply(request: HttpRequest, number: int) -> HttpResponse:
    """A reply; to a request closed since the page was loaded (autoclose runs every quarter of an
    hour), the message opens a follow-up request instead, so nothing the customer wrote is lost.
    Posting the same reply twice sends it once (portal.submissions)."""
    ticket = _request_or_404(request, number)
    closed = ticket.status == Status.CLOSED
    form = PortalReplyForm(request.POST, request.FILES, closed=closed)
    if form.is_valid():
        body = form.cleaned_data["body"]
        files = form.cleaned_data["attachments"]

        def send() -> dict[str, int]:
            if closed:
                follow_up = services.ticket_open_follow_up(
                    actor=request.user, ticket=ticket, body=body, attachments=new_attachments(files)
                )
                return {"ticket": follow_up.number}
            message = services.ticket_reply(
                actor=request.user, ticket=ticket, body=body, attachments=new_attachments(files)
            )
            # Past the reopen window the reply opened a follow-up: the message is its own.
            return {"ticket": message.ticket_id}

        try:
            outcome, repeated = run_once(
                request.user,
                form.submission_key(),
                fingerprint(f"reply:{ticket.number}", {"body": body}, files),
                send,
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            landed = outcome["ticket"]
            if repeated:
                messages.info(request, _("This message was already sent."))
            elif landed == ticket.number:
                messages.success(request, _("Reply sent."))
            else:
                messages.success(
                    request,
                    _(
                        "Request #%(number)s was closed, so your message opened follow-up #%(follow_up)s."
                    )
                    % {"number": ticket.number, "follow_up": landed},
                )
            return redirect("portal:ticket", number=landed)
    form.files_to_choose_again(request.FILES.getlist("attachments"))
    return _render_ticket(request, ticket, reply_form=form)


@customer_required
@require_POST
def ticket_status(request: HttpRequest, number: int) -> HttpResponse:
    """ "Mark as solved" and "reopen": the two status moves a requester makes."""
    ticket = _request_or_404(request, number)
    status = request.POST.get("status", "")
    try:
        services.ticket_update(actor=request.user, ticket=ticket, changes={"status": status})
    except ValidationFailed as error:
        messages.error(request, " ".join(item["reason"] for item in error.as_list()))
    else:
        messages.success(
            request, _("Marked as solved.") if status == Status.SOLVED else _("Request reopened.")
        )
    return redirect("portal:ticket", number=ticket.number)


@customer_required
@require_GET
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    """A file from one of my organization's requests; files on internal notes do not exist here."""
    try:
        return downloads.attachment_download(request.user, attachment_id)
    except NotFound:
        raise Http404(_("No such attachment.")) from None
