"""The credit job (信用度/坏账作业): prepare trains a scorecard on payment behaviour as of an earlier cut-off and the
bad debt that followed (``outcome_days``, default 120), saved as a credit model version with KS/AUC; each chunk
scores its live customers as of the job's cut-off, replaces their ``CreditScore`` rows and sets
``Customer.credit_rating`` (only from the model in use, so an unpromoted candidate never changes eligibility).

Parameters: ``outcome_days``, ``train_size`` (sample of customers to train on), ``train`` (false: score with the
model in use without training)."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
from django.db import connection

from analytics.jobs import JobSpec, register
from analytics.models import AnalyticsJob, CreditScore, ModelVersion
from analytics.models.jobs import JobKind
from analytics.models.registry import ModelKind
from analytics.sql import values_table

from .loader import bad_debt_ids, credit_frame, training_sample
from .scorecard import FEATURES, fit_scorecard, grade_of

DEFAULT_OUTCOME_DAYS = 120  # the 90 days a bill must stay unpaid to count as bad debt, and a month to see it
DEFAULT_TRAIN_SIZE = 200_000
BATCH = 5000


def prepare(job: AnalyticsJob) -> None:
    """Train and register a version (or take the one in use), and note in the result which one the chunks use."""
    from analytics.services.registry import model_version_in_use, model_version_save

    if job.params.get("train", True) is False:
        version = model_version_in_use(ModelKind.CREDIT)
        if version is None:
            raise LookupError("No credit model to score with: run the credit job with training first.")
    else:
        outcome = int(job.params.get("outcome_days") or DEFAULT_OUTCOME_DAYS)
        cut = job.as_of - datetime.timedelta(days=outcome)
        ids = training_sample(cut, int(job.params.get("train_size") or DEFAULT_TRAIN_SIZE))
        frame = credit_frame(cut, ids=ids, live_only=False)
        bad = frame.index.isin(list(bad_debt_ids(list(frame.index), cut=cut, end=job.as_of)))
        fit = fit_scorecard(frame, pd.Series(bad, index=frame.index))
        version = model_version_save(
            kind=ModelKind.CREDIT,
            estimator=fit.scorecard,
            algorithm="WOE scorecard + LogisticRegression",
            train_from=cut - datetime.timedelta(days=365),
            train_to=job.as_of,
            features=list(FEATURES),
            params={"outcome_days": outcome, "cut_off": cut.isoformat(), "scaling": fit.scorecard.scaling},
            metrics=fit.metrics,
            job=job,
        )
    in_use = model_version_in_use(ModelKind.CREDIT)
    job.result.update(
        {
            "model_version_id": version.pk,
            "model_version": version.version,
            "writes_ratings": in_use is not None and in_use.pk == version.pk,
            "metrics": {k: version.metrics.get(k) for k in ("auc", "ks", "n_train", "n_test", "positive_rate")},
        }
    )


def run_chunk(job: AnalyticsJob, lo: int, hi: int) -> int:
    """Score the live customers of ``[lo, hi)``: their score rows for this cut-off and model are replaced."""
    from analytics.services.registry import model_version_load

    version = ModelVersion.objects.get(pk=job.result["model_version_id"])
    scorecard = model_version_load(version)
    frame = credit_frame(job.as_of, lo=lo, hi=hi)
    CreditScore.objects.filter(as_of=job.as_of, model=version, customer_id__gte=lo, customer_id__lt=hi).delete()
    if frame.empty:
        return 0
    points = scorecard.points(frame)
    probability = np.clip(scorecard.bad_probability(frame), 0.0, 1.0)
    reasons = scorecard.reasons(frame)
    ids = [int(i) for i in frame.index]
    CreditScore.objects.bulk_create(
        (
            CreditScore(
                as_of=job.as_of,
                customer_id=customer_id,
                model=version,
                score=int(points[i]),
                grade=grade_of(int(points[i])),
                bad_debt_probability=round(float(probability[i]), 6),
                reasons=reasons[i],
            )
            for i, customer_id in enumerate(ids)
        ),
        batch_size=BATCH,
    )
    if job.result.get("writes_ratings"):
        values, params = values_table({"id": ("bigint", ids), "rating": ("smallint", [int(p) for p in points])})
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE customers_customer AS c SET credit_rating = v.rating FROM {values} WHERE c.id = v.id",  # noqa: S608
                params,
            )
    return len(ids)


def finish(job: AnalyticsJob) -> dict:
    """Grades of this run's scores."""
    from django.db.models import Count

    rows = (
        CreditScore.objects.filter(as_of=job.as_of, model_id=job.result["model_version_id"])
        .values("grade")
        .annotate(n=Count("id"))
    )
    return {"grades": {row["grade"]: row["n"] for row in rows}}


SPEC = register(JobSpec(kind=JobKind.CREDIT, prepare=prepare, run_chunk=run_chunk, finish=finish))
