"""Event delivery tasks: thin, idempotent, calling crm.api.services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import services


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def deliver_event_task(delivery_id: int) -> str:
    delivery = services.event_delivery_attempt(delivery_id=delivery_id)
    if delivery is None:
        return "done"
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        countdown = max((delivery.next_attempt_at - timezone.now()).total_seconds(), 0)
        deliver_event_task.apply_async((delivery_id,), countdown=countdown)
    # In-process mode the every-minute sweep below picks the retry up; never sleep in a request.
    return "retry scheduled"


@shared_task(acks_late=True, soft_time_limit=280, time_limit=300)
def retry_due_event_deliveries_task() -> int:
    due = services.due_event_deliveries()
    for delivery_id in due:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            services.event_delivery_attempt(delivery_id=delivery_id)
        else:
            deliver_event_task.delay(delivery_id)
    return len(due)
