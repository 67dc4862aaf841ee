"""The task outbox: a write that queues work commits even with the broker (Redis) down, and the work runs once the
broker is back — nothing lost, nothing run twice.

The outage tests use a private redis-server (see test_redis_down) killed during the test; the last one runs the
project's real Celery worker on it.
"""

from __future__ import annotations

import datetime
import io
import os
import threading
import time

import pytest
import redis
from celery.exceptions import NotRegistered
from celery.signals import task_prerun
from django.core.management import call_command
from django.db import transaction

from analytics.models import AnalyticsJob, CustomerFeatures
from analytics.services import jobs
from analytics.tasks import analytics_job_chunk_task, analytics_job_run_task, fraud_batch_check_task
from billing_sync.models import FeedBatch
from billing_sync.services.feeds import feed_batch_load
from crm.outbox.models import OutboxTask
from crm.outbox.services import outbox_drain, outbox_enqueue
from customers.models import Customer, Party
from tests.analytics import toy_jobs
from tests.conftest import celery_worker
from tests.customers.conftest import people, subscribe  # noqa: F401
from tests.reliability.test_redis_down import celery_broker, private_redis  # noqa: F401

AS_OF = datetime.date(2026, 10, 31)
RUN_COUNTER_ENV = "CRM_TEST_TASK_RUN_COUNTER"


@task_prerun.connect(weak=False, dispatch_uid="tests.reliability.test_outbox.count_runs")
def _count_runs(task=None, **kwargs) -> None:
    """In a worker started with CRM_TEST_TASK_RUN_COUNTER (a Redis URL) that includes this module: count each task
    run there, by task name, so a test can tell once from twice."""
    url = os.environ.get(RUN_COUNTER_ENV)
    if url and task is not None:
        redis.Redis.from_url(url).incr(f"runs:{task.name}")


def _worker_broker_db() -> int:
    """The Redis database tests.conftest.celery_worker gives this test process's worker."""
    return 10 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 6


def _make_customers(region, count: int) -> list[Customer]:
    made = []
    for i in range(count):
        party = Party.objects.create(kind="organization", name=f"Outbox Org {i}", credit_code=f"91340100OBOX{i:06d}")
        made.append(
            Customer.objects.create(
                customer_no=f"CO{i:010d}", party=party, region=region, customer_class="key_account", service_level="3A"
            )
        )
    return made


# --- In-process (no broker: tasks run inline after commit) ----------------------------------------------------------


@pytest.mark.django_db
def test_work_enqueued_in_a_rolled_back_transaction_never_runs(hefei, django_capture_on_commit_callbacks):
    _make_customers(hefei, 3)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        jobs.job_start(kind=toy_jobs.TOY, as_of=AS_OF)
        raise RuntimeError("the write fails after queueing")
    assert callbacks == []
    assert not OutboxTask.objects.exists()
    assert not AnalyticsJob.objects.exists() and not CustomerFeatures.objects.exists()


@pytest.mark.django_db
def test_committed_work_runs_once_and_the_row_is_marked_sent(hefei, django_capture_on_commit_callbacks):
    made = _make_customers(hefei, 3)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_start(kind=toy_jobs.TOY, as_of=AS_OF)
    row = OutboxTask.objects.get()
    assert row.task_name == analytics_job_run_task.name and row.args == [job.pk]
    assert row.sent_at is not None and row.attempts == 1 and row.last_error == ""
    job.refresh_from_db()
    assert job.status == "done"
    assert CustomerFeatures.objects.filter(as_of=AS_OF).count() == len(made)
    assert outbox_drain() == 0  # nothing left to send


@pytest.mark.django_db
def test_a_dedup_key_keeps_one_row_and_an_unknown_task_is_refused_at_enqueue():
    first = outbox_enqueue(fraud_batch_check_task, 1, key="fraud-check:batch-1")
    again = outbox_enqueue(fraud_batch_check_task, 1, key="fraud-check:batch-1")
    assert again.pk == first.pk and OutboxTask.objects.count() == 1
    with pytest.raises(NotRegistered):
        outbox_enqueue("crm.no_such_task", 1)
    assert OutboxTask.objects.count() == 1


# --- The broker is down -------------------------------------------------------------------------------------------


@pytest.fixture
def phone(people, subscribe):  # noqa: F811
    product = subscribe(people["zhang"], "59", number="18900000001")
    product.billing_account = people["zhang"].accounts.get()
    product.save(update_fields=["billing_account"])
    return product


@pytest.mark.django_db
def test_a_usage_batch_loads_with_redis_down_and_its_fraud_check_is_sent_once_when_redis_is_back(
    phone,
    private_redis,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    broker = redis.Redis.from_url(private_redis.url(1))
    record = {
        "recordKey": "OB1",
        "serviceNumber": "18900000001",
        "startTime": "2026-11-02T10:00:00+08:00",
        "type": "voice",
        "otherNumber": "13900001111",
        "duration": 60,
        "cellId": "HF-001",
        "charge": "0.15",
    }
    with celery_broker(private_redis.url(1)):
        # Given Redis is down,
        private_redis.kill()
        # when a usage batch is loaded (its fraud check is queued after commit),
        with django_capture_on_commit_callbacks(execute=True):
            batch, created = feed_batch_load(sender="billing", kind="usage", client_batch_id="OB-1", records=[record])

        # then the batch is loaded, not failed, and its fraud check waits in the outbox.
        assert created and batch.status == FeedBatch.Status.LOADED and batch.rows_loaded == 1
        row = OutboxTask.objects.get()
        assert (row.task_name, row.args, row.sent_at) == (fraud_batch_check_task.name, [batch.pk], None)
        assert row.attempts == 1 and "111" in row.last_error  # connection refused
        assert outbox_drain() == 0  # still down: nothing sent, nothing lost
        assert OutboxTask.objects.get().sent_at is None

        # When Redis is back and the outbox is drained (twice, as beat and an operator might),
        private_redis.start()
        assert outbox_drain() == 1
        assert outbox_drain() == 0

    # then the check is on the analytics queue exactly once.
    assert broker.llen("analytics") == 1
    assert OutboxTask.objects.get().sent_at is not None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_drains_skip_the_rows_another_one_holds(private_redis):  # noqa: F811
    broker = redis.Redis.from_url(private_redis.url(1))
    with celery_broker(private_redis.url(1)):
        private_redis.kill()
        rows = [outbox_enqueue(fraud_batch_check_task, n) for n in range(3)]  # committed, not sent
        assert OutboxTask.objects.filter(sent_at__isnull=True).count() == 3
        private_redis.start()

        # Another drain (another connection) holds the first row, as if it were publishing it right now.
        held, release = threading.Event(), threading.Event()

        def hold_first_row() -> None:
            from django.db import connection

            try:
                with transaction.atomic():
                    list(OutboxTask.objects.select_for_update().filter(pk=rows[0].pk))
                    held.set()
                    release.wait(timeout=30)
            finally:
                connection.close()

        other = threading.Thread(target=hold_first_row)
        other.start()
        assert held.wait(timeout=10)
        try:
            assert outbox_drain() == 2  # it does not wait for, nor send, the held row
        finally:
            release.set()
            other.join(timeout=30)
        assert outbox_drain() == 1
        assert outbox_drain() == 0

    assert broker.llen("analytics") == 3
    assert sorted(OutboxTask.objects.values_list("attempts", flat=True)) == [2, 2, 2]  # one refusal, one send


@pytest.fixture
def customers(transactional_db, django_db_serialized_rollback, hefei) -> list[Customer]:
    return _make_customers(hefei, 25)


@pytest.mark.worker
def test_a_job_started_with_redis_down_runs_exactly_once_on_a_worker_when_redis_is_back(
    customers,
    private_redis,  # noqa: F811
    settings,
    monkeypatch,
):
    settings.REDIS_URL = private_redis.url(0)  # the worker of tests.conftest takes its broker from here
    counter = redis.Redis.from_url(private_redis.url(2))
    monkeypatch.setenv(RUN_COUNTER_ENV, private_redis.url(2))  # the worker counts the tasks it runs there
    broker_url = private_redis.url(_worker_broker_db())
    with celery_broker(broker_url):
        # Given Redis is down,
        private_redis.kill()
        # when an analyst starts a job (the write commits; the run is queued after commit),
        started = time.monotonic()
        job = jobs.job_start(kind=toy_jobs.TOY, as_of=AS_OF)
        assert time.monotonic() - started < 5  # no long wait for a broker that is not there

    # then the job is there, pending, and its run waits in the outbox.
    job.refresh_from_db()
    assert job.status == "pending"
    row = OutboxTask.objects.get()
    assert row.task_name == analytics_job_run_task.name and row.sent_at is None and row.last_error

    # When Redis is back, a worker runs, and the outbox is drained twice (the periodic task, then the command),
    private_redis.start()
    include = ("tests.analytics.toy_jobs", __name__)
    with celery_worker(settings, include=include, flush=False) as worker:
        assert outbox_drain() == 1
        out = io.StringIO()
        call_command("outbox_drain", stdout=out)
        assert out.getvalue().strip() == "0 task(s) published, 0 pending."
        deadline = time.monotonic() + 60
        while AnalyticsJob.objects.get(pk=job.pk).status != "done":
            assert time.monotonic() < deadline, worker.log.read_text(errors="replace")[-3000:]
            time.sleep(0.1)
        time.sleep(1)  # a duplicate, if there were one, would arrive now

    # then the job ran exactly once, each of its chunks once, with one row per customer.
    job.refresh_from_db()
    assert job.chunks_done == job.chunks_total >= 3
    assert int(counter.get(f"runs:{analytics_job_run_task.name}") or 0) == 1
    assert int(counter.get(f"runs:{analytics_job_chunk_task.name}") or 0) == job.chunks_total
    rows = list(CustomerFeatures.objects.filter(as_of=AS_OF).values_list("customer_id", flat=True))
    assert sorted(rows) == sorted(c.pk for c in customers)
    assert redis.Redis.from_url(broker_url).llen("analytics") == 0
