"""Stores the normalised phone number of every person who has one (phone.services rules, copied
here so the migration does not change when the app does)."""

import re

from django.db import migrations

_SEPARATORS = re.compile(r"[\s\-.()/\u00a0]")
_NUMBER = re.compile(r"^\+?[0-9]{2,20}$")
BATCH = 2000


def _normalize(raw):
    text = _SEPARATORS.sub("", raw or "")
    if text.startswith("00"):
        text = "+" + text[2:]
    return text if _NUMBER.match(text) else None


def backfill(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    ContactNumber = apps.get_model("phone", "ContactNumber")
    after = 0
    while True:
        people = list(
            User.objects.filter(pk__gt=after).exclude(phone="").order_by("pk")
            .values_list("pk", "phone")[:BATCH]
        )
        if not people:
            return
        after = people[-1][0]
        rows = [
            ContactNumber(user_id=pk, number=number)
            for pk, phone in people
            if (number := _normalize(phone))
        ]
        ContactNumber.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("phone", "0001_calls")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
