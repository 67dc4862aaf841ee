"""Reads of churn scores for the retention work list and the API, scoped to what the user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from analytics.models import ChurnScore, ModelVersion
from crm.accounts.selectors import visibility_scope


def churn_latest_run() -> tuple | None:
    """(as_of, model id) of the newest scoring run, or None before the first one."""
    row = ChurnScore.objects.order_by("-as_of", "-model_id").values_list("as_of", "model_id").first()
    return tuple(row) if row else None


def churn_latest_model() -> ModelVersion | None:
    latest = churn_latest_run()
    return ModelVersion.objects.filter(pk=latest[1]).first() if latest else None


def churn_scores_visible_to(user, *, latest_only: bool = True) -> QuerySet[ChurnScore]:
    """Churn scores of customers still active, in the user's region (and grid); all regions for province staff. By
    default only the newest scoring run's rows, which is what the work list shows."""
    scores = ChurnScore.objects.filter(customer__status="active").select_related(
        "customer__party", "customer__region", "customer__account_manager", "model"
    )
    if latest_only:
        latest = churn_latest_run()
        if latest is None:
            return scores.none()
        scores = scores.filter(as_of=latest[0], model_id=latest[1])
    return visibility_scope(user).filter(scores, region_lookup="region_id", grid_lookup="customer__grid_id")
