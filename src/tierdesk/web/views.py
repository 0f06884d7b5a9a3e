"""Pages every signed-in person shares: sign-in and out, the home redirect, the language switch
and the account page with API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tierdesk.accounts import selectors as account_selectors
from tierdesk.accounts import services as account_services
from tierdesk.core.errors import NotFound, ValidationFailed
from tierdesk.web.forms import LanguageForm, TokenCreateForm, add_service_errors


class SignInView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """Sign-out is a POST (Django refuses GET), so a link in a mail cannot sign anyone out."""


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Staff land in the console, customers in the portal."""
    if request.user.is_customer:
        return redirect("portal:home")
    return redirect("tickets:list")


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("web:home")


@login_required
@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Saves the signed-in person's interface language and goes back where they were."""
    form = LanguageForm(request.POST)
    target = _safe_next(request, request.POST.get("next") or request.headers.get("referer"))
    if form.is_valid():
        try:
            account_services.user_set_language(
                user=request.user, language=form.cleaned_data["language"]
            )
        except ValidationFailed as error:
            messages.error(request, " ".join(r["reason"] for r in error.as_list()))
    else:
        messages.error(request, _("Choose one of the offered languages."))
    response = HttpResponseRedirect(target)
    if form.is_valid():
        # The cookie keeps the choice on the sign-in page after signing out.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"], samesite="Lax"
        )
    return response


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """Who I am, and my API tokens: create one (its key is shown once) or revoke one."""
    form = TokenCreateForm()
    new_key = None
    if request.method == "POST":
        form = TokenCreateForm(request.POST)
        if form.is_valid():
            try:
                _token, new_key = account_services.token_issue(
                    user=request.user, name=form.cleaned_data["name"]
                )
                form = TokenCreateForm()
            except ValidationFailed as error:
                add_service_errors(form, error)
    tokens = account_selectors.tokens_of(request.user)
    return render(
        request,
        "web/account.html",
        {
            "form": form,
            "tokens": tokens,
            "new_key": new_key,
            "base_template": _base_template(request),
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = account_services.token_revoke(user=request.user, token_id=token_id)
    except NotFound:
        messages.error(request, _("No such token."))
    else:
        messages.success(request, _("Token %(prefix)s… revoked.") % {"prefix": token.prefix})
    return redirect("web:account")


def _base_template(request: HttpRequest) -> str:
    """The account page sits inside the console for staff and inside the portal for customers."""
    return "portal/base.html" if request.user.is_customer else "web/console_base.html"
