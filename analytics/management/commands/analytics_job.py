"""Run one analytics job now, in this process, and print its progress and result (operators, benchmarks, debugging).

python manage.py analytics_job features --as-of 2026-11-30
python manage.py analytics_job churn_score --as-of 2026-11-30 --param band_high=0.2
python manage.py analytics_job marts --param days=400 --queue     (enqueue instead, for the workers)
"""

from __future__ import annotations

import datetime
import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from analytics.models.jobs import JobKind
from analytics.services import jobs


def _value(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


class Command(BaseCommand):
    help = "Run one analytics job now (or enqueue it with --queue) and print its result."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=JobKind.values)
        parser.add_argument(
            "--as-of", type=datetime.date.fromisoformat, default=None, help="cut-off date (default: yesterday)"
        )
        parser.add_argument("--param", action="append", default=[], help="KEY=VALUE (JSON values allowed); repeatable")
        parser.add_argument(
            "--queue", action="store_true", help="enqueue the job for the workers instead of running it here"
        )

    def handle(self, *args, kind: str, as_of: datetime.date | None, param: list[str], queue: bool, **options):
        as_of = as_of or timezone.localdate() - datetime.timedelta(days=1)
        params = {}
        for item in param:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise CommandError(f"--param takes KEY=VALUE, not {item!r}")
            params[key] = _value(value)
        if queue:
            job = jobs.job_start(kind=kind, as_of=as_of, params=params)
            self.stdout.write(f"job {job.pk} {job.run_key}: {job.status}")
            return
        started = time.monotonic()
        try:
            job = jobs.job_run_now(kind, as_of=as_of, params=params)
        except Exception as exc:
            raise CommandError(f"{kind} {as_of} failed: {exc}") from exc
        summary = {k: v for k, v in job.result.items() if not k.startswith("_")}
        self.stdout.write(
            f"job {job.pk} {job.run_key}: {job.status}, {job.chunks_done}/{job.chunks_total} chunks, "
            f"{job.rows_done} rows, {time.monotonic() - started:.1f} s"
        )
        self.stdout.write(json.dumps(summary, ensure_ascii=False, default=str))
