"""Fixtures shared by every app's tests: an owner / teammate / outsider set for each access rule."""

from __future__ import annotations

import pytest

from tierdesk.accounts.choices import Plan, Region, Role, Tier
from tierdesk.accounts.models import Organization, SkillGroup, User

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness would dominate a suite that creates hundreds of people.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Each test starts with no compiled rule or policy book and no loaded triage model: a test's rolled
    back rows (on SQLite, their ids are reused) must not answer for the next test's."""
    from tierdesk.routing import services as routing_services
    from tierdesk.sla.book import forget_book
    from tierdesk.triage import services as triage_services

    routing_services._cached = None
    triage_services._active.forget()
    forget_book()
    yield
    routing_services._cached = None
    triage_services._active.forget()
    forget_book()


@pytest.fixture(autouse=True)
def _english_unless_a_test_says_otherwise():
    """Each test starts in the default language: a test (or a request it makes) that activates
    Japanese or Russian must not turn the next test's messages into them."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def make_person(
    username: str,
    *,
    role: str = Role.CUSTOMER,
    organization: Organization | None = None,
    tier: int | None = None,
    language: str = "en",
    **extra,
) -> User:
    person = User(
        username=username,
        email=f"{username}@example.test",
        role=role,
        organization=organization,
        tier=tier,
        language=language,
        first_name=username.capitalize(),
        **extra,
    )
    person.set_password(PASSWORD)
    person.save()
    return person


@pytest.fixture
def acme(db) -> Organization:
    return Organization.objects.create(
        name="Acme Analytics",
        email_domains=["acme.test"],
        plan=Plan.ENTERPRISE,
        region=Region.AMERICAS,
    )


@pytest.fixture
def globex(db) -> Organization:
    return Organization.objects.create(
        name="Globex KK", email_domains=["globex.test"], plan=Plan.STANDARD, region=Region.JAPAN
    )


@pytest.fixture
def alice(acme) -> User:
    """A customer contact: the owner of the tickets in most tests."""
    return make_person("alice", organization=acme)


@pytest.fixture
def carol(acme) -> User:
    """Alice's colleague at the same organization."""
    return make_person("carol", organization=acme)


@pytest.fixture
def oscar(globex) -> User:
    """A customer of another organization: the outsider."""
    return make_person("oscar", organization=globex, language="ja")


@pytest.fixture
def group(db) -> SkillGroup:
    return SkillGroup.objects.create(name="Query engine", product_area="query_engine")


@pytest.fixture
def agent(db) -> User:
    return make_person("agent", role=Role.AGENT, tier=Tier.FRONT_LINE)


@pytest.fixture
def backline(db) -> User:
    return make_person("backline", role=Role.AGENT, tier=Tier.BACK_LINE)


@pytest.fixture
def reviewer(db) -> User:
    return make_person("reviewer", role=Role.REVIEWER)


@pytest.fixture
def manager(db) -> User:
    return make_person("manager", role=Role.MANAGER)


@pytest.fixture
def admin_user(db) -> User:
    return make_person("root", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def ticket(alice):
    from tierdesk.tickets.services import ticket_open

    return ticket_open(
        actor=alice,
        subject="Query times out after upgrade",
        body="ERR_QUERY_TIMEOUT on every dashboard since 4.2",
        product_area="query_engine",
    )


def ensure_sla_defaults() -> None:
    """Puts back the calendars and policies a new desk starts with when they are missing: a
    transactional test flushes what the data migration wrote for the tests after it."""
    import importlib

    from django.apps import apps

    from tierdesk.sla.book import forget_book
    from tierdesk.sla.models import SlaPolicy

    if not SlaPolicy.objects.exists():
        migration = importlib.import_module(
            "tierdesk.sla.migrations.0002_default_calendars_policies"
        )
        migration.create_defaults(apps, None)
        forget_book()


@pytest.fixture(autouse=True)
def _sla_defaults_present(request):
    """Every test with the database finds the default SLA setup, whatever ran before it."""
    uses_db = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames for name in ("db", "transactional_db", "live_server")
    )
    if uses_db:
        request.getfixturevalue("transactional_db" if _transactional(request) else "db")
        ensure_sla_defaults()


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    ):
        return True
    return any(name in request.fixturenames for name in ("transactional_db", "live_server"))


@pytest.fixture
def sla_defaults(db) -> None:
    """The default SLA setup, for a test that names it to say it relies on it."""
    ensure_sla_defaults()
