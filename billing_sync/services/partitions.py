"""Monthly partitions of the usage table (PostgreSQL): created before rows of a new month load, dropped by month
when they are older than the retention period (USAGE_RETENTION_MONTHS)."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

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


def retention_cutoff(*, today: datetime.date, months: int) -> datetime.date:
    """The first month kept: the current month and the ``months - 1`` before it stay, older ones go."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return datetime.date(index // 12, index % 12 + 1, 1)


_PARTITION_MONTH = re.compile(rf"^{PARENT}_(\d{{4}})(\d{{2}})$")


def usage_partitions_drop_expired(*, today: datetime.date | None = None, months: int | None = None) -> list[str]:
    """Drop the monthly partitions of usage details older than USAGE_RETENTION_MONTHS (audited); returns them.

    A whole month goes at once (no row-by-row delete, no table bloat). The monthly totals (UsageMonthly), bills and
    payments are other tables and stay; the daily sums (UsageDaily) of those months go. Each partition is dropped in
    its own short transaction: DROP takes a brief exclusive lock on the parent table, so the job runs at night.
    """
    from crm.audit.models import AuditEntry
    from crm.audit.services import audit_record

    months = settings.USAGE_RETENTION_MONTHS if months is None else months
    if connection.vendor != "postgresql" or months <= 0:
        return []
    today = today or month_start(timezone.now())
    cutoff = retention_cutoff(today=today, months=months)
    dropped = []
    for name in usage_partitions():
        match = _PARTITION_MONTH.match(name)
        if match is None or datetime.date(int(match[1]), int(match[2]), 1) >= cutoff:
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            # The name is a partition of PARENT read from the catalogue and matched by _PARTITION_MONTH above.
            cursor.execute("SELECT count(*) FROM " + name)  # noqa: S608
            rows = cursor.fetchone()[0]
            cursor.execute("DROP TABLE IF EXISTS " + name)
            audit_record(
                action=AuditEntry.Action.DELETE,
                object_type="billing_sync.usagerecord",
                object_id=name,
                object_repr=name,
                changes={"rows": rows, "retention_months": months, "kept_from": cutoff.isoformat()},
                detail=f"usage details older than {months} months dropped (retention)",
            )
        dropped.append(name)
    if dropped:  # the daily sums of the dropped months go with their records (one delete a month, at night)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM billing_sync_usagedaily WHERE day < %s", [cutoff])
    return dropped
