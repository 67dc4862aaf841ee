"""The outbox's periodic drain: thin, calling crm.outbox.services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def outbox_drain_task() -> int:
    """Publish what the outbox still holds (tasks enqueued while the broker was down), then forget old sent rows."""
    sent = services.outbox_drain()
    services.outbox_purge_sent()
    return sent
