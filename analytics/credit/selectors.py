"""Reads of credit scores for the pages and API: the newest run of the model in use, within the user's regions."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from analytics.models import CreditScore, ModelVersion
from crm.accounts.selectors import visibility_scope


def credit_model_in_use() -> ModelVersion | None:
    from analytics.services.registry import model_version_in_use

    return model_version_in_use("credit")


def credit_scores_visible_to(user, model: ModelVersion | None = None) -> QuerySet[CreditScore]:
    """The newest cut-off's scores of the model in use (or the given one), for customers the user may see."""
    model = model or credit_model_in_use()
    if model is None:
        return CreditScore.objects.none()
    scores = CreditScore.objects.filter(model=model)
    as_of = scores.order_by("-as_of").values_list("as_of", flat=True).first()
    scores = scores.filter(as_of=as_of).select_related("customer__party", "customer__region", "model")
    return visibility_scope(user).filter(scores, region_lookup="customer__region_id")


def grade_counts(scores: QuerySet[CreditScore]) -> dict[str, int]:
    return dict(scores.order_by().values_list("grade").annotate(n=Count("id")))
