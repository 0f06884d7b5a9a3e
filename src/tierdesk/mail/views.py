"""Console pages of inbound mail: the list of what arrived and what became of it (quarantined,
held and ignored mail with the reason), a message's headers and raw bytes, reprocessing and
accepting; and the support addresses. Staff read; managers and administrators act;
administrators manage addresses and upload messages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tierdesk.core.errors import Conflict, ValidationFailed
from tierdesk.mail import intake, selectors
from tierdesk.mail.choices import InboundStatus
from tierdesk.mail.forms import SupportAddressForm, UploadForm
from tierdesk.mail.models import InboundMail
from tierdesk.web.decorators import staff_required
from tierdesk.web.forms import run_service

PAGE = 100


def _status_tabs(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    labels = {
        selectors.ATTENTION: _("Needs attention"),
        InboundStatus.QUARANTINED: _("Quarantined"),
        InboundStatus.HELD: _("Held for review"),
        InboundStatus.IGNORED: _("Ignored"),
        InboundStatus.PROCESSED: _("Processed"),
        InboundStatus.RECEIVED: _("Waiting"),
        selectors.ALL: _("All"),
    }
    return [(key, label, counts.get(key, 0)) for key, label in labels.items()]


@staff_required
def inbound_list(request: HttpRequest) -> HttpResponse:
    """Inbound mail in one status (?status=), newest first, 100 a page (?before=)."""
    status = request.GET.get("status") or selectors.ATTENTION
    if status not in selectors.STATUS_FILTERS:
        status = selectors.ATTENTION
    before = request.GET.get("before", "")
    rows = selectors.inbound_list(
        request.user,
        status=status,
        before=int(before) if before.isdigit() and len(before) < 19 else None,
        limit=PAGE,
    )
    template = "mail/_inbound_rows.html" if request.htmx else "mail/inbound_list.html"
    return render(
        request,
        template,
        {
            "rows": rows,
            "status": status,
            "tabs": _status_tabs(selectors.inbound_counts(request.user)),
            "older": rows[-1].pk if len(rows) == PAGE else None,
            "can_manage": intake.can_manage_mail(request.user),
            "can_configure": intake.can_configure_mail(request.user),
            "upload_form": UploadForm(),
            "tools_view": "mail",
        },
    )


@staff_required
def inbound_detail(request: HttpRequest, inbound_id: int) -> HttpResponse:
    inbound = selectors.inbound_get(request.user, inbound_id)
    return render(
        request,
        "mail/inbound_detail.html",
        {
            "inbound": inbound,
            "headers": selectors.inbound_headers(inbound),
            "can_manage": intake.can_manage_mail(request.user),
            "can_accept": inbound.status in {InboundStatus.HELD, InboundStatus.IGNORED},
            "can_reprocess": inbound.status != InboundStatus.PROCESSED
            and inbound.reason_code != "oversize",
            "tools_view": "mail",
        },
    )


@staff_required
def inbound_raw(request: HttpRequest, inbound_id: int) -> HttpResponse:
    """The message exactly as received, as a .eml download."""
    inbound = selectors.inbound_get(request.user, inbound_id)
    response = HttpResponse(bytes(inbound.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="inbound-{inbound.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _outcome(request: HttpRequest, inbound: InboundMail) -> None:
    if inbound.status == InboundStatus.PROCESSED and inbound.ticket_id:
        messages.success(
            request,
            _("The message was added to ticket #%(number)s.") % {"number": inbound.ticket_id},
        )
    else:
        messages.warning(
            request,
            _("The message is %(status)s: %(reason)s")
            % {
                "status": inbound.get_status_display(),
                "reason": inbound.get_reason_code_display() or inbound.reason,
            },
        )


@staff_required
@require_POST
def inbound_reprocess(request: HttpRequest, inbound_id: int) -> HttpResponse:
    inbound = selectors.inbound_get(request.user, inbound_id)
    try:
        _outcome(request, intake.inbound_reprocess(actor=request.user, inbound=inbound))
    except Conflict as refusal:
        messages.error(request, str(refusal))
    return redirect("mail:inbound_detail", inbound_id=inbound.pk)


@staff_required
@require_POST
def inbound_accept(request: HttpRequest, inbound_id: int) -> HttpResponse:
    inbound = selectors.inbound_get(request.user, inbound_id)
    try:
        _outcome(request, intake.inbound_accept(actor=request.user, inbound=inbound))
    except Conflict as refusal:
        messages.error(request, str(refusal))
    return redirect("mail:inbound_detail", inbound_id=inbound.pk)


@staff_required
@require_POST
def inbound_upload(request: HttpRequest) -> HttpResponse:
    if not intake.can_configure_mail(request.user):
        raise PageForbidden(_("Only administrators upload mail."))
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("mail:inbound")
    try:
        stored = intake.inbound_upload(actor=request.user, raw=form.cleaned_data["file"].read())
    except ValidationFailed as refusal:
        messages.error(request, str(refusal))
        return redirect("mail:inbound")
    messages.success(request, _("Message stored; it is processed in a moment."))
    return redirect("mail:inbound_detail", inbound_id=stored.pk)


# --- support addresses -------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def address_list(request: HttpRequest) -> HttpResponse:
    """The support addresses, and (for administrators) the form that adds one."""
    can_configure = intake.can_configure_mail(request.user)
    form = SupportAddressForm(request.POST or None)
    if request.method == "POST":
        if not can_configure:
            raise PageForbidden(_("Only administrators manage support addresses."))
        if form.is_valid():
            created = run_service(
                form,
                lambda: intake.support_address_create(actor=request.user, fields=form.changes()),
            )
            if created is not None:
                messages.success(request, _("%(address)s added.") % {"address": created.address})
                return redirect("mail:addresses")
    return render(
        request,
        "mail/address_list.html",
        {
            "addresses": selectors.support_address_list(request.user),
            "form": form,
            "can_configure": can_configure,
            "tools_view": "mail_addresses",
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def address_edit(request: HttpRequest, address_id: int) -> HttpResponse:
    address = selectors.support_address_get(request.user, address_id)
    if not intake.can_configure_mail(request.user):
        raise PageForbidden(_("Only administrators manage support addresses."))
    form = SupportAddressForm(request.POST or None, address=address)
    if request.method == "POST":
        if "delete" in request.POST:
            try:
                intake.support_address_delete(actor=request.user, address=address)
            except Conflict as refusal:
                messages.error(request, str(refusal))
                return redirect("mail:address", address_id=address.pk)
            messages.success(request, _("%(address)s deleted.") % {"address": address.address})
            return redirect("mail:addresses")
        if form.is_valid():
            saved = run_service(
                form,
                lambda: intake.support_address_update(
                    actor=request.user, address=address, changes=form.changes()
                ),
            )
            if saved is not None:
                messages.success(request, _("%(address)s saved.") % {"address": saved.address})
                return redirect("mail:addresses")
    return render(
        request,
        "mail/address_edit.html",
        {"address": address, "form": form, "tools_view": "mail_addresses"},
    )
