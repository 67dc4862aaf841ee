"""Daily outbound calls per subscription (日用量汇总, ``UsageDaily``), kept with the records they sum.

Every writer of usage records adds to it in the same transaction as the records: the feed adds each chunk's new
records with one ``INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE`` (``ADD_NEW``; on SQLite ``usage_daily_add``
with sums made in Python), the demo generator COPYs its chunk's sums. A day is the local calendar day in TIME_ZONE,
the day the fraud loader's ``local_date`` gives a record. ``usage_daily_rebuild`` recomputes days from the records:
the backfill after deploy and any repair."""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.db import connection, transaction

from ..models import UsageDaily, UsageRecord
from .partitions import month_start, next_month

DAILY = UsageDaily._meta.db_table
RECORDS = UsageRecord._meta.db_table
COLUMNS = "product_id, day, voice_out_calls, voice_out_seconds"
ADD = f"""ON CONFLICT (product_id, day) DO UPDATE SET
        voice_out_calls = {DAILY}.voice_out_calls + EXCLUDED.voice_out_calls,
        voice_out_seconds = {DAILY}.voice_out_seconds + EXCLUDED.voice_out_seconds"""
# The new records (a CTE ``new`` with product_id, started_at, usage_type, outgoing, duration_s; PostgreSQL) added to
# their days, whose rows are locked in key order as the monthly totals' are: two batches at once cannot deadlock.
# Its one parameter is the time zone.
ADD_NEW = f"""
    INSERT INTO {DAILY} ({COLUMNS})
    SELECT product_id, (started_at AT TIME ZONE %s)::date, count(*), sum(duration_s)
    FROM new
    WHERE usage_type = 'voice' AND outgoing
    GROUP BY 1, 2
    ORDER BY 1, 2
    {ADD}
"""  # noqa: S608 - constant table and column names


def usage_daily_add(sums: dict[tuple[int, datetime.date], tuple[int, int]]) -> None:
    """Add (product id, local day) -> (outbound calls, their seconds) to the days, in one statement's executions (the
    feed on SQLite: a demo's batches are small)."""
    if not sums:
        return
    adapt = connection.ops.adapt_datefield_value
    rows = [(product, adapt(day), calls, seconds) for (product, day), (calls, seconds) in sorted(sums.items())]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {DAILY} ({COLUMNS}) VALUES (%s, %s, %s, %s) {ADD}", rows)  # noqa: S608


def usage_daily_rebuild(*, start: datetime.date, end: datetime.date) -> int:
    """Recompute the days ``start <= day < end`` from the usage records, one transaction per month; returns the rows
    written. Set-based: a month's records are read once (one partition on PostgreSQL).

    Safe while feeds load: each month's transaction first takes a lock on the daily table that waits for loads that
    have added to it and keeps new ones from adding until it commits, so every record is counted once, either in the
    recomputed rows (committed before) or added after them."""
    written = 0
    month = month_start(start)
    while month < end:
        following = next_month(month)
        written += _rebuild(max(start, month), min(end, following))
        month = following
    return written


def _local_midnight(day: datetime.date):
    moment = datetime.datetime.combine(day, datetime.time(), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return connection.ops.adapt_datetimefield_value(moment)


@transaction.atomic
def _rebuild(first: datetime.date, end: datetime.date) -> int:
    tz = settings.TIME_ZONE
    postgres = connection.vendor == "postgresql"
    local_day = "(started_at AT TIME ZONE %s)::date" if postgres else "django_datetime_cast_date(started_at, %s, 'UTC')"
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute(f"LOCK TABLE {DAILY} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {DAILY} WHERE day >= %s AND day < %s", [adapt(first), adapt(end)])  # noqa: S608
        cursor.execute(
            f"""
            INSERT INTO {DAILY} ({COLUMNS})
            SELECT product_id, {local_day}, count(*), sum(duration_s)
            FROM {RECORDS}
            WHERE started_at >= %s AND started_at < %s AND usage_type = 'voice' AND outgoing
            GROUP BY 1, 2
            """,  # noqa: S608 - constant table and column names, values are parameters
            [tz, _local_midnight(first), _local_midnight(end)],
        )
        return cursor.rowcount
