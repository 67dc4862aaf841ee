"""A job kind for testing the runner: one CustomerFeatures row per customer of a chunk, replaced on every try.

Its parameters make it slow (``sleep`` seconds per chunk) or make one chunk fail on its first try (``fail_seq``),
so tests can kill a worker mid-run or see a failed chunk resumed. A worker imports it with ``--include``."""

from __future__ import annotations

import time

from analytics.jobs import JobSpec, register
from analytics.models import AnalyticsJob, CustomerFeatures, JobChunk
from customers.models import Customer

TOY = "toy"
FAILED_ONCE: set[tuple[int, int]] = set()


def _run_chunk(job: AnalyticsJob, lo: int, hi: int) -> int:
    CustomerFeatures.objects.filter(as_of=job.as_of, customer_id__gte=lo, customer_id__lt=hi).delete()
    in_range = Customer.objects.filter(id__gte=lo, id__lt=hi)
    customers = list(in_range.values_list("id", "customer_class", "service_level"))
    CustomerFeatures.objects.bulk_create(
        CustomerFeatures(as_of=job.as_of, customer_id=pk, customer_class=cls, service_level=level, job=job)
        for pk, cls, level in customers
    )
    time.sleep(float(job.params.get("sleep", 0)))
    fail_seq = job.params.get("fail_seq")
    if fail_seq is not None:
        seq = JobChunk.objects.get(job=job, lo=lo).seq
        # Remembered in the process, not the database: the chunk's transaction is rolled back by the failure.
        if seq == fail_seq and (job.pk, seq) not in FAILED_ONCE:
            FAILED_ONCE.add((job.pk, seq))
            raise RuntimeError(f"chunk {seq} fails on its first try")
    return len(customers)


def _finish(job: AnalyticsJob) -> dict:
    return {"customers": CustomerFeatures.objects.filter(as_of=job.as_of).count()}


register(JobSpec(kind=TOY, run_chunk=_run_chunk, finish=_finish, chunk_size=10))
