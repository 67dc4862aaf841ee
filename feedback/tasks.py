"""Periodic feedback jobs: thin, calling the care rules."""

from __future__ import annotations

import datetime

from celery import shared_task

from . import care_rules


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=1700, time_limit=1800)
def care_rules_run_task(today: str | None = None) -> dict:
    """Daily: fire the care rules for today (or an ISO date); safe to repeat, each event fires once."""
    day = datetime.date.fromisoformat(today) if today else None
    result = care_rules.care_rules_run(today=day)
    return {"fired": result.fired, "tasks": result.tasks, "greetings": result.greetings}
