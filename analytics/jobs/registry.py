"""The job kinds the runner knows: each app module registers its ``JobSpec`` at import (see ``analytics.apps``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analytics.models import AnalyticsJob


@dataclass(frozen=True)
class JobSpec:
    """How to run one kind of analytics job.

    - ``prepare(job)``: once, before the chunks (train a model, fit scalers on a sample...). It must be idempotent:
      keep what the chunks need in ``job.result`` (saved by the runner) or in files named by the job id.
    - ``run_chunk(job, lo, hi) -> rows``: the work for customers with ``lo <= id < hi``. The runner calls it inside a
      transaction and marks the chunk done in the same transaction, so it must write its results by replacing what
      an earlier try of the same range and cut-off could have left (delete-then-insert, or upsert).
    - ``finish(job) -> dict``: once, after the last chunk; its dict is merged into ``job.result``.
    - ``chunked``: False for jobs that are one step (a single chunk ``[0, 1)``).
    - ``plan(job) -> [(lo, hi), ...]``: chunks of the job's own making instead (e.g. one per table to refresh).
    """

    kind: str
    run_chunk: Callable[[AnalyticsJob, int, int], int]
    prepare: Callable[[AnalyticsJob], None] | None = None
    finish: Callable[[AnalyticsJob], dict] | None = None
    chunked: bool = True
    chunk_size: int = 50_000
    plan: Callable[[AnalyticsJob], list[tuple[int, int]]] | None = None


_SPECS: dict[str, JobSpec] = {}


def register(spec: JobSpec) -> JobSpec:
    _SPECS[spec.kind] = spec
    return spec


def job_spec(kind: str) -> JobSpec:
    try:
        return _SPECS[kind]
    except KeyError:
        raise LookupError(f"No analytics job of kind {kind!r} is registered") from None
