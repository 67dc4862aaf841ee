"""Chunks of one job run side by side: a running chunk locks its own row, not the job's."""

from __future__ import annotations

import datetime

import psycopg
import pytest
from django.db import connection

from analytics.jobs import JobSpec, register
from analytics.models import AnalyticsJob
from analytics.services import jobs

PROBE = "toy_lock_probe"
AS_OF = datetime.date(2026, 10, 31)
SEEN: list[str] = []


def _probe_chunk(job: AnalyticsJob, lo: int, hi: int) -> int:
    # What a second worker does while this chunk runs: take the job's row (its chunk's progress update at the end,
    # or the finish). It must not wait for this chunk's transaction, or the chunks run one after another.
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        try:
            other.execute("SELECT id FROM analytics_analyticsjob WHERE id = %s FOR UPDATE NOWAIT", [job.pk])
            SEEN.append("free")
        except psycopg.errors.LockNotAvailable:
            SEEN.append("locked")
    return 0


register(JobSpec(kind=PROBE, run_chunk=_probe_chunk, plan=lambda job: [(0, 1), (1, 2)]))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_running_chunk_does_not_lock_its_job():
    SEEN.clear()
    job = AnalyticsJob.objects.create(kind=PROBE, run_key="probe", as_of=AS_OF)
    jobs._plan(job)  # two chunks, nothing dispatched

    assert jobs.job_chunk_run(job.pk, 0, raise_errors=True) is True

    assert SEEN == ["free"]
