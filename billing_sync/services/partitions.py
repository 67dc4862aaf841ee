"""Monthly partitions of the usage table (PostgreSQL): created before rows of a new month load, dropped by month."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError, connection, transaction

PARENT = "billing_sync_usagerecord"


def month_start(value: datetime.date | datetime.datetime) -> datetime.date:
    """The first day of the local month of a date or an aware datetime."""
    if isinstance(value, datetime.datetime):
        value = value.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()
    return value.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def partition_name(month: datetime.date) -> str:
    return f"{PARENT}_{month:%Y%m}"


def usage_partitions_ensure(months: Iterable[datetime.date]) -> list[str]:
    """Create the partitions of these months (local months, first days) that do not exist yet; returns them."""
    if connection.vendor != "postgresql":
        return []
    created = []
    tz = settings.TIME_ZONE
    with connection.cursor() as cursor:
        for month in sorted({month_start(m) for m in months}):
            name = partition_name(month)
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is not None:
                continue
            # Two loaders creating the same month at once: IF NOT EXISTS does not cover the race (the loser fails
            # with "already exists" on the catalogue), so each month is tried in a savepoint and checked again.
            try:
                with transaction.atomic():
                    cursor.execute(
                        f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {PARENT} FOR VALUES FROM (%s) TO (%s)",
                        [f"{month:%Y-%m-%d} 00:00 {tz}", f"{next_month(month):%Y-%m-%d} 00:00 {tz}"],
                    )
            except DatabaseError:
                cursor.execute("SELECT to_regclass(%s)", [name])
                if cursor.fetchone()[0] is None:
                    raise
                continue
            created.append(name)
    return created


def usage_partitions() -> list[str]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [PARENT],
        )
        return [row[0] for row in cursor.fetchall()]
