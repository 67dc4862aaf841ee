"""Demo analytics (step ``analytics``, order 70): run the analytical jobs once over the demo data, as the schedule
would have, so the work lists, segments, fraud queue, model registry and dashboards of a small demo (``make run``)
are not empty. Large demos leave it to the schedule (or the jobs page): the jobs then run chunked on the workers.

Each job runs in-process through the job runner and shows on the jobs page; a job that cannot run on this data (too
little history to train a churn model, say) is reported and the others still run."""

from __future__ import annotations

import datetime

from crm.demo.engine import SeedContext, demo_step

from .models.jobs import JobKind

ANALYTICS_UP_TO = 20_000  # customers: beyond this the first runs take minutes; the schedule runs them
FRAUD_DAYS = 7


def _run(ctx: SeedContext, kind: str, as_of: datetime.date, params: dict | None = None) -> None:
    from .services.jobs import job_run_now

    try:
        job = job_run_now(kind, as_of=as_of, params=params)
    except Exception as exc:  # the job recorded its error; a demo goes on without it
        ctx.log(f"  {kind} {as_of}: not run ({type(exc).__name__}: {str(exc)[:160]})")
        return
    summary = {k: v for k, v in job.result.items() if not k.startswith("_") and not isinstance(v, (dict, list))}
    ctx.log(f"  {kind} {as_of}: {job.rows_done} rows {summary}")


@demo_step(order=70, name="analytics")
def seed_analytics(ctx: SeedContext) -> None:
    """Features, churn model and scores, segments, credit, a week of fraud checks, and the dashboards' tables."""
    if ctx.customers <= 0 or ctx.customers > ANALYTICS_UP_TO:
        ctx.log(f"  no customers or more than {ANALYTICS_UP_TO}: the scheduled jobs fill the analytics")
        return
    today = ctx.today
    yesterday = today - datetime.timedelta(days=1)
    # A small demo (make run: 200 customers) has few churners: let the model train on them to fill the pages.
    small = {"min_rows": 50, "min_positives": 2} if ctx.customers < 1_000 else None
    _run(ctx, JobKind.FEATURES, yesterday)
    _run(ctx, JobKind.CHURN_TRAIN, yesterday, small)
    _run(ctx, JobKind.CHURN_SCORE, yesterday)
    _run(ctx, JobKind.SEGMENTATION, yesterday)
    # The demo's defaults begin one to three months back and its disconnections happen as the demo is made: a
    # 60-day outcome up to today is the window that holds them.
    _run(ctx, JobKind.CREDIT, today, {"outcome_days": 60})
    for back in range(FRAUD_DAYS, 0, -1):
        _run(ctx, JobKind.FRAUD_DAILY, today - datetime.timedelta(days=back))
    _run(ctx, JobKind.MARTS, today, {"days": 400})
