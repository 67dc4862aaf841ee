"""The ``marts`` job: refresh the dashboards' aggregate tables, one step per table, through the job runner (progress
on the jobs page). Parameters: ``marts`` (names; all by default) and ``days`` (how far back; each table's default)."""

from __future__ import annotations

import datetime

from django.apps import apps
from django.db import connection

from analytics.jobs import JobSpec, register
from analytics.models import AnalyticsJob
from analytics.models.jobs import JobKind
from analytics.models.marts import MartRow

from .marts import mart_refresh, mart_specs


def _names(job: AnalyticsJob) -> list[str]:
    wanted = job.params.get("marts")
    return [spec.name for spec in mart_specs() if not wanted or spec.name in wanted]


def _run(job: AnalyticsJob, lo: int, hi: int) -> int:
    # The runner's "chunks" here are the tables: chunk i refreshes the i-th table (see plan below).
    names = _names(job)
    days = job.params.get("days")
    total = 0
    for name in names[lo:hi]:
        since = job.as_of - datetime.timedelta(days=int(days)) if days else None
        total += mart_refresh(name, since=since, until=job.as_of)
    return total


def _finish(job: AnalyticsJob) -> dict:
    # Fresh statistics for the planner: a rebuilt year of cell-days is a million rows the planner otherwise guesses
    # at (a sort spilling to disk instead of a hash aggregate: about twice as slow on the network dashboard).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in apps.get_app_config("analytics").get_models():
                if issubclass(model, MartRow):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return {"tables": len(_names(job))}


def _plan(job: AnalyticsJob) -> list[tuple[int, int]]:
    return [(i, i + 1) for i in range(len(_names(job)))]


register(JobSpec(kind=JobKind.MARTS, run_chunk=_run, finish=_finish, chunked=False, plan=_plan))
