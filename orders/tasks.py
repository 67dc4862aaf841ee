"""Ordering jobs: thin, calling orders.services."""

from __future__ import annotations

from celery import shared_task

from .services import work


@shared_task(acks_late=True, soft_time_limit=240, time_limit=280)
def work_orders_sla_sweep_task() -> dict:
    """Every five minutes: warn of work orders nearing their time limit, escalate breached ones, late arrivals on
    site and overdue reports (each once)."""
    warned, breached = work.work_orders_sla_sweep()
    late, overdue = work.field_deadlines_sweep()
    return {
        "warned": len(warned),
        "breached": len(breached),
        "late_on_site": len(late),
        "reports_overdue": len(overdue),
    }
