"""Ordering jobs: thin, calling orders.services."""

from __future__ import annotations

from celery import shared_task

from .services import work


@shared_task(acks_late=True, soft_time_limit=240, time_limit=280)
def work_orders_sla_sweep_task() -> dict:
    """Every five minutes: warn of work orders nearing their time limit and escalate breached ones (idempotent)."""
    warned, breached = work.work_orders_sla_sweep()
    return {"warned": len(warned), "breached": len(breached)}
