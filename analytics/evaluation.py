"""Evaluating the models against what really happened (效果评估): pure metric functions on arrays and id sets.

Used by ``analytics_evaluate_truth`` with the demo generator's hidden labels; no database access here."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def auc(y_true, score) -> float | None:
    """ROC AUC, or None when only one class is present (nothing to rank)."""
    y = np.asarray(y_true, dtype=bool)
    if y.size == 0 or y.all() or not y.any():
        return None
    return round(float(roc_auc_score(y, np.asarray(score, dtype="float64"))), 4)


def pr_auc(y_true, score) -> float | None:
    y = np.asarray(y_true, dtype=bool)
    if y.size == 0 or not y.any():
        return None
    return round(float(average_precision_score(y, np.asarray(score, dtype="float64"))), 4)


def top_decile_lift(y_true, score) -> float | None:
    """The positive rate among the 10 % highest scores divided by the overall positive rate (1 = no better than
    chance). Ties at the cut are broken by order of appearance (a stable sort), so the result is deterministic."""
    y = np.asarray(y_true, dtype=bool)
    if y.size == 0 or not y.any():
        return None
    order = np.argsort(-np.asarray(score, dtype="float64"), kind="stable")
    top = order[: max(1, int(np.ceil(y.size * 0.1)))]
    return round(float(y[top].mean() / y.mean()), 4)


def precision_recall(flagged: Iterable, truth: Iterable) -> dict:
    """Precision and recall of a set of flagged ids against the set of true ids (None when undefined)."""
    flagged, truth = set(flagged), set(truth)
    hits = len(flagged & truth)
    precision = round(hits / len(flagged), 4) if flagged else None
    recall = round(hits / len(truth), 4) if truth else None
    f1 = None
    if precision and recall:
        f1 = round(2 * precision * recall / (precision + recall), 4)
    return {"flagged": len(flagged), "true": len(truth), "hits": hits, "precision": precision, "recall": recall,
            "f1": f1}  # fmt: skip


def ranking_report(y_true, score) -> dict:
    """AUC, PR-AUC and top-decile lift of a score against labels, with the counts behind them."""
    y = np.asarray(y_true, dtype=bool)
    return {
        "n": int(y.size),
        "positives": int(y.sum()),
        "auc": auc(y, score),
        "pr_auc": pr_auc(y, score),
        "lift_top_decile": top_decile_lift(y, score),
    }
