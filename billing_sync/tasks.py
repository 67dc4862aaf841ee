"""Billing jobs: thin, calling billing_sync.services."""

from __future__ import annotations

from celery import shared_task

# --- Arrears management (欠费管理) ----------------------------------------------------------------------------------


@shared_task(acks_late=True, soft_time_limit=3300, time_limit=3600)
def dunning_run_task() -> dict:
    """Daily: arrears refreshed, cases opened and moved through the phases, promises and plans checked."""
    from dataclasses import asdict

    from .services.dunning import dunning_run

    return asdict(dunning_run())


@shared_task(acks_late=True, soft_time_limit=1700, time_limit=1800)
def dunning_cases_step_task(case_ids: list[int], now: str) -> dict:
    """A chunk of the daily run's cases, moved through what is due for them at ``now`` (ISO time of the run)."""
    import datetime
    from dataclasses import asdict

    from .services.dunning import dunning_cases_step

    return asdict(dunning_cases_step(case_ids=case_ids, now=datetime.datetime.fromisoformat(now)))


@shared_task(acks_late=True, soft_time_limit=280, time_limit=300)
def dunning_resume_task(case_id: int) -> list[str]:
    """After a payment cleared a case: resume the services it suspended (the daily run retries what is left)."""
    from .services.dunning import dunning_resume

    return dunning_resume(case_id=case_id)


# --- Retention of usage details (个人信息保护: 详单保存期限) ---------------------------------------------------------


@shared_task(acks_late=True, soft_time_limit=1700, time_limit=1800)
def usage_retention_task() -> list[str]:
    """Monthly: drop the usage partitions older than USAGE_RETENTION_MONTHS (a dropped one is gone: idempotent)."""
    from .services.partitions import usage_partitions_drop_expired

    return usage_partitions_drop_expired()


# --- Feed files (计费数据文件) -------------------------------------------------------------------------------------


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=3300, time_limit=3600)
def feed_file_load_task(path: str, sender: str = "file-drop") -> int | None:
    """Load one dropped feed file on the billing queue; safe to run again after a crash (see services.feeds.files)."""
    from .services.feeds.files import feed_file_load

    batch = feed_file_load(path=path, sender=sender)
    return batch.pk if batch is not None else None
