"""The analytics job runner: start a job once per run key, plan its chunks over customer-id ranges, run them (inline or
one Celery task per chunk on the ``analytics`` queue), record progress, and finish it once.

Resumable by construction: a chunk's results and its "done" mark commit together, the job's counters move with ``F()``
updates, and ``finish`` runs under a lock on the job only when every chunk is done. A worker that dies leaves its chunk
pending (its transaction rolled back); ``job_resume`` (and the sweep of stalled jobs) dispatches the pending chunks
again, and a chunk delivered twice is skipped the second time.
"""

from __future__ import annotations

import datetime
import logging
import traceback
from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from analytics.jobs import job_spec
from analytics.models import AnalyticsJob, JobChunk
from analytics.models.jobs import LIVE_STATUSES, JobStatus
from analytics.sql import analytics_session
from crm.outbox.services import outbox_enqueue
from customers.models import Customer

log = logging.getLogger(__name__)

# A running job whose chunks have not moved for this long lost its worker: the sweep dispatches them again.
STALL_AFTER = datetime.timedelta(minutes=20)


class JobAlreadyRunning(Exception):
    """Another job of the same kind is pending or running."""


def _run_key(kind: str, as_of: datetime.date, params: dict | None) -> str:
    suffix = f":{params['variant']}" if params and params.get("variant") else ""
    return f"{kind}:{as_of.isoformat()}{suffix}"


def job_start(
    *, kind: str, as_of: datetime.date, params: dict | None = None, actor=None, run_key: str | None = None
) -> AnalyticsJob:
    """Create the job for (kind, cut-off) once and dispatch it after commit; an existing run is returned as it is.

    A failed run with the same key is reset and run again (its done chunks are kept, so it resumes)."""
    job_spec(kind)  # unknown kinds fail here, not in a worker
    key = run_key or _run_key(kind, as_of, params)
    with transaction.atomic():
        job = AnalyticsJob.objects.select_for_update().filter(run_key=key).first()
        if job is None:
            if AnalyticsJob.objects.filter(kind=kind, status__in=LIVE_STATUSES).exists():
                raise JobAlreadyRunning(kind)
            try:
                with transaction.atomic():
                    job = AnalyticsJob.objects.create(
                        kind=kind, run_key=key, as_of=as_of, params=params or {}, requested_by=actor
                    )
            except IntegrityError:  # started at the same moment by someone else
                return AnalyticsJob.objects.get(run_key=key)
        elif job.status == JobStatus.FAILED:
            job.status, job.error, job.finished_at = JobStatus.PENDING, "", None
            job.save(update_fields=["status", "error", "finished_at"])
        else:
            return job
        _dispatch_run(job.pk)
    return job


def _dispatch_run(job_id: int) -> None:
    """Queue the run through the outbox, in the caller's transaction: published after commit, or by the outbox's
    drain if the broker is down (a run is idempotent: done chunks are skipped)."""
    from analytics.tasks import analytics_job_run_task

    outbox_enqueue(analytics_job_run_task, job_id)


def job_run_now(kind: str, *, as_of: datetime.date, params: dict | None = None, actor=None) -> AnalyticsJob:
    """Create (or resume) a job and run all of it in this process: for commands, tests and ``make run``."""
    key = _run_key(kind, as_of, params)
    job, _created = AnalyticsJob.objects.get_or_create(
        run_key=key, defaults={"kind": kind, "as_of": as_of, "params": params or {}, "requested_by": actor}
    )
    job_run(job.pk, inline=True)
    job.refresh_from_db()
    return job


def _customer_id_range() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id) FROM {Customer._meta.db_table}")  # noqa: S608 - a model's table name
        lo, hi = cursor.fetchone()
    return (lo or 0), (hi or 0) + 1


def _plan(job: AnalyticsJob) -> None:
    """Create the job's chunks once: id ranges of ``chunk_size`` customers, or one step."""
    spec = job_spec(job.kind)
    if job.chunks.exists():
        return
    if spec.plan is not None:
        bounds = spec.plan(job) or [(0, 1)]
    elif spec.chunked:
        lo, hi = _customer_id_range()
        size = int(job.params.get("chunk_size") or spec.chunk_size)
        bounds = [(start, min(start + size, hi)) for start in range(lo, hi, size)] or [(0, 1)]
    else:
        bounds = [(0, 1)]
    JobChunk.objects.bulk_create(JobChunk(job=job, seq=i, lo=a, hi=b) for i, (a, b) in enumerate(bounds))
    AnalyticsJob.objects.filter(pk=job.pk).update(chunks_total=len(bounds))


def job_run(job_id: int, *, inline: bool = False) -> None:
    """Prepare the job (once), plan its chunks (once), then run the pending ones here or fan them out to workers."""
    with transaction.atomic():
        job = AnalyticsJob.objects.select_for_update().get(pk=job_id)
        if job.status in (JobStatus.DONE,):
            return
        now = timezone.now()
        job.status, job.heartbeat_at = JobStatus.RUNNING, now
        job.started_at = job.started_at or now
        job.save(update_fields=["status", "started_at", "heartbeat_at"])
    spec = job_spec(job.kind)
    try:
        analytics_session()
        if spec.prepare is not None and not job.result.get("_prepared"):
            spec.prepare(job)
            job.result["_prepared"] = True
            AnalyticsJob.objects.filter(pk=job.pk).update(result=job.result, heartbeat_at=timezone.now())
        with transaction.atomic():
            _plan(job)
    except Exception as exc:
        _fail(job.pk, exc)
        if inline:
            raise
        return
    pending = list(job.chunks.filter(status=JobChunk.Status.PENDING).values_list("seq", flat=True))
    if inline:
        for seq in pending:
            job_chunk_run(job.pk, seq, raise_errors=True)
        job_finish(job.pk)
    else:
        _dispatch_chunks(job.pk, pending)
        if not pending:
            job_finish(job.pk)


def _dispatch_chunks(job_id: int, seqs: Iterable[int]) -> None:
    from celery import group

    from analytics.tasks import analytics_job_chunk_task

    signatures = [analytics_job_chunk_task.si(job_id, seq) for seq in seqs]
    if signatures:
        group(signatures).apply_async()


def job_chunk_run(job_id: int, seq: int, *, raise_errors: bool = False) -> bool:
    """Run one chunk if it is still pending: its results and its done mark commit together. True if it ran."""
    try:
        analytics_session()
        with transaction.atomic():
            # Only the chunk's row: a plain FOR UPDATE over the join would lock the job's row too and hold it for
            # the whole chunk, so the chunks of one job would run one after another whatever the workers.
            chunk = JobChunk.objects.select_for_update(of=("self",)).select_related("job").get(job_id=job_id, seq=seq)
            if chunk.status == JobChunk.Status.DONE:
                return False
            rows = job_spec(chunk.job.kind).run_chunk(chunk.job, chunk.lo, chunk.hi) or 0
            now = timezone.now()
            JobChunk.objects.filter(pk=chunk.pk).update(
                status=JobChunk.Status.DONE, rows=rows, attempts=F("attempts") + 1, error="", finished_at=now
            )
            AnalyticsJob.objects.filter(pk=job_id).update(
                chunks_done=F("chunks_done") + 1, rows_done=F("rows_done") + rows, heartbeat_at=now
            )
    except Exception as exc:
        JobChunk.objects.filter(job_id=job_id, seq=seq).update(
            status=JobChunk.Status.FAILED, attempts=F("attempts") + 1, error=_describe(exc)
        )
        log.exception("analytics job %s chunk %s failed", job_id, seq)
        if raise_errors:
            _fail(job_id, exc)
            raise
        return False
    return True


def job_finish(job_id: int) -> AnalyticsJob:
    """Finish the job once every chunk is done (``finish`` + result); a failed chunk fails the job (resumable)."""
    with transaction.atomic():
        job = AnalyticsJob.objects.select_for_update().get(pk=job_id)
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            return job
        states = set(job.chunks.values_list("status", flat=True))
        if JobChunk.Status.PENDING in states:
            return job
        if JobChunk.Status.FAILED in states:
            failed = job.chunks.filter(status=JobChunk.Status.FAILED).first()
            job.status, job.error, job.finished_at = JobStatus.FAILED, failed.error, timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
            return job
        spec = job_spec(job.kind)
        try:
            with transaction.atomic():
                summary = spec.finish(job) if spec.finish is not None else {}
        except Exception as exc:
            job.status, job.error, job.finished_at = JobStatus.FAILED, _describe(exc), timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
            return job
        job.result = {**job.result, **(summary or {})}
        job.status, job.finished_at, job.heartbeat_at = JobStatus.DONE, timezone.now(), timezone.now()
        job.save(update_fields=["result", "status", "finished_at", "heartbeat_at"])
    return job


def job_chunk_finished(job_id: int) -> None:
    """After a chunk task: finish the job if it was the last one (whichever worker gets here first does it)."""
    if not JobChunk.objects.filter(job_id=job_id, status=JobChunk.Status.PENDING).exists():
        job_finish(job_id)


def job_resume(job_id: int) -> AnalyticsJob:
    """Run a job's missing chunks again: failed ones are reset to pending and all pending ones are dispatched."""
    with transaction.atomic():
        job = AnalyticsJob.objects.select_for_update().get(pk=job_id)
        if job.status == JobStatus.DONE:
            return job
        job.chunks.filter(status=JobChunk.Status.FAILED).update(status=JobChunk.Status.PENDING)
        job.status, job.error, job.finished_at, job.heartbeat_at = JobStatus.PENDING, "", None, timezone.now()
        job.save(update_fields=["status", "error", "finished_at", "heartbeat_at"])
        _dispatch_run(job_id)
    return job


def jobs_resume_stalled(*, now: datetime.datetime | None = None) -> list[int]:
    """Resume live jobs whose progress stopped (their worker died, or their dispatch was lost): the periodic sweep."""
    cutoff = (now or timezone.now()) - STALL_AFTER
    live = AnalyticsJob.objects.filter(status__in=LIVE_STATUSES)
    stalled = list(
        live.filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)).values_list(
            "pk", flat=True
        )
    )
    for job_id in stalled:
        job_resume(job_id)
    return stalled


def _fail(job_id: int, exc: BaseException) -> None:
    AnalyticsJob.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, error=_describe(exc), finished_at=timezone.now()
    )


def _describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]


# Scheduled runs: monthly kinds for the month just ended, fraud kinds for yesterday (crm/schedules.py says when).
DAILY_KINDS = {"fraud_daily", "fraud_train"}
# The operations tables a dashboard shows for "today": refreshed every hour; everything else nightly.
HOURLY_MARTS = ("work_orders_daily", "tickets_daily", "backlog_ageing")


def scheduled_cutoff(kind: str, today: datetime.date) -> datetime.date:
    """The cut-off date a scheduled run of ``kind`` takes on ``today``."""
    if kind in DAILY_KINDS:
        return today - datetime.timedelta(days=1)
    return today.replace(day=1) - datetime.timedelta(days=1)


def job_start_scheduled(*, kind: str, today: datetime.date | None = None) -> AnalyticsJob | None:
    """Start the scheduled run of ``kind``; None (and nothing started) while another job of the kind is live."""
    try:
        return job_start(kind=kind, as_of=scheduled_cutoff(kind, today or timezone.localdate()))
    except JobAlreadyRunning:
        return None


def marts_refresh_start(*, hourly: bool = False, now: datetime.datetime | None = None) -> AnalyticsJob | None:
    """Start the dashboards' aggregate refresh: every table (nightly) or the operations tables for today (hourly)."""
    now = timezone.localtime(now)
    params = {"marts": list(HOURLY_MARTS), "days": 1, "variant": f"hourly-{now:%H}"} if hourly else {}
    try:
        return job_start(kind="marts", as_of=now.date(), params=params)
    except JobAlreadyRunning:
        return None
