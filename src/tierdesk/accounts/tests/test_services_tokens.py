"""API tokens: shown once, stored hashed, revocable; interface language."""

import pytest

from conftest import PASSWORD
from tierdesk.accounts.models import ApiToken, hash_token
from tierdesk.accounts.services import (
    token_authenticate,
    token_issue,
    token_issue_for_credentials,
    token_revoke,
    user_set_language,
)
from tierdesk.core.errors import AuthenticationFailed, NotFound, ValidationFailed


def test_token_is_stored_only_as_its_hash(agent):
    token, raw = token_issue(user=agent, name="laptop")

    stored = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith("td_")
    assert stored.key_hash == hash_token(raw)
    assert raw not in {stored.key_hash, stored.prefix, stored.name}
    assert token_authenticate(raw) == agent


def test_credentials_issue_a_token_and_wrong_ones_do_not(agent):
    _, raw = token_issue_for_credentials(username="agent", password=PASSWORD)
    assert token_authenticate(raw) == agent

    with pytest.raises(AuthenticationFailed):
        token_issue_for_credentials(username="agent", password="wrong")
    with pytest.raises(ValidationFailed) as refused:
        token_issue_for_credentials(username="", password="")
    assert set(refused.value.errors) == {"username", "password"}


def test_revoked_token_no_longer_authenticates(agent):
    token, raw = token_issue(user=agent)

    token_revoke(user=agent, token_id=token.pk)

    assert token_authenticate(raw) is None


def test_nobody_revokes_someone_elses_token(agent, backline, admin_user):
    token, raw = token_issue(user=agent)

    with pytest.raises(NotFound):
        token_revoke(user=backline, token_id=token.pk)
    assert token_authenticate(raw) == agent
    token_revoke(user=admin_user, token_id=token.pk)
    assert token_authenticate(raw) is None


def test_token_of_disabled_person_does_not_authenticate(agent):
    _, raw = token_issue(user=agent)
    agent.is_active = False
    agent.save()

    assert token_authenticate(raw) is None
    assert token_authenticate("td_made_up") is None
    assert token_authenticate("") is None


def test_interface_language_accepts_the_three_shipped_languages(alice):
    user_set_language(user=alice, language="ru")
    alice.refresh_from_db()
    assert alice.language == "ru"

    with pytest.raises(ValidationFailed) as refused:
        user_set_language(user=alice, language="de")
    assert "language" in refused.value.errors
