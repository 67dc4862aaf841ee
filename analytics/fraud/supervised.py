"""The supervised fraud model (自学习): analysts' verdicts on alerts train a classifier on the day's aggregates.

Training rows are reviewed alerts: the daily aggregates kept in their evidence (``evidence["daily"]``) as features,
confirmed = 1, dismissed = 0. Pure scikit-learn: the job reads the alerts and saves the model in the registry."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from .anomaly import DAILY_FEATURES, model_matrix
from .detectors import empty_hits

MIN_PER_CLASS = 5
DEFAULT_THRESHOLD = 0.5


class NotEnoughVerdicts(ValueError):
    """Too few confirmed or dismissed alerts to train on."""


@dataclass
class Trained:
    estimator: HistGradientBoostingClassifier
    metrics: dict
    params: dict


def training_frame(reviewed: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels from reviewed alerts (columns ``status`` and ``daily``: the aggregates dict or None)."""
    rows = reviewed[reviewed["daily"].map(lambda d: isinstance(d, dict) and bool(d))]
    if rows.empty:
        return np.empty((0, len(DAILY_FEATURES))), np.empty(0, dtype=int)
    features = pd.DataFrame([{n: float(d.get(n, 0) or 0) for n in DAILY_FEATURES} for d in rows["daily"]])
    labels = (rows["status"] == "confirmed").astype(int).to_numpy()
    return model_matrix(features), labels


def train(reviewed: pd.DataFrame, *, random_state: int = 0, threshold: float = DEFAULT_THRESHOLD) -> Trained:
    """A class-weighted gradient-boosting classifier, with cross-validated AUC, PR-AUC, precision and recall."""
    x, y = training_frame(reviewed)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if min(positives, negatives) < MIN_PER_CLASS:
        raise NotEnoughVerdicts(
            f"{positives} confirmed and {negatives} dismissed alerts with aggregates; {MIN_PER_CLASS} of each needed"
        )
    # Few verdicts at first: leaves of 20 rows (the default) would leave a tree without a split.
    params = {"max_iter": 200, "learning_rate": 0.1, "max_leaf_nodes": 15, "class_weight": "balanced",
              "min_samples_leaf": max(2, min(20, len(y) // 10)), "random_state": random_state}  # fmt: skip
    folds = StratifiedKFold(n_splits=min(5, positives, negatives), shuffle=True, random_state=random_state)
    proba = cross_val_predict(HistGradientBoostingClassifier(**params), x, y, cv=folds, method="predict_proba")[:, 1]
    predicted = (proba >= threshold).astype(int)
    metrics = {
        "auc": round(float(roc_auc_score(y, proba)), 4),
        "pr_auc": round(float(average_precision_score(y, proba)), 4),
        "precision": round(float(precision_score(y, predicted, zero_division=0)), 4),
        "recall": round(float(recall_score(y, predicted, zero_division=0)), 4),
        "n_train": len(y),
        "positive_rate": round(positives / len(y), 4),
        "evaluation": f"{folds.get_n_splits()}-fold cross-validation",
    }
    estimator = HistGradientBoostingClassifier(**params).fit(x, y)
    return Trained(estimator=estimator, metrics=metrics, params={**params, "threshold": threshold})


def supervised_hits(estimator, aggregates: pd.DataFrame, *, threshold: float) -> pd.DataFrame:
    """Lines whose fraud probability under the trained model reaches ``threshold``."""
    if aggregates.empty:
        return empty_hits()
    proba = estimator.predict_proba(model_matrix(aggregates))[:, 1]
    chosen = np.flatnonzero(proba >= threshold)
    if not len(chosen):
        return empty_hits()
    rows = []
    for position in chosen:
        row = aggregates.iloc[position]
        rows.append(
            {"subject": str(row["service_number"]), "customer_id": int(row["customer_id"]),
             "product_id": int(aggregates.index[position]), "score": round(float(proba[position]), 3),
             "evidence": {"probability": round(float(proba[position]), 3), "threshold": threshold}}
        )  # fmt: skip
    return pd.DataFrame(rows)
