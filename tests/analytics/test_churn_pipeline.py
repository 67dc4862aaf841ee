"""The churn pipeline and its evaluation on synthetic frames with a planted signal (no database)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.churn.evaluate import calibration_bins, cross_validate, out_of_time_split, scores, top_decile_lift
from analytics.churn.pipeline import check_trainable, fit_churn_model, split_columns


def synthetic(n=1500, seed=0):
    """Churn rises with falling usage and open complaints, and is higher in one region; the rest is noise."""
    rng = np.random.default_rng(seed)
    trend = rng.normal(0, 0.4, n)
    complaints = rng.poisson(0.3, n)
    region = rng.choice(["hf", "wh", "aq"], n)
    noise = rng.normal(0, 1, n)
    logit = -3.0 - 3.0 * trend + 1.2 * complaints + 1.0 * (region == "aq")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame({"usage_trend": trend, "complaints": complaints, "region": region, "noise": noise})
    frame.loc[frame.sample(frac=0.05, random_state=seed).index, "noise"] = np.nan  # missing values are imputed
    return frame, y


def test_columns_are_detected_by_dtype():
    frame = pd.DataFrame({"a": [1.0], "b": [1], "c": ["x"], "d": pd.Categorical(["y"]), "e": [True]})
    assert split_columns(frame) == (["a", "b"], ["c", "d", "e"])


def test_model_and_baseline_find_the_planted_signal_and_probabilities_are_calibrated():
    X, y = synthetic()
    train, test = slice(0, 1000), slice(1000, None)
    model = fit_churn_model(X.iloc[train], y[train])
    p = model.predict(X.iloc[test])
    quality = scores(y[test], p)
    assert quality["auc"] > 0.75
    assert scores(y[test], model.predict_baseline(X.iloc[test]))["auc"] > 0.75
    # Calibrated: the mean probability is near the observed churn rate (class weights did not inflate it)
    assert abs(p.mean() - y[test].mean()) < 0.05
    assert model.calibration == "sigmoid"  # small data: Platt scaling, not isotonic steps
    assert set(model.reference) == {"usage_trend", "complaints", "region", "noise"}
    assert model.reference["region"] in {"hf", "wh", "aq"}


def test_unknown_categories_at_scoring_do_not_break_the_model():
    X, y = synthetic(600)
    model = fit_churn_model(X, y)
    new = X.head(3).assign(region=["new-region", "hf", None])
    assert model.predict(new).shape == (3,)


def test_lift_calibration_and_out_of_time_split():
    y = np.array([1] * 10 + [0] * 90)
    perfect = np.linspace(1, 0, 100)
    assert top_decile_lift(y, perfect) == pytest.approx(10.0)
    assert top_decile_lift(y, np.zeros(100)) <= 10.0
    bins = calibration_bins(y, perfect, bins=10)
    assert len(bins) == 10 and sum(b[2] for b in bins) == 100 and bins[-1][1] == 1.0
    frame = pd.DataFrame({"as_of": pd.to_datetime(["2026-01-31", "2026-04-30", "2026-07-31"]), "x": [1, 2, 3]})
    train, test = out_of_time_split(frame, date_column="as_of", train_until="2026-04-30")
    assert train["x"].tolist() == [1, 2] and test["x"].tolist() == [3]


def test_cross_validation_reports_model_and_baseline():
    X, y = synthetic(900, seed=1)
    result = cross_validate(X, y, folds=3)
    assert result["folds"] == 3
    assert result["model"]["auc"] > 0.7 and result["baseline"]["auc"] > 0.7
    assert result["model"]["lift_top_decile"] > 1.5


def test_too_little_history_is_a_readable_error():
    with pytest.raises(ValueError, match="Not enough history for training: 50 customers of whom 2 churned"):
        check_trainable(np.array([1, 1] + [0] * 48), min_rows=40, min_positives=5, what="training")
