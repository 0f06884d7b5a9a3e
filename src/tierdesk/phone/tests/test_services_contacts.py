"""Contacts' numbers: stored normalised on save, caught up after writes that skip signals, and
backfilled by the migration."""

from __future__ import annotations

import importlib

from django.apps import apps as django_apps

from conftest import make_person
from tierdesk.accounts.models import User
from tierdesk.phone.models import ContactNumber
from tierdesk.phone.services import contact_for_number, contact_numbers_sync


def stored(user: User) -> str | None:
    return ContactNumber.objects.filter(user=user).values_list("number", flat=True).first()


def test_saving_a_person_stores_their_number_normalised(acme):
    dana = make_person("dana", organization=acme, phone="+1 (555) 010-2030")

    assert stored(dana) == "+15550102030"


def test_a_changed_or_cleared_number_follows_the_person(acme):
    dana = make_person("dana", organization=acme, phone="+1 555 010 2030")

    dana.phone = "+44 20 7946 0000"
    dana.save()
    assert stored(dana) == "+442079460000"

    dana.phone = "ask reception"
    dana.save(update_fields=["phone"])
    assert stored(dana) is None


def test_a_save_of_other_fields_leaves_the_number_alone(acme):
    dana = make_person("dana", organization=acme, phone="+15550102030")
    ContactNumber.objects.filter(user=dana).update(number="+1999")

    dana.language = "ja"
    dana.save(update_fields=["language"])

    assert stored(dana) == "+1999"


def test_the_sync_catches_up_on_bulk_writes(acme, carol):
    bulk = User.objects.bulk_create(
        [User(username="bulk", role="customer", organization=acme, phone="0044 20 7946 0001")]
    )[0]
    dana = make_person("dana", organization=acme, phone="+15550102030")
    User.objects.filter(pk=dana.pk).update(phone="+15550109999")
    User.objects.filter(pk=carol.pk).update(phone="")
    ContactNumber.objects.create(user=carol, number="+1777")

    changed = contact_numbers_sync(batch=1)

    assert changed == 3
    assert stored(bulk) == "+442079460001"
    assert stored(dana) == "+15550109999"
    assert stored(carol) is None
    assert contact_numbers_sync() == 0


def test_a_stale_number_matches_nobody_and_is_mended(acme):
    dana = make_person("dana", organization=acme, phone="+15550102030")
    User.objects.filter(pk=dana.pk).update(phone="+15550109999")

    assert contact_for_number("+15550102030") is None
    assert stored(dana) == "+15550109999"


def test_the_migration_backfills_the_numbers_people_already_had(acme):
    dana = make_person("dana", organization=acme, phone="(555) 010-2030")
    nobody = make_person("nobody", organization=acme, phone="n/a")
    ContactNumber.objects.all().delete()
    migration = importlib.import_module("tierdesk.phone.migrations.0002_contact_numbers_backfill")

    migration.backfill(django_apps, None)

    assert stored(dana) == "5550102030"
    assert stored(nobody) is None
