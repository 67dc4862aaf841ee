"""The Celery app and its queues: one per kind of work, so a long churn run never starves billing feeds."""

from __future__ import annotations

import enum
import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.main")


class CrmQueue(enum.StrEnum):
    DEFAULT = "default"
    BILLING = "billing"
    ANALYTICS = "analytics"


app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(q.value) for q in CrmQueue]
app.conf.task_routes = {
    "billing_sync.*": {"queue": CrmQueue.BILLING.value},
    "analytics.*": {"queue": CrmQueue.ANALYTICS.value},
    "customers.tasks.recompute_service_levels_task": {"queue": CrmQueue.ANALYTICS.value},  # a batch over everyone
}
app.autodiscover_tasks()

import crm.task_context  # noqa: E402, F401 - connects the signals that carry request ids into tasks


@app.on_after_finalize.connect
def _install_schedule(sender: Celery, **kwargs: object) -> None:
    from crm.schedules import beat_schedule

    sender.conf.beat_schedule = beat_schedule()
