"""Every periodic job of the CRM, in one place, as crontabs (Celery beat reads this)."""

from __future__ import annotations

from celery.schedules import crontab


def beat_schedule() -> dict[str, dict]:
    return {
        # The task outbox: tasks enqueued while the broker was down are published once it is back.
        "drain-task-outbox": {
            "task": "crm.outbox.tasks.outbox_drain_task",
            "schedule": crontab(minute="*"),
        },
        # SMS whose delivery task was lost (the broker down at commit, a worker killed mid-send).
        "deliver-queued-sms": {
            "task": "crm.messaging.tasks.deliver_queued_sms_task",
            "schedule": crontab(minute="*"),
        },
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
        # 个人信息保护: usage details older than USAGE_RETENTION_MONTHS are dropped by month, on the 2nd at 03:40.
        "usage-retention": {
            "task": "billing_sync.tasks.usage_retention_task",
            "schedule": crontab(minute=40, hour=3, day_of_month=2),
        },
        # 网上营业厅: one-time codes expired more than a day ago are deleted, daily at 04:10.
        "purge-portal-one-time-codes": {
            "task": "portal.tasks.one_time_codes_purge_task",
            "schedule": crontab(minute=10, hour=4),
        },
        # 分析型CRM: the feature store on the 1st at 00:30 for the month just ended, then what reads it.
        "analytics-features": {
            "task": "analytics.tasks.analytics_scheduled_job_task",
            "schedule": crontab(minute=30, hour=0, day_of_month=1),
            "args": ("features",),
        },
        "analytics-churn-score": {
            "task": "analytics.tasks.analytics_scheduled_job_task",
            "schedule": crontab(minute=0, hour=4, day_of_month=1),
            "args": ("churn_score",),
        },
        "analytics-segmentation": {
            "task": "analytics.tasks.analytics_scheduled_job_task",
            "schedule": crontab(minute=30, hour=4, day_of_month=1),
            "args": ("segmentation",),
        },
        "analytics-credit": {
            "task": "analytics.tasks.analytics_scheduled_job_task",
            "schedule": crontab(minute=0, hour=5, day_of_month=1),
            "args": ("credit",),
        },
        # Churn models are retrained each quarter; a manager compares and promotes the new version.
        "analytics-churn-train": {
            "task": "analytics.tasks.analytics_scheduled_job_task",
            "schedule": crontab(minute=0, hour=2, day_of_month=2, month_of_year="1,4,7,10"),
            "args": ("churn_train",),
        },
        # 反欺诈: yesterday's usage every night at 01:30; fraud models retrained from analysts' verdicts weekly.
        "analytics-fraud-daily": {
            "task": "analytics.tasks.analytics_scheduled_job_task",
            "schedule": crontab(minute=30, hour=1),
            "args": ("fraud_daily",),
        },
        "analytics-fraud-train": {
            "task": "analytics.tasks.analytics_scheduled_job_task",
            "schedule": crontab(minute=0, hour=2, day_of_week=1),
            "args": ("fraud_train",),
        },
        # 管理驾驶舱: the dashboards' aggregate tables nightly after the other jobs, the operations ones hourly;
        # subscribed reports go out at 06:30.
        "analytics-marts-nightly": {
            "task": "analytics.tasks.analytics_marts_refresh_task",
            "schedule": crontab(minute=45, hour=5),
        },
        "analytics-marts-hourly": {
            "task": "analytics.tasks.analytics_marts_refresh_task",
            "schedule": crontab(minute=5, hour="7-23"),
            "kwargs": {"hourly": True},
        },
        "analytics-reports-send": {
            "task": "analytics.tasks.reports_send_due_task",
            "schedule": crontab(minute=30, hour=6),
        },
        "analytics-resume-stalled-jobs": {
            "task": "analytics.tasks.analytics_jobs_resume_stalled_task",
            "schedule": crontab(minute="*/10"),
        },
        "sweep-key-account-contracts": {
            "task": "customers.tasks.contracts_sweep_task",
            "schedule": crontab(minute=0, hour=6),
        },
        # 营销短信: running SMS campaigns text their members not texted yet, daily at 10:00 (outside quiet hours).
        "campaigns-sms-send": {
            "task": "analytics.tasks.campaigns_sms_send_task",
            "schedule": crontab(minute=0, hour=10),
        },
        # 主动关怀: care rules daily at 09:30, after the nightly jobs and outside the SMS quiet hours.
        "care-rules-run": {
            "task": "feedback.tasks.care_rules_run_task",
            "schedule": crontab(minute=30, hour=9),
        },
    }
