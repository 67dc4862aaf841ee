"""Reads of the analytical CRM shared by its pages and API: jobs with their progress, and the model registry."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from .models import AnalyticsJob, ModelVersion, ReportSubscription


def jobs_recent() -> QuerySet[AnalyticsJob]:
    return AnalyticsJob.objects.select_related("requested_by").order_by("-created_at", "-id")


@dataclass(frozen=True)
class JobProgress:
    done: int
    total: int
    percent: int
    eta: datetime.timedelta | None
    elapsed: datetime.timedelta | None


def job_progress(job: AnalyticsJob, *, now: datetime.datetime | None = None) -> JobProgress:
    """Chunks done of all, and the time left at the pace so far (None until a chunk is done)."""
    now = now or timezone.now()
    end = job.finished_at or now
    elapsed = end - job.started_at if job.started_at else None
    eta = None
    if job.status == "running" and elapsed is not None and 0 < job.chunks_done < job.chunks_total:
        eta = elapsed / job.chunks_done * (job.chunks_total - job.chunks_done)
    finished = 100 if job.status == "done" else 0
    percent = int(100 * job.chunks_done / job.chunks_total) if job.chunks_total else finished
    return JobProgress(done=job.chunks_done, total=job.chunks_total, percent=percent, eta=eta, elapsed=elapsed)


def model_versions(kind: str | None = None) -> QuerySet[ModelVersion]:
    versions = ModelVersion.objects.select_related("promoted_by").order_by("kind", "-version")
    return versions.filter(kind=kind) if kind else versions


def report_subscriptions_of(user, *, deliveries: int = 5) -> list[tuple[ReportSubscription, str, list]]:
    """The user's active report subscriptions with their dashboard's title and last deliveries (two queries)."""
    from .dashboards.base import dashboard

    mine = ReportSubscription.objects.filter(owner=user, active=True).prefetch_related("deliveries")
    rows = []
    for subscription in mine.order_by("dashboard", "pk"):
        try:
            title = dashboard(subscription.dashboard).title
        except LookupError:  # a dashboard that no longer exists keeps its key as the title
            title = subscription.dashboard
        rows.append((subscription, title, list(subscription.deliveries.all()[:deliveries])))
    return rows
