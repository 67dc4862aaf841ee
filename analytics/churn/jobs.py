"""Churn training (JobKind.CHURN_TRAIN) and scoring (JobKind.CHURN_SCORE) on the feature store.

Training, for a job's cut-off date ``as_of`` (params ``gap_days`` 15, ``outcome_days`` 60)::

    train cut-off ── gap ── outcome ── test cut-off ── gap ── outcome ── as_of

The latest cut-off whose outcome is fully known by ``as_of`` is the out-of-time test; the cut-off before it, whose
labels were all known by the test's cut-off, trains the model. The model saved is the one evaluated, so the version's
metrics describe exactly what scoring uses. Too little history (too few customers or churners in either set) fails
the job with a readable error instead of saving a bad model.

Scoring loads the features at ``as_of`` and the version in use, and per id range replaces the ``ChurnScore`` rows of
everyone who held a line at the cut-off and sets ``Customer.churn_risk`` / ``churn_reasons`` of those active today,
with one UPDATE. Bands are probability thresholds: the job's ``band_high``/``band_medium``, or by default 5x and 2x
the churn rate the model was trained on.
"""

# ruff: noqa: S608 - the SQL is built only from the models' own table names; every value is a query parameter.

from __future__ import annotations

import datetime
import json

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection
from django.utils import translation

from analytics.bulk import frame_insert
from analytics.features.catalog import FEATURE_NAMES
from analytics.features.store import features_exist, features_frame, features_replace
from analytics.jobs import JobSpec, register
from analytics.models import ChurnScore, ModelVersion
from analytics.models.jobs import JobKind
from analytics.models.registry import ModelKind
from analytics.services.registry import model_version_in_use, model_version_load, model_version_save
from analytics.sql import values_table
from customers.models import Customer

from .contrib import model_contributions
from .evaluate import calibration_bins, scores
from .labels import LabelWindow, churn_labels
from .loader import customer_id_bounds, customers_now, label_events
from .pipeline import ChurnModel, check_trainable, fit_churn_model, risk_band
from .reasons import IDENTITY, top_reasons

# Two months of outcome after a two-week gap: long enough for a retention call to happen, short enough that a year
# of history holds a training and an out-of-time test window with their observation months before them.
DEFAULTS = {
    "gap_days": 15,
    "outcome_days": 60,
    "min_rows": 200,  # customers in each of the training and the test set
    "min_positives": 20,  # churners (and stayers) in each set
    "calibration": "auto",  # isotonic from 2,000 rows and 500 churners, else sigmoid
    # Bands: explicit probabilities ("band_high": 0.2) or, by default, multiples of the churn rate the model was
    # trained on: high from 5x, medium from 2x (a 2 % churn rate gives 10 % and 4 %).
    "band_high_lift": 5.0,
    "band_medium_lift": 2.0,
    "rebuild_features": False,
}
FEATURE_CHUNK = 20_000


class ChurnJobError(RuntimeError):
    """A churn job cannot go on (no model, no history); the message is what the jobs page shows."""


def job_params(job) -> dict:
    return {**DEFAULTS, **(job.params or {})}


def windows(as_of: datetime.date, params: dict) -> tuple[LabelWindow, LabelWindow]:
    """(training window, out-of-time test window) for a training job at ``as_of``."""
    gap, outcome = int(params["gap_days"]), int(params["outcome_days"])
    test = LabelWindow(as_of - datetime.timedelta(days=gap + outcome), gap, outcome)
    return test.earlier(), test


def features_ensure(as_of: datetime.date, *, rebuild: bool = False, job=None) -> None:
    """Build the feature store at ``as_of`` range by range if it has nothing for that date (or ``rebuild``)."""
    if features_exist(as_of) and not rebuild:
        return
    lo, hi = customer_id_bounds()
    for start in range(lo, hi, FEATURE_CHUNK):
        features_replace(as_of=as_of, lo=start, hi=min(start + FEATURE_CHUNK, hi), job=job)


def labelled(window: LabelWindow) -> tuple[pd.DataFrame, np.ndarray]:
    """Features at the window's cut-off with their churn labels (customers who left in the gap dropped)."""
    frame = features_frame(window.cutoff).assign(as_of=window.cutoff)
    if frame.empty:
        return frame, np.zeros(0, dtype=int)
    products, moves = label_events(frame["customer_id"].tolist(), until=window.outcome_end)
    labels = churn_labels(frame[["customer_id", "as_of"]], products, moves, window)
    frame = frame.merge(labels, on="customer_id", how="inner")
    return frame, frame.pop("label").to_numpy(dtype=int)


# Training --------------------------------------------------------------------------------------------------------


def train_prepare(job) -> None:
    """Make sure the feature store has both cut-offs the training reads."""
    params = job_params(job)
    for window in windows(job.as_of, params):
        features_ensure(window.cutoff, rebuild=bool(params["rebuild_features"]), job=job)


def train_run(job, lo: int, hi: int) -> int:
    """Fit on the earlier cut-off, judge on the later one (out of time), save the version with its quality."""
    params = job_params(job)
    train_window, test_window = windows(job.as_of, params)
    X_train, y_train = labelled(train_window)
    X_test, y_test = labelled(test_window)
    try:
        check_trainable(y_train, min_rows=int(params["min_rows"]), min_positives=int(params["min_positives"]),
                        what=f"training (cut-off {train_window.cutoff})")  # fmt: skip
        check_trainable(y_test, min_rows=int(params["min_rows"]), min_positives=int(params["min_positives"]),
                        what=f"the out-of-time test (cut-off {test_window.cutoff})")  # fmt: skip
    except ValueError as exc:
        raise ChurnJobError(
            f"{exc} Load more months of history, or shorten gap_days/outcome_days in the job's parameters."
        ) from exc
    features = list(FEATURE_NAMES)
    model = fit_churn_model(X_train[features], y_train, calibration=str(params["calibration"]))
    p, p_base = model.predict(X_test), model.predict_baseline(X_test)
    metrics = {
        **scores(y_test, p),
        "calibration": calibration_bins(y_test, p),
        "baseline": scores(y_test, p_base),
        "n_train": len(y_train),
        "n_test": len(y_test),
        "train_positive_rate": round(float(y_train.mean()), 4),
        "train_cutoff": train_window.cutoff.isoformat(),
        "test_cutoff": test_window.cutoff.isoformat(),
        "test_outcome": [test_window.outcome_start.isoformat(), test_window.outcome_end.isoformat()],
    }
    model_version_save(
        kind=ModelKind.CHURN,
        estimator=model,
        algorithm=f"HistGradientBoosting + {model.calibration} calibration",
        train_from=train_window.observation_start,
        train_to=train_window.outcome_end,
        features=model.features,
        params={
            **{k: v for k, v in params.items() if not k.startswith("band_")},
            "class_weight": "balanced",
            "calibration_method": model.calibration,
            "baseline": "LogisticRegression (scaled, one-hot, class_weight balanced)",
        },
        metrics=metrics,
        job=job,
    )
    return len(y_train)


def train_finish(job) -> dict:
    version = ModelVersion.objects.filter(job=job, kind=ModelKind.CHURN).order_by("-version").first()
    if version is None:
        return {}
    m = version.metrics
    return {
        "model_version": version.version,
        "auc": m.get("auc"),
        "pr_auc": m.get("pr_auc"),
        "lift_top_decile": m.get("lift_top_decile"),
        "baseline_auc": (m.get("baseline") or {}).get("auc"),
    }


# Scoring ---------------------------------------------------------------------------------------------------------


def score_prepare(job) -> None:
    """Pick the version in use once for the whole run, and make sure the features at ``as_of`` exist."""
    version = model_version_in_use(ModelKind.CHURN)
    if version is None:
        raise ChurnJobError("There is no churn model yet: run a churn training job first.")
    features_ensure(job.as_of, rebuild=bool(job_params(job)["rebuild_features"]), job=job)
    job.result["model_version_id"] = version.pk
    job.result["model_version"] = version.version
    job.result["band_high"], job.result["band_medium"] = band_thresholds(job_params(job), version.metrics)


FALLBACK_RATE = 0.03


def band_thresholds(params: dict, metrics: dict) -> tuple[float, float]:
    """(high, medium) probability thresholds: the job's own, else lifts over the model's training churn rate."""
    rate = float(metrics.get("train_positive_rate") or metrics.get("positive_rate") or FALLBACK_RATE)
    high = float(params["band_high"]) if "band_high" in params else min(0.9, rate * float(params["band_high_lift"]))
    medium = float(params["band_medium"]) if "band_medium" in params else rate * float(params["band_medium_lift"])
    return round(high, 4), round(min(medium, high), 4)


def score_run(job, lo: int, hi: int) -> int:
    """Score the customers of ``lo <= id < hi`` who held a line at the cut-off (those the store has features for):
    replace their ChurnScore rows; set churn_risk/reasons of the ones active today."""
    version = ModelVersion.objects.get(pk=job.result["model_version_id"])
    model: ChurnModel = model_version_load(version)
    ChurnScore.objects.filter(as_of=job.as_of, model=version, customer_id__gte=lo, customer_id__lt=hi).delete()
    frame = features_frame(job.as_of, lo, hi)
    if frame.empty:
        return 0
    now = customers_now(lo, hi).set_index("customer_id")
    explained = [name for name in model.features if name not in IDENTITY]  # who they are is never a reason
    probability, _none = model_contributions(model, frame, [])
    bands = risk_band(probability, high=float(job.result["band_high"]), medium=float(job.result["band_medium"]))
    # Reasons for the customers at risk (medium and high bands: the retention lists and the agents' prompts); what
    # nudges a low risk a little is nothing to act on, and explaining every customer was most of a run's time.
    at_risk = np.flatnonzero(bands != "low")
    reasons: list[list[dict]] = [[] for _ in range(len(frame))]
    if len(at_risk):
        risky = frame.iloc[at_risk]
        _p, contribution = model_contributions(model, risky, explained)
        with translation.override(settings.LANGUAGE_CODE):
            for i, why in zip(at_risk, top_reasons(risky, contribution), strict=True):
                reasons[i] = why
    probability = np.clip(np.round(probability, 4), 0, 1)
    rows = pd.DataFrame(
        {
            "as_of": job.as_of,
            "customer_id": frame["customer_id"].to_numpy(),
            "model_id": version.pk,
            "probability": probability.astype("float64"),
            "band": bands.astype(str),
            "reasons": reasons,
            "region_id": frame["customer_id"].map(now["region_id"]).astype("Int64").to_numpy(),
        }
    )
    frame_insert(ChurnScore, rows)
    # A past cut-off scores customers who have left since (that is how a model is judged against what happened);
    # only the ones still active get the risk on their record.
    active = frame["customer_id"].map(now["status"]).eq("active").to_numpy()
    ids = frame["customer_id"].to_numpy()
    kept = [why for why, is_active in zip(reasons, active, strict=True) if is_active]
    _customers_update(ids[active].tolist(), probability[active].tolist(), kept)
    return len(frame)


def _customers_update(ids: list[int], risks: list[float], reasons: list[list[dict]]) -> None:
    """One UPDATE ... FROM the range's values: the 360 view shows the risk and the reason texts."""
    texts = [json.dumps([r["text"] for r in why], ensure_ascii=False) for why in reasons]
    values, params = values_table(
        {
            "id": ("bigint", [int(i) for i in ids]),
            "risk": ("numeric", [round(float(r), 4) for r in risks]),
            "reasons": ("jsonb", texts),
        }
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {Customer._meta.db_table} AS c SET churn_risk = v.risk, churn_reasons = v.reasons
                FROM {values} WHERE c.id = v.id""",
            params,
        )


def score_finish(job) -> dict:
    from django.db.models import Count

    rows = (
        ChurnScore.objects.filter(as_of=job.as_of, model_id=job.result.get("model_version_id"))
        .values("band")
        .annotate(n=Count("pk"))
    )
    return {"scored": sum(r["n"] for r in rows), "bands": {r["band"]: r["n"] for r in rows}}


CHURN_TRAIN_JOB = register(
    JobSpec(kind=JobKind.CHURN_TRAIN, prepare=train_prepare, run_chunk=train_run, finish=train_finish, chunked=False)
)
CHURN_SCORE_JOB = register(
    JobSpec(
        kind=JobKind.CHURN_SCORE,
        prepare=score_prepare,
        run_chunk=score_run,
        finish=score_finish,
        chunk_size=FEATURE_CHUNK,
    )
)
