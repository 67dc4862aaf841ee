"""Periodic customer jobs: thin, calling customers.services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(bind=True, acks_late=True, soft_time_limit=3300, time_limit=3600)
def recompute_service_levels_task(self) -> dict:
    """Monthly: recompute every unpinned customer's service level; reports progress while it runs."""

    def progress(done: int, total: int) -> None:
        if self.request.id:  # not when called in-process without a worker
            self.update_state(state="PROGRESS", meta={"done": done, "total": total})

    result = services.service_levels_recompute(progress=progress)
    return {"examined": result.examined, "changed": result.changed, "pinned": result.pinned_skipped,
            "by_level": result.by_level}  # fmt: skip


@shared_task(acks_late=True, soft_time_limit=280, time_limit=300)
def contracts_sweep_task() -> dict:
    """Daily: expire ended key-account contracts and raise renewal reminders."""
    result = services.contracts_sweep()
    return {"expired": result.expired, "reminded": len(result.reminded)}
