"""The analytics job runner: chunks over customer-id ranges, done once each, progress, failure and resume."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from analytics.models import AnalyticsJob, CustomerFeatures, JobChunk
from analytics.selectors import job_progress
from analytics.services import jobs
from customers.models import Customer, Party

from . import toy_jobs

AS_OF = datetime.date(2026, 10, 31)


@pytest.fixture
def customers(hefei):
    """35 organisations in one region: four chunks of ten ids (the toy job's chunk size)."""
    made = []
    for i in range(35):
        party = Party.objects.create(kind="organization", name=f"Org {i}", credit_code=f"91340100TEST{i:06d}")
        made.append(
            Customer.objects.create(
                customer_no=f"CT{i:010d}", party=party, region=hefei, customer_class="key_account", service_level="3A"
            )
        )
    return made


def _rows_per_customer() -> dict[int, int]:
    counts: dict[int, int] = {}
    for customer_id in CustomerFeatures.objects.filter(as_of=AS_OF).values_list("customer_id", flat=True):
        counts[customer_id] = counts.get(customer_id, 0) + 1
    return counts


@pytest.mark.django_db
def test_a_job_runs_every_chunk_once_and_finishes(customers):
    job = jobs.job_run_now(toy_jobs.TOY, as_of=AS_OF)

    ids = [c.pk for c in customers]
    expected_chunks = len(range(min(ids), max(ids) + 1, 10))
    assert job.status == "done"
    assert job.chunks_total == expected_chunks == job.chunks_done
    assert job.rows_done == 35
    assert job.result["customers"] == 35
    assert _rows_per_customer() == dict.fromkeys(ids, 1)
    assert job_progress(job).percent == 100


@pytest.mark.django_db
def test_a_chunk_delivered_twice_runs_once(customers):
    job = jobs.job_run_now(toy_jobs.TOY, as_of=AS_OF)

    ran_again = jobs.job_chunk_run(job.pk, 0)

    assert ran_again is False
    assert set(_rows_per_customer().values()) == {1}
    assert AnalyticsJob.objects.get(pk=job.pk).chunks_done == job.chunks_total


@pytest.mark.django_db
def test_a_failed_chunk_leaves_nothing_and_the_resumed_job_completes(customers):
    with pytest.raises(RuntimeError, match="chunk 1 fails"):
        jobs.job_run_now(toy_jobs.TOY, as_of=AS_OF, params={"fail_seq": 1})

    job = AnalyticsJob.objects.get(kind=toy_jobs.TOY)
    failed = JobChunk.objects.get(job=job, seq=1)
    assert job.status == "failed" and "chunk 1 fails" in job.error
    assert failed.status == "failed" and failed.attempts == 1
    # The failed chunk's rows were rolled back with it; chunk 0 stays done and is not run again.
    assert not CustomerFeatures.objects.filter(customer_id__gte=failed.lo, customer_id__lt=failed.hi).exists()
    chunk0_done_at = JobChunk.objects.get(job=job, seq=0).finished_at

    jobs.job_resume(job.pk)
    jobs.job_run(job.pk, inline=True)

    job.refresh_from_db()
    assert job.status == "done" and job.error == ""
    assert job.chunks_done == job.chunks_total
    assert JobChunk.objects.get(job=job, seq=0).finished_at == chunk0_done_at
    assert JobChunk.objects.get(job=job, seq=1).attempts == 2
    assert _rows_per_customer() == {c.pk: 1 for c in customers}


@pytest.mark.django_db
def test_job_start_is_once_per_kind_and_cutoff(customers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = jobs.job_start(kind=toy_jobs.TOY, as_of=AS_OF)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = jobs.job_start(kind=toy_jobs.TOY, as_of=AS_OF)

    assert again.pk == first.pk
    assert callbacks == []  # nothing dispatched the second time
    first.refresh_from_db()
    assert first.status == "done"  # tasks run eagerly in tests
    assert AnalyticsJob.objects.filter(kind=toy_jobs.TOY).count() == 1


@pytest.mark.django_db
def test_a_second_cutoff_waits_while_a_job_of_the_kind_is_live(customers):
    AnalyticsJob.objects.create(kind=toy_jobs.TOY, run_key="toy:live", as_of=AS_OF, status="running")

    with pytest.raises(jobs.JobAlreadyRunning):
        jobs.job_start(kind=toy_jobs.TOY, as_of=AS_OF - datetime.timedelta(days=30))


@pytest.mark.django_db
def test_unknown_kinds_are_refused_before_anything_is_written():
    with pytest.raises(LookupError):
        jobs.job_start(kind="no-such-job", as_of=AS_OF)
    assert not AnalyticsJob.objects.exists()


@pytest.mark.django_db
def test_stalled_jobs_are_resumed_by_the_sweep(customers, django_capture_on_commit_callbacks):
    now = timezone.now()
    stalled = AnalyticsJob.objects.create(
        kind=toy_jobs.TOY, run_key="toy:stalled", as_of=AS_OF, status="running", heartbeat_at=now - jobs.STALL_AFTER * 2
    )
    busy = AnalyticsJob.objects.create(
        kind=toy_jobs.TOY, run_key="toy:busy", as_of=AS_OF, status="running", heartbeat_at=now
    )

    with django_capture_on_commit_callbacks(execute=True):
        resumed = jobs.jobs_resume_stalled(now=now)

    assert resumed == [stalled.pk]
    stalled.refresh_from_db()
    busy.refresh_from_db()
    assert stalled.status == "done" and stalled.rows_done == 35
    assert busy.status == "running"


def test_progress_estimates_the_time_left_from_the_pace_so_far():
    started = timezone.now() - datetime.timedelta(seconds=60)
    job = AnalyticsJob(status="running", chunks_total=8, chunks_done=2, started_at=started)

    progress = job_progress(job, now=started + datetime.timedelta(seconds=60))

    assert progress.percent == 25
    assert progress.eta == datetime.timedelta(seconds=180)


def test_scheduled_runs_take_last_months_end_or_yesterday():
    today = datetime.date(2026, 12, 1)
    assert jobs.scheduled_cutoff("churn_score", today) == datetime.date(2026, 11, 30)
    assert jobs.scheduled_cutoff("fraud_daily", today) == datetime.date(2026, 11, 30)
    assert jobs.scheduled_cutoff("fraud_daily", datetime.date(2026, 12, 3)) == datetime.date(2026, 12, 2)
    assert jobs.scheduled_cutoff("features", datetime.date(2026, 12, 3)) == datetime.date(2026, 11, 30)


@pytest.mark.django_db
def test_the_hourly_marts_refresh_is_once_an_hour_and_waits_for_a_running_refresh():
    at_nine = timezone.make_aware(datetime.datetime(2026, 12, 3, 9, 5))
    AnalyticsJob.objects.create(kind="marts", run_key="marts:busy", as_of=AS_OF, status="running")

    assert jobs.marts_refresh_start(hourly=True, now=at_nine) is None
    AnalyticsJob.objects.filter(run_key="marts:busy").update(status="done")
    first = jobs.marts_refresh_start(hourly=True, now=at_nine)
    assert first.params["marts"] == list(jobs.HOURLY_MARTS) and first.run_key.endswith("hourly-09")
    assert jobs.marts_refresh_start(hourly=True, now=at_nine).pk == first.pk
