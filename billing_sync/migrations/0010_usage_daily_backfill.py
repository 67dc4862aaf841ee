"""The daily outbound calls (UsageDaily) of the usage records already loaded: one INSERT … SELECT … GROUP BY per month
partition on PostgreSQL (each partition read once), one over the table on SQLite. Records loaded by the previous
release while this runs are not in it: ``manage.py usage_daily_rebuild --days 35`` after the deploy recomputes the
recent days (it is safe while feeds load)."""

from django.conf import settings
from django.db import migrations

INSERT = """
    INSERT INTO billing_sync_usagedaily (product_id, day, voice_out_calls, voice_out_seconds)
    SELECT product_id, {day}, count(*), sum(duration_s)
    FROM {table}
    WHERE usage_type = 'voice' AND outgoing
    GROUP BY 1, 2
    ON CONFLICT (product_id, day) DO UPDATE SET
        voice_out_calls = billing_sync_usagedaily.voice_out_calls + EXCLUDED.voice_out_calls,
        voice_out_seconds = billing_sync_usagedaily.voice_out_seconds + EXCLUDED.voice_out_seconds
"""


def backfill(apps, schema_editor):
    tz = settings.TIME_ZONE
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor != "postgresql":
            day = "django_datetime_cast_date(started_at, %s, 'UTC')"
            cursor.execute(INSERT.format(day=day, table="billing_sync_usagerecord"), [tz])
            return
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'billing_sync_usagerecord'::regclass ORDER BY c.relname"
        )
        for (partition,) in cursor.fetchall():
            # The ON CONFLICT adds a day whose records lie in two partitions (only if TIME_ZONE changed since).
            cursor.execute(INSERT.format(day="(started_at AT TIME ZONE %s)::date", table=partition), [tz])
        cursor.execute("ANALYZE billing_sync_usagedaily")  # the first daily run after the deploy plans with them


def forget(apps, schema_editor):
    apps.get_model("billing_sync", "UsageDaily").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing_sync", "0009_usage_daily"),
    ]

    operations = [
        migrations.RunPython(backfill, forget),
    ]
