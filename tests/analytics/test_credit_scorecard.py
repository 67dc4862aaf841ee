"""The credit scorecard (pure): WOE bins, points 0–100 in the right direction, KS/AUC on a holdout, reasons."""

import numpy as np
import pandas as pd
import pytest
from django.utils import translation

from analytics.credit.scorecard import FEATURES, fit_scorecard, grade_of, ks_statistic, woe_binning


def _customers(n=1200, seed=3):
    rng = np.random.default_rng(seed)
    late = rng.poisson(0.6, n)
    dunning = rng.binomial(2, 0.1, n)
    tenure = rng.integers(1, 120, n)
    frame = pd.DataFrame(
        {
            "late_bills_12m": late,
            "days_late_avg_12m": late * rng.uniform(0, 10, n),
            "arrears_bills_12m": rng.binomial(late, 0.5),
            "dunning_cases_12m": dunning,
            "arrears_now": rng.exponential(10, n) * (late > 1),
            "tenure_months": tenure,
            "payments_12m": rng.integers(6, 13, n),
            "bill_avg_6m": rng.uniform(20, 300, n),
        }
    )
    logit = -4.0 + 0.9 * late + 1.2 * dunning - 0.01 * tenure
    bad = pd.Series(rng.uniform(size=n) < 1 / (1 + np.exp(-logit)))
    return frame, bad


def test_woe_is_negative_where_bads_concentrate_and_bins_merge_ties():
    x = pd.Series([0] * 80 + [5] * 20, name="late")
    y = pd.Series([False] * 78 + [True] * 2 + [False] * 5 + [True] * 15)
    binning = woe_binning(x, y)
    assert len(binning.edges) == 2  # 0 and "more", however many quantiles asked
    assert binning.woe[0] > 0 > binning.woe[1]
    assert binning.iv > 0.5


def test_fitted_scorecard_ranks_bads_low_and_reports_ks_and_auc():
    frame, bad = _customers()
    fit = fit_scorecard(frame, bad)
    assert fit.metrics["auc"] > 0.7
    assert 0.3 < fit.metrics["ks"] <= 1
    assert fit.metrics["n_test"] == 360
    points = fit.scorecard.points(frame)
    assert points.min() >= 0 and points.max() <= 100
    assert points[bad.to_numpy()].mean() < points[~bad.to_numpy()].mean() - 10
    assert set(fit.metrics["iv"]) == set(FEATURES)


def test_a_clean_payer_scores_better_than_a_late_one_and_hears_why():
    frame, bad = _customers()
    card = fit_scorecard(frame, bad).scorecard
    people = pd.DataFrame(
        [
            {"late_bills_12m": 0, "days_late_avg_12m": 0, "arrears_bills_12m": 0, "dunning_cases_12m": 0,
             "arrears_now": 0, "tenure_months": 100, "payments_12m": 12, "bill_avg_6m": 80},
            {"late_bills_12m": 5, "days_late_avg_12m": 40, "arrears_bills_12m": 3, "dunning_cases_12m": 2,
             "arrears_now": 150, "tenure_months": 3, "payments_12m": 6, "bill_avg_6m": 80},
        ]
    )  # fmt: skip
    good, poor = card.points(people)
    assert good >= 60 > poor
    with translation.override("en"):
        reasons = card.reasons(people)
    assert sum(r["points"] for r in reasons[0]) > sum(r["points"] for r in reasons[1])
    features = [r["feature"] for r in reasons[1]]
    assert "late_bills_12m" in features or "dunning_cases_12m" in features
    assert all(r["points"] < 0 for r in reasons[1])
    assert any("late" in r["text"] or "dunning" in r["text"] for r in reasons[1])


def test_no_bad_customers_cannot_train():
    frame, _bad = _customers(n=100)
    with pytest.raises(ValueError):
        fit_scorecard(frame, pd.Series([False] * 100))


def test_grades_and_ks():
    assert [grade_of(p) for p in (100, 80, 79, 60, 40, 39, 0)] == ["A", "A", "B", "B", "C", "D", "D"]
    assert ks_statistic([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
