"""The few SQL pieces that differ between PostgreSQL (production and the test suite) and SQLite (the embedded database
of ``make run``), chosen by ``connection.vendor``.

The analytics loaders keep their SQL as SQL and call these only where the dialects differ. On PostgreSQL each returns
the expression the loaders always used, so plans, partition pruning and index use stay as they were; on SQLite it
returns an equivalent. Expressions are built from the caller's column expressions and constants computed here (the
time zone's name and offset); values stay query parameters.

SQLite specifics handled here: Django stores datetimes as naive UTC text and dates as ISO text, so an aware datetime
parameter goes through ``ts``; lists cannot be bound, so ``in_list``/``array`` pass them as JSON; there are no
sequences, ``setseed``, arrays or ``AT TIME ZONE``. Expressions containing ``%%`` need the query to have parameters.
"""

# ruff: noqa: S608 - SQL built from the caller's column expressions and constants; every value is a query parameter.

from __future__ import annotations

import datetime
import functools
import json
import re
import zoneinfo

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

_TZ_NAME = re.compile(r"^[A-Za-z0-9_+\-/]+$")


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _tz(tz: str | None) -> str:
    name = tz or settings.TIME_ZONE
    if not _TZ_NAME.match(name):  # the name is inlined as a literal: only what a zone name can hold
        raise ValueError(f"not a time zone name: {name!r}")
    return name


@functools.cache
def fixed_offset_minutes(tz: str) -> int | None:
    """The zone's UTC offset in minutes if it has one all year (Asia/Shanghai: 480), else None (daylight saving)."""
    zone = zoneinfo.ZoneInfo(tz)
    year = datetime.date.today().year
    offsets = {datetime.datetime(year, month, 1, 12, tzinfo=zone).utcoffset() for month in (1, 4, 7, 10)}
    if len(offsets) != 1:
        return None
    return int(offsets.pop().total_seconds() // 60)


def _sqlite_minutes(tz: str) -> int:
    # A zone with daylight saving falls back to its January offset for local midnights (SQLite is for demos only).
    offset = fixed_offset_minutes(tz)
    if offset is None:
        offset = int(datetime.datetime(2000, 1, 1, tzinfo=zoneinfo.ZoneInfo(tz)).utcoffset().total_seconds() // 60)
    return offset


# Dates and times --------------------------------------------------------------------------------------------------


def local_date(expr: str, tz: str | None = None) -> str:
    """The local calendar date (in ``tz``, default TIME_ZONE) of a timestamp column or expression."""
    name = _tz(tz)
    if is_postgres():
        return f"({expr} AT TIME ZONE '{name}')::date"
    offset = fixed_offset_minutes(name)
    if offset is None:  # Django's own SQLite function knows the zone's rules (slower: a Python call per row)
        return f"django_datetime_cast_date({expr}, '{name}', 'UTC')"
    return f"date({expr}, '{offset:+d} minutes')"


def local_midnight(date_expr: str, tz: str | None = None) -> str:
    """The instant local midnight (in ``tz``) begins the day of a date column or expression."""
    name = _tz(tz)
    if is_postgres():
        return f"({date_expr})::timestamp AT TIME ZONE '{name}'"
    return f"datetime({date_expr}, '{-_sqlite_minutes(name):+d} minutes')"


def ts(value: datetime.datetime | None):
    """An aware datetime as a query parameter compared with a datetime column (SQLite: naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


def midnight(day: datetime.date, tz: str | None = None):
    """Local midnight of ``day`` as a query parameter compared with a datetime column."""
    zone = zoneinfo.ZoneInfo(_tz(tz))
    return ts(timezone.make_aware(datetime.datetime.combine(day, datetime.time()), zone))


def as_date(expr: str) -> str:
    """A date, or a timestamp's date in the connection's zone (UTC), as a date."""
    return f"({expr})::date" if is_postgres() else f"date({expr})"


def date_add(expr: str, days: int) -> str:
    """A date ``days`` (a constant) later."""
    if is_postgres():
        return f"({expr} + {int(days)})"
    return f"date({expr}, '{int(days):+d} days')"


def days_between(later: str, earlier: str) -> str:
    """Whole days from one date to another (an integer, like PostgreSQL's ``date - date``)."""
    if is_postgres():
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def month_end(expr: str) -> str:
    """The last day of the month that begins on the date ``expr``."""
    if is_postgres():
        return f"({expr} + interval '1 month' - interval '1 day')::date"
    return f"date({expr}, '+1 month', '-1 day')"


def epoch_seconds(expr: str) -> str:
    """Seconds since 1970-01-01 UTC of a timestamp, as an integer."""
    if is_postgres():
        return f"EXTRACT(EPOCH FROM {expr})::bigint"
    return f"CAST(round((julianday({expr}) - 2440587.5) * 86400.0) AS INTEGER)"


def to_date(value) -> datetime.date | None:
    """A date read back from SQL (SQLite returns computed dates as ISO text)."""
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


# Values -----------------------------------------------------------------------------------------------------------


def greatest(*exprs: str) -> str:
    """The largest of non-NULL expressions (SQLite's max() would return NULL for a NULL, GREATEST skips it)."""
    return f"{'GREATEST' if is_postgres() else 'max'}({', '.join(exprs)})"


def least(*exprs: str) -> str:
    """The smallest of non-NULL expressions (see ``greatest``)."""
    return f"{'LEAST' if is_postgres() else 'min'}({', '.join(exprs)})"


def in_list(column: str, placeholder: str = "%s") -> str:
    """``column`` is one of the list bound at ``placeholder`` (the parameter's value comes from ``array``)."""
    if is_postgres():
        return f"{column} = ANY({placeholder})"
    return f"{column} IN (SELECT value FROM json_each({placeholder}))"


def _plain(value):
    return value.item() if hasattr(value, "item") else value  # numpy scalars


def array(values) -> list | str:
    """A list as the parameter of ``in_list``: an array on PostgreSQL, JSON text on SQLite."""
    values = [_plain(v) for v in values]
    return values if is_postgres() else json.dumps(values)


_PG_ARRAY = {
    "bigint": "bigint[]", "smallint": "smallint[]", "numeric": "numeric[]", "text": "text[]", "jsonb": "text[]",
}  # fmt: skip


def values_table(columns: dict[str, tuple[str, list]], alias: str = "v") -> tuple[str, list]:
    """A FROM item ``alias`` with these columns (name -> (type, values), all of one length) and its parameters, for
    an ``UPDATE ... FROM`` of many rows in one statement. Types: bigint, smallint, numeric, text, jsonb (JSON text)."""
    names = list(columns)
    if is_postgres():
        arrays = ", ".join(f"%s::{_PG_ARRAY[kind]}" for kind, _values in columns.values())
        select = ", ".join(f"{n}::jsonb AS {n}" if columns[n][0] == "jsonb" else n for n in names)
        sql = f"(SELECT {select} FROM unnest({arrays}) AS u({', '.join(names)})) AS {alias}"
        return sql, [[_plain(v) for v in values] for _kind, values in columns.values()]
    select = ", ".join(f"json_extract(value, '$[{i}]') AS {n}" for i, n in enumerate(names))
    rows = [[_plain(v) for v in row] for row in zip(*(values for _kind, values in columns.values()), strict=True)]
    return f"(SELECT {select} FROM json_each(%s)) AS {alias}", [json.dumps(rows, ensure_ascii=False)]


# Sessions ---------------------------------------------------------------------------------------------------------


def analytics_session() -> None:
    """Turn PostgreSQL's JIT compilation off on the connections the analytics jobs use. The planner's estimates of
    their aggregates are large enough to trigger it, and compiling took 1.4 of the 2.2 seconds of a 10,000-customer
    segmentation query: a fixed cost paid again by every query of every chunk."""
    if not is_postgres():
        return
    from crm.db_router import REPLICA, replica_configured

    for alias in {DEFAULT_DB_ALIAS, REPLICA if replica_configured() else DEFAULT_DB_ALIAS}:
        with connections[alias].cursor() as cursor:
            cursor.execute("SET jit = off")


# Sampling and ids -------------------------------------------------------------------------------------------------


def seeded_order(cursor, seed: float, column: str = "id") -> str:
    """An ORDER BY expression giving a repeatable pseudo-random order for ``seed`` (run on ``cursor`` before the
    query: PostgreSQL seeds random(); SQLite, which cannot, orders by a multiplicative hash of the id)."""
    if is_postgres():
        cursor.execute("SELECT setseed(%s)", [seed])
        return "random()"
    shift = int(abs(seed) * 4294967296) % 4294967296
    return f"(({column} + {shift}) * 2654435761) %% 4294967296"


def reserve_ids(table: str, n: int) -> list[int]:
    """``n`` fresh primary keys of ``table``, taken from its id sequence so no concurrent insert can get them."""
    if n <= 0:
        return []
    with connection.cursor() as cursor:
        if is_postgres():
            sql = f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)"
            cursor.execute(sql, [n])
            return [row[0] for row in cursor.fetchall()]
        # AUTOINCREMENT tables keep their last id in sqlite_sequence (no row until the first insert).
        cursor.execute(
            "INSERT INTO sqlite_sequence (name, seq) SELECT %s, 0 WHERE NOT EXISTS "
            "(SELECT 1 FROM sqlite_sequence WHERE name = %s)",
            [table, table],
        )
        cursor.execute(
            f"UPDATE sqlite_sequence SET seq = max(seq, (SELECT coalesce(max(id), 0) FROM {table})) + %s "
            "WHERE name = %s RETURNING seq",
            [n, table],
        )
        last = cursor.fetchone()[0]
    return list(range(last - n + 1, last + 1))
