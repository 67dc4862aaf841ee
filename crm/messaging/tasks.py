"""SMS delivery tasks: thin, idempotent, calling crm.messaging.services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sms_deliver_task(message_id: int) -> str:
    return services.sms_deliver(message_id=message_id).status


@shared_task(acks_late=True, soft_time_limit=280, time_limit=300)
def deliver_queued_sms_task() -> int:
    """Every minute: the messages whose task was lost, delivered here (one worker, oldest first)."""
    return services.sms_sweep()
