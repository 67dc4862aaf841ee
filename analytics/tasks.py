"""Celery tasks of the analytical CRM, on the ``analytics`` queue: thin, taking ids, calling the runner."""

from __future__ import annotations

from celery import shared_task

from analytics.services import jobs

# Chunks are idempotent and resumable: late acks and redelivery on worker loss are what we want.
CHUNK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True, "time_limit": 3600, "soft_time_limit": 3300}


@shared_task(**CHUNK_OPTIONS)
def analytics_job_run_task(job_id: int) -> None:
    jobs.job_run(job_id)


@shared_task(**CHUNK_OPTIONS)
def analytics_job_chunk_task(job_id: int, seq: int) -> None:
    jobs.job_chunk_run(job_id, seq)
    jobs.job_chunk_finished(job_id)


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def fraud_batch_check_task(batch_id: int) -> int:
    """The fast fraud rules over one usage batch as it loads (running it twice raises nothing twice)."""
    from analytics.fraud.services import fraud_batch_check

    return fraud_batch_check(batch_id=batch_id)


@shared_task(time_limit=300)
def analytics_jobs_resume_stalled_task() -> list[int]:
    return jobs.jobs_resume_stalled()


@shared_task(time_limit=300)
def analytics_scheduled_job_task(kind: str) -> int | None:
    """Start a scheduled job (its cut-off chosen by ``job_start_scheduled``); None when one is still running."""
    job = jobs.job_start_scheduled(kind=kind)
    return job.pk if job else None


@shared_task(time_limit=300)
def analytics_marts_refresh_task(hourly: bool = False) -> int | None:
    """Start the dashboards' aggregate refresh: all tables nightly, the operations tables every hour."""
    job = jobs.marts_refresh_start(hourly=hourly)
    return job.pk if job else None


@shared_task(time_limit=1800)
def reports_send_due_task() -> int:
    """E-mail the report subscriptions due today (once a day each)."""
    from analytics.dashboards.reports import reports_send_due

    return reports_send_due()


@shared_task(acks_late=True, time_limit=3600, soft_time_limit=3300)
def campaigns_sms_send_task() -> dict[str, int]:
    """Text the running SMS campaigns' members not texted yet (idempotent: a member is texted once)."""
    from analytics.campaigns.channels import campaigns_sms_send_running

    return {code: run.sent for code, run in campaigns_sms_send_running().items()}
