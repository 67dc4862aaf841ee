"""Call-centre jobs: thin, calling callcenter.services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True, soft_time_limit=240, time_limit=280)
def tickets_sla_sweep_task() -> dict:
    """Every five minutes: warn of tickets near their time limit, record breaches, refresh regulator risk."""
    warned, breached = services.tickets_sla_sweep()
    missed = services.callbacks_sweep()
    return {"warned": len(warned), "breached": len(breached), "callbacks_missed": len(missed)}
