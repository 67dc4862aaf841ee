"""Primary keys taken ahead of the insert, for numbers made from the key (order, work-order, ticket numbers)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.db import connections, models, router


def next_id(model) -> int:
    """The primary key the model's next row gets, from its sequence (PostgreSQL)."""
    connection = connections[router.db_for_write(model)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [model._meta.db_table, model._meta.pk.column])
        return cursor.fetchone()[0]


def insert_numbered(obj: models.Model, field: str, number: Callable[[int], str]) -> None:
    """Insert ``obj`` with ``field`` set to ``number(pk)``. On PostgreSQL the key comes from the sequence first, so the
    row is saved once with its final number (instead of saved, re-read for the audit log and saved again). SQLite
    (``make run``) has no sequence to take from: the row is saved with a unique placeholder, then numbered."""
    model = type(obj)
    if connections[router.db_for_write(model)].vendor == "postgresql":
        obj.pk = next_id(model)
        setattr(obj, field, number(obj.pk))
        obj.save(force_insert=True)
        return
    width = model._meta.get_field(field).max_length or 32
    setattr(obj, field, ("~" + uuid.uuid4().hex)[:width])
    obj.save(force_insert=True)
    setattr(obj, field, number(obj.pk))
    obj.save(update_fields=[field])
