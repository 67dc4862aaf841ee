"""Every periodic job of the CRM, in one place, as crontabs (Celery beat reads this)."""

from __future__ import annotations

from celery.schedules import crontab


def beat_schedule() -> dict[str, dict]:
    return {
        "retry-due-event-deliveries": {
            "task": "crm.api.tasks.retry_due_event_deliveries_task",
            "schedule": crontab(minute="*"),
        },
        # 服务等级: levels follow the last six months, recomputed on the 1st of each month at 02:30.
        "recompute-service-levels": {
            "task": "customers.tasks.recompute_service_levels_task",
            "schedule": crontab(minute=30, hour=2, day_of_month=1),
        },
        # 时限预警与升级: work orders near their deadline warn the technician; breaches go to the leads.
        "sweep-work-order-time-limits": {
            "task": "orders.tasks.work_orders_sla_sweep_task",
            "schedule": crontab(minute="*/5"),
        },
        # Tickets near or past their time limit, and callbacks not made in time (首问负责, 预约回电).
        "sweep-ticket-time-limits": {
            "task": "callcenter.tasks.tickets_sla_sweep_task",
            "schedule": crontab(minute="*/5"),
        },
        # 欠费管理: arrears refreshed and dunning cases moved through their phases, daily at 03:00.
        "dunning-run": {
            "task": "billing_sync.tasks.dunning_run_task",
            "schedule": crontab(minute=0, hour=3),
        },
        "sweep-key-account-contracts": {
            "task": "customers.tasks.contracts_sweep_task",
            "schedule": crontab(minute=0, hour=6),
        },
    }
