"""The feature-store job (JobKind.FEATURES): each chunk rebuilds its customer-id range's features at the cut-off."""

from __future__ import annotations

from analytics.jobs import JobSpec, register
from analytics.models import CustomerFeatures
from analytics.models.jobs import JobKind

from .store import features_replace


def run_chunk(job, lo: int, hi: int) -> int:
    """Replace the features of customers ``lo <= id < hi`` at ``job.as_of`` (a re-run never duplicates)."""
    return features_replace(as_of=job.as_of, lo=lo, hi=hi, job=job)


def finish(job) -> dict:
    return {"customers": CustomerFeatures.objects.filter(as_of=job.as_of).count()}


FEATURES_JOB = register(JobSpec(kind=JobKind.FEATURES, run_chunk=run_chunk, finish=finish, chunk_size=20_000))
