"""Connector settings the services refuse: a webhook without a signing secret, a second default,
a group that is not tier 3, two active connectors serving one group."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from tierdesk.accounts.models import SkillGroup
from tierdesk.core.errors import ValidationFailed
from tierdesk.engineering.models import Connector
from tierdesk.engineering.services import connector_create, connector_update
from tierdesk.engineering.tests.conftest import make_tier3_group

pytestmark = pytest.mark.django_db

HOOK = {"name": "Hook", "kind": "webhook", "url": "https://hooks.example/in", "signing_secret": "s"}


def refused_fields(action) -> set[str]:
    with pytest.raises(ValidationFailed) as refusal:
        action()
    return set(refusal.value.errors)


def test_a_webhook_without_a_signing_secret_is_refused(admin_user):
    fields = {**HOOK, "signing_secret": ""}

    assert refused_fields(lambda: connector_create(actor=admin_user, fields=fields)) == {
        "signing_secret"
    }
    assert not Connector.objects.exists()


def test_clearing_a_webhooks_signing_secret_is_refused(admin_user):
    connector = connector_create(actor=admin_user, fields=HOOK)

    refused = refused_fields(
        lambda: connector_update(
            actor=admin_user, connector=connector, changes={"signing_secret": ""}
        )
    )

    assert refused == {"signing_secret"}
    connector.refresh_from_db()
    assert connector.signing_secret == "s"


def test_jira_and_github_need_no_signing_secret(admin_user):
    connector = connector_create(
        actor=admin_user,
        fields={"name": "Repo", "kind": "github", "project": "acme/engine", "token": "t"},
    )

    assert connector.signing_secret == ""


def test_only_one_connector_is_the_default(admin_user):
    first = connector_create(actor=admin_user, fields={**HOOK, "is_default": True})
    second = connector_create(actor=admin_user, fields={**HOOK, "name": "Other"})

    refused = refused_fields(
        lambda: connector_update(actor=admin_user, connector=second, changes={"is_default": True})
    )

    assert refused == {"is_default"}
    second.refresh_from_db()
    assert (first.is_default, second.is_default) == (True, False)
    # Once the first is no longer the default, the second may be.
    connector_update(actor=admin_user, connector=first, changes={"is_default": False})
    connector_update(actor=admin_user, connector=second, changes={"is_default": True})
    assert list(Connector.objects.filter(is_default=True)) == [second]


def test_the_database_keeps_a_single_default_too(db):
    Connector.objects.create(name="One", kind="webhook", is_default=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        Connector.objects.create(name="Two", kind="webhook", is_default=True)


def test_groups_are_set_by_id_or_name_and_kept_when_left_out(admin_user):
    engine, platform = make_tier3_group("Query engine"), make_tier3_group("Platform")

    connector = connector_create(
        actor=admin_user, fields={**HOOK, "groups": [engine.pk, "Platform"]}
    )
    assert set(connector.groups.all()) == {engine, platform}

    connector_update(actor=admin_user, connector=connector, changes={"active": False})
    assert set(connector.groups.all()) == {engine, platform}

    connector_update(actor=admin_user, connector=connector, changes={"groups": ["Platform"]})
    assert list(connector.groups.all()) == [platform]


def test_only_tier_3_groups_are_served(admin_user, group):
    assert group.tier != 3

    refused = refused_fields(
        lambda: connector_create(actor=admin_user, fields={**HOOK, "groups": [group.pk]})
    )

    assert refused == {"groups"}


def test_an_unknown_group_is_refused(admin_user):
    assert refused_fields(
        lambda: connector_create(actor=admin_user, fields={**HOOK, "groups": ["Nobody"]})
    ) == {"groups"}


def test_two_active_connectors_may_not_serve_one_group(admin_user):
    engine = make_tier3_group("Query engine")
    connector_create(actor=admin_user, fields={**HOOK, "groups": [engine.pk]})

    with pytest.raises(ValidationFailed) as refusal:
        connector_create(actor=admin_user, fields={**HOOK, "name": "Other", "groups": [engine.pk]})

    assert refusal.value.errors["groups"] == ["Hook already serves Query engine."]


def test_an_inactive_connector_may_wait_with_the_same_group_but_not_be_activated(admin_user):
    engine = make_tier3_group("Query engine")
    connector_create(actor=admin_user, fields={**HOOK, "groups": [engine.pk]})
    spare = connector_create(
        actor=admin_user,
        fields={**HOOK, "name": "Spare", "active": False, "groups": [engine.pk]},
    )

    refused = refused_fields(
        lambda: connector_update(actor=admin_user, connector=spare, changes={"active": True})
    )

    assert refused == {"groups"}
    spare.refresh_from_db()
    assert spare.active is False


def test_a_group_moved_to_another_tier_is_not_offered_again(admin_user):
    engine = make_tier3_group("Query engine")
    connector = connector_create(actor=admin_user, fields={**HOOK, "groups": [engine.pk]})
    SkillGroup.objects.filter(pk=engine.pk).update(tier=2)

    refused = refused_fields(
        lambda: connector_update(
            actor=admin_user, connector=connector, changes={"groups": [engine.pk]}
        )
    )

    assert refused == {"groups"}
