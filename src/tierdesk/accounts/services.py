"""Writes on people and tokens: issuing and revoking API tokens, interface language."""

from __future__ import annotations

import secrets

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Language
from tierdesk.accounts.models import ApiToken, User, hash_token
from tierdesk.core.errors import AuthenticationFailed, NotFound, ValidationFailed

TOKEN_PREFIX = "td_"


def token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Creates a token for `user`; returns it with the raw key, which is shown once and never stored."""
    if not user.is_active:
        raise ValidationFailed(user=_("This account is disabled."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], key_hash=hash_token(raw), prefix=raw[:10]
    )
    return token, raw


def token_issue_for_credentials(
    *, username: str, password: str, name: str = ""
) -> tuple[ApiToken, str]:
    """Checks a username and password and issues a token; a wrong pair raises without saying which part."""
    errors = {}
    if not username:
        errors["username"] = _("This field is required.")
    if not password:
        errors["password"] = _("This field is required.")
    if errors:
        raise ValidationFailed(errors)
    user = authenticate(username=username, password=password)
    if user is None:
        raise AuthenticationFailed(_("Unknown username or wrong password."))
    return token_issue(user=user, name=name or "api")


def token_authenticate(raw: str) -> User | None:
    """The active user a raw bearer token belongs to, or None for an unknown or revoked token."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    # The organization comes along because nearly every customer request scopes by it; the
    # unique key_hash makes an ORDER BY pointless, so the lookup is a plain get.
    try:
        token = (
            ApiToken.objects.active()
            .select_related("user__organization")
            .get(key_hash=hash_token(raw))
        )
    except ApiToken.DoesNotExist:
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    # Touch last_used_at at most once a minute: a write per API call would serialise reads on SQLite.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revokes one of `user`'s tokens (administrators may revoke anyone's)."""
    tokens = ApiToken.objects.select_for_update()
    if not user.is_superuser and user.role != "admin":
        tokens = tokens.filter(user=user)
    token = tokens.filter(pk=token_id).first()
    if token is None:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def user_set_language(*, user: User, language: str) -> User:
    """Sets the interface language a person sees on every page."""
    if language not in Language.values:
        raise ValidationFailed(
            language=_("Choose one of: %(choices)s.") % {"choices": ", ".join(Language.values)}
        )
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user
