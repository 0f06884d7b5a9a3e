"""Console pages of the engineering link: connectors and the delivery log, for administrators."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tierdesk.core.errors import Conflict
from tierdesk.engineering import selectors, services
from tierdesk.engineering.forms import ConnectorForm
from tierdesk.web.decorators import staff_required
from tierdesk.web.forms import run_service

DELIVERY_PAGE = 100


def _webhook_url(request: HttpRequest, connector_id: int) -> str:
    path = reverse("api-v1:engineering_webhook", kwargs={"connector_id": connector_id})
    return request.build_absolute_uri(path)


@staff_required
@require_http_methods(["GET", "POST"])
def connector_list(request: HttpRequest) -> HttpResponse:
    """The connectors, and the form that adds one."""
    connectors = list(selectors.connectors_for(request.user))
    form = ConnectorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = run_service(
            form, lambda: services.connector_create(actor=request.user, fields=form.changes())
        )
        if created is not None:
            messages.success(request, _("Connector %(name)s added.") % {"name": created.name})
            return redirect("engineering:connector", connector_id=created.pk)
    for connector in connectors:
        connector.webhook_url = _webhook_url(request, connector.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "engineering/connector_list.html",
        {"connectors": connectors, "form": form, "tools_view": "engineering"},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def connector_edit(request: HttpRequest, connector_id: int) -> HttpResponse:
    connector = selectors.connector_get(request.user, connector_id)
    form = ConnectorForm(request.POST or None, connector=connector)
    if request.method == "POST":
        if "delete" in request.POST:
            try:
                services.connector_delete(actor=request.user, connector=connector)
            except Conflict as refusal:
                messages.error(request, str(refusal))
                return redirect("engineering:connector", connector_id=connector.pk)
            messages.success(request, _("Connector deleted."))
            return redirect("engineering:connectors")
        if form.is_valid():
            saved = run_service(
                form,
                lambda: services.connector_update(
                    actor=request.user, connector=connector, changes=form.changes()
                ),
            )
            if saved is not None:
                messages.success(request, _("Connector saved."))
                return redirect("engineering:connector", connector_id=connector.pk)
    return render(
        request,
        "engineering/connector_edit.html",
        {
            "connector": connector,
            "form": form,
            "webhook_url": _webhook_url(request, connector.pk),
            "tools_view": "engineering",
        },
    )


@staff_required
def delivery_list(request: HttpRequest) -> HttpResponse:
    """The delivery log, newest first, for one connector with ?connector=."""
    connector_id = request.GET.get("connector", "")
    before = request.GET.get("before", "")
    deliveries = selectors.deliveries_for(
        request.user,
        connector_id=int(connector_id) if connector_id.isdigit() else None,
        before=int(before) if before.isdigit() else None,
        limit=DELIVERY_PAGE,
    )
    return render(
        request,
        "engineering/delivery_list.html",
        {
            "deliveries": deliveries,
            "connectors": selectors.connectors_for(request.user),
            "connector_id": connector_id,
            "older": deliveries[-1].pk if len(deliveries) == DELIVERY_PAGE else None,
            "tools_view": "engineering",
        },
    )


@staff_required
@require_POST
def delivery_retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = selectors.delivery_get(request.user, delivery_id)
    try:
        services.delivery_retry(actor=request.user, delivery=delivery)
    except Conflict as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("A new attempt is queued."))
    return redirect("engineering:deliveries")
