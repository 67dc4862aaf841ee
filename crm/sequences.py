"""Primary keys taken ahead of the insert, for numbers made from the key (order, work-order, ticket numbers)."""

from __future__ import annotations

from django.db import connections, router


def next_id(model) -> int:
    """The primary key the model's next row gets, from its sequence: the row is then saved once with a number made
    from its key, instead of saved, re-read for the audit log and saved again."""
    connection = connections[router.db_for_write(model)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [model._meta.db_table, model._meta.pk.column])
        return cursor.fetchone()[0]
