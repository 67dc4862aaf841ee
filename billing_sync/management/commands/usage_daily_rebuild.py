"""``usage_daily_rebuild --days 35`` (or ``--since 2026-11-01 [--until 2026-12-01]``): recompute the daily outbound
calls (UsageDaily) of those local days from the usage records, a month at a time. After a deploy it adds the records
the previous release loaded while the backfill migration ran; it is safe while feeds load."""

from __future__ import annotations

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from billing_sync.services.usage_daily import usage_daily_rebuild


class Command(BaseCommand):
    help = "Recompute the daily outbound calls per subscription (UsageDaily) from the usage records."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=35, help="the last N local days up to today (default 35)")
        parser.add_argument("--since", type=datetime.date.fromisoformat, help="first day (YYYY-MM-DD)")
        parser.add_argument("--until", type=datetime.date.fromisoformat, help="day after the last (default tomorrow)")

    def handle(self, *args, days, since, until, **options):
        end = until or timezone.localdate() + datetime.timedelta(days=1)
        start = since or end - datetime.timedelta(days=days + 1)
        if start >= end:
            raise CommandError("--since must come before --until")
        started = time.monotonic()
        rows = usage_daily_rebuild(start=start, end=end)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE billing_sync_usagedaily")
        took = time.monotonic() - started
        self.stdout.write(f"{rows} daily rows for {start} to {end - datetime.timedelta(days=1)} in {took:.1f} s")
