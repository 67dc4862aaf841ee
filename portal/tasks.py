"""Portal jobs: thin, calling portal.services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=240, time_limit=280)
def one_time_codes_purge_task() -> dict:
    """Daily: delete the one-time codes that expired more than a day ago (idempotent: a rerun finds none)."""
    return {"deleted": services.one_time_codes_purge()}
