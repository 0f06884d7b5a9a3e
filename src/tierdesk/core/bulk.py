"""Appending many rows at once: COPY on PostgreSQL, one prepared INSERT per batch elsewhere. At
tens of thousands of rows bulk_create's work per object, and on PostgreSQL a statement per row,
cost more than the writing itself."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from django.db import connections, models, router
from django.db.models import Field

BATCH = 1000


def append_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Appends rows to the model's table, values in `columns` order (field names or attnames);
    times and JSON as their fields prepare them."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    fields = [cast(Field, model._meta.get_field(column)) for column in columns]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(str(field.column)) for field in fields)
    json_columns = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    if connection.vendor == "postgresql":
        # COPY's text form: aware times and JSON text.
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                if json_columns:
                    row = tuple(
                        json.dumps(v) if i in json_columns and v is not None else v
                        for i, v in enumerate(row)
                    )
                copy.write_row(row)
        return
    # Ids, text and None go as they are; times and JSON as their fields prepare them, each
    # time once (rows written together often share one).
    special = [
        i for i, f in enumerate(fields) if isinstance(f, models.DateTimeField | models.JSONField)
    ]
    times: dict[datetime, Any] = {}
    values = []
    for row in rows:
        value = list(row)
        for i in special:
            item = value[i]
            if item is None:
                continue
            if isinstance(item, datetime):
                if item not in times:
                    times[item] = fields[i].get_db_prep_save(item, connection)
                value[i] = times[item]
            else:
                value[i] = fields[i].get_db_prep_save(item, connection)
        values.append(value)
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        for start in range(0, len(values), BATCH):
            cursor.executemany(sql, values[start : start + BATCH])


def update_rows(objects: Sequence[models.Model], names: Sequence[str]) -> None:
    """Writes these fields of these stored objects (all of one model): one prepared UPDATE a row,
    run in one executemany a batch. bulk_update's CASE WHEN per field and row costs more than
    the database does."""
    if not objects:
        return
    meta = objects[0]._meta
    connection = connections[router.db_for_write(type(objects[0]))]
    fields = [cast(Field, meta.get_field(name)) for name in names]  # concrete fields only
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(meta.db_table),
        ", ".join(f"{quote(str(f.column))} = %s" for f in fields),
        quote(str(meta.pk.column)) if meta.pk else quote("id"),
    )
    rows = [
        [f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields] + [o.pk]
        for o in objects
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
