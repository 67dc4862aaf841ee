"""Every periodic job of the CRM, in one place, as crontabs (Celery beat reads this)."""

from __future__ import annotations

from celery.schedules import crontab


def beat_schedule() -> dict[str, dict]:
    return {
        "retry-due-event-deliveries": {
            "task": "crm.api.tasks.retry_due_event_deliveries_task",
            "schedule": crontab(minute="*"),
        },
    }
