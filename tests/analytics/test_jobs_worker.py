"""Analytics jobs on real Celery workers: chunks fan out over the analytics queue, and a job whose worker is killed
mid-run completes when resumed on a new worker, with no missing and no duplicate results."""

from __future__ import annotations

import datetime
import signal
import time

import pytest

from analytics.models import AnalyticsJob, CustomerFeatures, JobChunk
from analytics.services import jobs
from customers.models import Customer, Party
from tests.conftest import celery_worker

from . import toy_jobs

pytestmark = [pytest.mark.worker]
AS_OF = datetime.date(2026, 10, 31)
INCLUDE = ("tests.analytics.toy_jobs",)


@pytest.fixture
def customers(transactional_db, django_db_serialized_rollback, hefei):
    made = []
    for i in range(60):
        party = Party.objects.create(kind="organization", name=f"Org {i}", credit_code=f"91340100WRKR{i:06d}")
        made.append(
            Customer.objects.create(
                customer_no=f"CW{i:010d}", party=party, region=hefei, customer_class="key_account", service_level="3A"
            )
        )
    return made


def _wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _job() -> AnalyticsJob:
    return AnalyticsJob.objects.get(kind=toy_jobs.TOY)


def test_a_job_fans_out_to_a_worker_and_finishes(customers, settings):
    with celery_worker(settings, include=INCLUDE):
        jobs.job_start(kind=toy_jobs.TOY, as_of=AS_OF)
        job = _wait_for(lambda: _job() if _job().status == "done" else None, timeout=60, what="the job to finish")

    assert job.chunks_done == job.chunks_total >= 6
    assert job.result["customers"] == 60
    assert CustomerFeatures.objects.filter(as_of=AS_OF).count() == 60


def test_a_job_whose_worker_is_killed_completes_on_resume_without_duplicates(customers, settings):
    # Given a slow job (0.4 s a chunk) on a worker that is killed after a few chunks,
    with celery_worker(settings, include=INCLUDE) as worker:
        jobs.job_start(kind=toy_jobs.TOY, as_of=AS_OF, params={"sleep": 0.4})
        _wait_for(lambda: _job().chunks_done >= 2, timeout=60, what="two chunks")
        worker.proc.send_signal(signal.SIGKILL)
        worker.proc.wait(timeout=10)
    killed = _job()
    assert killed.status == "running"
    assert 2 <= killed.chunks_done < killed.chunks_total  # it really stopped half way

    # when the job is resumed on a new worker (the sweep does this for stalled jobs),
    with celery_worker(settings, include=INCLUDE, flush=False):
        jobs.job_resume(killed.pk)
        job = _wait_for(lambda: _job() if _job().status == "done" else None, timeout=90, what="the resumed job")

    # then every customer has exactly one row and every chunk ran to completion once.
    rows = list(CustomerFeatures.objects.filter(as_of=AS_OF).values_list("customer_id", flat=True))
    assert sorted(rows) == sorted(c.pk for c in customers)
    assert job.chunks_done == job.chunks_total
    assert job.rows_done == 60
    assert set(JobChunk.objects.filter(job=job).values_list("status", flat=True)) == {"done"}


def test_the_feature_store_job_runs_end_to_end_on_a_worker(transactional_db, django_db_serialized_rollback,
                                                            customer_history, settings):  # fmt: skip
    from analytics.models import CustomerFeatures

    from .conftest import HISTORY_END

    history = customer_history(n=60, churn_dates=[HISTORY_END - datetime.timedelta(days=200)])
    with celery_worker(settings):
        jobs.job_start(kind="features", as_of=HISTORY_END, params={"chunk_size": 10})
        job = _wait_for(
            lambda: AnalyticsJob.objects.filter(kind="features", status__in=["done", "failed"]).first(),
            timeout=120, what="the features job",
        )  # fmt: skip

    assert job.status == "done", job.error
    assert job.chunks_total >= 6 and job.chunks_done == job.chunks_total
    built = CustomerFeatures.objects.filter(as_of=HISTORY_END)
    # Everyone but the customer who left months before the cut-off held a line at it: one row each.
    assert built.count() == len(history.customers) - 1 == job.rows_done
    assert built.filter(voice_min_3m__gt=0).count() == built.count()
