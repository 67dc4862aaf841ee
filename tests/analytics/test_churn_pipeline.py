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


def test_the_boosting_weighs_the_classes_but_bins_on_plain_quantiles():
    from sklearn.ensemble import HistGradientBoostingClassifier

    from analytics.churn.pipeline import ChurnBoosting

    rng = np.random.default_rng(1)
    X = rng.lognormal(0, 1, (3000, 2))  # more distinct values than bins: the edges are quantiles
    y = (rng.random(3000) < 0.05).astype(int)
    params = {"max_iter": 5, "early_stopping": False, "random_state": 0}
    ours = ChurnBoosting(class_weight="balanced", **params).fit(X, y)
    plain = HistGradientBoostingClassifier(**params).fit(X, y)
    weighted = HistGradientBoostingClassifier(class_weight="balanced", **params).fit(X, y)

    for mine, unweighted, by_weight in zip(
        ours._bin_mapper.bin_thresholds_,
        plain._bin_mapper.bin_thresholds_,
        weighted._bin_mapper.bin_thresholds_,
        strict=True,
    ):
        np.testing.assert_array_equal(mine, unweighted)
        assert not np.array_equal(mine, by_weight)  # what scikit-learn would have done with the weights
    # the classes are still weighted in the boosting: churners get more probability than without weights
    assert ours.predict_proba(X)[:, 1].mean() > plain.predict_proba(X)[:, 1].mean() + 0.2


def test_contributions_tree_by_tree_are_those_of_replacing_each_feature():
    from analytics.churn.contrib import model_contributions
    from analytics.churn.reasons import contributions

    X, y = synthetic(n=1200)
    X["region"] = X["region"].astype("category")
    X["complaints"] = X["complaints"].astype("float32")
    model = fit_churn_model(X.iloc[:1000], y[:1000])
    frame = X.iloc[1000:]
    features = ["usage_trend", "complaints", "noise", "region"]

    base, tree_by_tree = model_contributions(model, frame, features)
    expected_base, expected = contributions(model.predict, frame[model.features], model.reference, features)

    np.testing.assert_array_equal(base, expected_base)
    np.testing.assert_array_equal(tree_by_tree[features].to_numpy(), expected[features].to_numpy())
    assert (tree_by_tree["complaints"] != 0).any() and (tree_by_tree["region"] != 0).any()
