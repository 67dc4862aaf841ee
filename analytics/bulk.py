"""Writing many analytics rows at once: one binary ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere (SQLite demos).

Building one Django model instance per row and compiling a multi-row INSERT cost more than computing the rows (a
features chunk spent two thirds of its time there); ``COPY`` streams the frame's columns instead."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.db import connection

from .sql import is_postgres

BATCH = 2000
# The binary COPY sends each value in its column's own type.
_PG_TYPES = {
    "AutoField": "int4", "BigAutoField": "int8", "BigIntegerField": "int8", "IntegerField": "int4",
    "PositiveIntegerField": "int4", "SmallIntegerField": "int2", "PositiveSmallIntegerField": "int2",
    "FloatField": "float8", "CharField": "text", "TextField": "text", "DateField": "date",
    "DateTimeField": "timestamptz", "JSONField": "jsonb", "BooleanField": "bool",
}  # fmt: skip


def _pg_type(field) -> str:
    target = field.target_field if field.is_relation else field
    return _PG_TYPES[target.get_internal_type()]


def _values(column: pd.Series) -> np.ndarray:
    """The column as Python values, NaN and NA as None (NULL)."""
    if pd.api.types.is_float_dtype(column.dtype):
        values = column.to_numpy(dtype="float64")
        out = values.astype(object)
        out[np.isnan(values)] = None
        return out
    out = column.to_numpy(dtype=object, copy=True)
    missing = column.isna().to_numpy()
    if missing.any():
        out[missing] = None
    if pd.api.types.is_integer_dtype(column.dtype):
        out[~missing] = [int(v) for v in out[~missing]]
    return out


def frame_insert(model, frame: pd.DataFrame) -> int:
    """Insert one row per row of ``frame``, whose columns are the model's column names (``customer_id``, not
    ``customer``); NaN and NA are NULL."""
    if frame.empty:
        return 0
    names = list(frame.columns)
    fields = {f.column: f for f in model._meta.concrete_fields}
    columns = [_values(frame[name]) for name in names]
    if not is_postgres():
        attnames = [fields[name].attname for name in names]
        rows = (model(**dict(zip(attnames, row, strict=True))) for row in zip(*columns, strict=True))
        model.objects.bulk_create(rows, batch_size=BATCH)
        return len(frame)
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(n) for n in names)}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.set_types([_pg_type(fields[name]) for name in names])
        for row in zip(*columns, strict=True):
            copy.write_row(row)
    return len(frame)
