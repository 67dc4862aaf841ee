"""Model quality (pure): AUC, PR-AUC, top-decile lift, KS, calibration bins, the out-of-time split, and
stratified k-fold cross-validation of the same pipeline for ``churn_evaluate``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve
from sklearn.model_selection import StratifiedKFold

from .pipeline import fit_churn_model


def top_decile_lift(y, p) -> float:
    """Churn rate among the 10 % with the highest scores, divided by the overall churn rate."""
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    if len(y) == 0 or y.mean() == 0:
        return 0.0
    n_top = max(1, int(np.ceil(len(y) * 0.1)))
    order = np.argsort(-p, kind="stable")
    return float(y[order[:n_top]].mean() / y.mean())


def calibration_bins(y, p, bins: int = 10) -> list[list[float]]:
    """[[mean predicted, observed rate, count], ...] over equal-count bins of the predictions."""
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    if len(y) == 0:
        return []
    order = np.argsort(p, kind="stable")
    out = []
    for part in np.array_split(order, min(bins, len(order))):
        if len(part):
            out.append([round(float(p[part].mean()), 4), round(float(y[part].mean()), 4), len(part)])
    return out


def ks_statistic(y, p) -> float:
    fpr, tpr, _ = roc_curve(y, p)
    return float(np.max(tpr - fpr))


def scores(y, p) -> dict:
    """AUC, PR-AUC, top-decile lift and KS of predictions ``p`` against outcomes ``y``."""
    y = np.asarray(y).astype(int)
    both = len(set(y.tolist())) == 2
    return {
        "auc": round(float(roc_auc_score(y, p)), 4) if both else None,
        "pr_auc": round(float(average_precision_score(y, p)), 4) if both else None,
        "lift_top_decile": round(top_decile_lift(y, p), 3),
        "ks": round(ks_statistic(y, p), 4) if both else None,
        "n": len(y),
        "positive_rate": round(float(y.mean()), 4) if len(y) else 0.0,
    }


def out_of_time_split(frame: pd.DataFrame, *, date_column: str, train_until) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows dated on or before ``train_until`` to train, later rows to test: the test is the future of the train."""
    dates = pd.to_datetime(frame[date_column])
    cut = pd.Timestamp(train_until)
    return frame[dates <= cut], frame[dates > cut]


def cross_validate(X: pd.DataFrame, y, *, folds: int = 5, random_state: int = 0, calibration: str = "auto") -> dict:
    """Stratified k-fold scores of the model and the baseline, pooled over the out-of-fold predictions."""
    y = np.asarray(y).astype(int)
    n_splits = max(2, min(folds, int(np.bincount(y, minlength=2).min())))
    model_p, base_p = np.zeros(len(y)), np.zeros(len(y))
    split = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    for train, test in split.split(X, y):
        fitted = fit_churn_model(X.iloc[train], y[train], calibration=calibration, random_state=random_state)
        model_p[test] = fitted.predict(X.iloc[test])
        base_p[test] = fitted.predict_baseline(X.iloc[test])
    return {"folds": n_splits, "model": scores(y, model_p), "baseline": scores(y, base_p)}
